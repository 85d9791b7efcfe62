// The Catch2 v2 main(), compiled once for every test executable: catch.hpp's implementation is the slowest file
// of the build (~20 s), and each executable compiling its own copy cost that again in every build CI makes.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
