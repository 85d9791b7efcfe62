// The Catch2 v2 main() for shufflec_unit_tests. The tests live in the other test_*.cpp files.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
