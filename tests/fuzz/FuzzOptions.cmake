# SHUFFLEC_FUZZ: builds the libFuzzer targets of tests/fuzz (docs/fuzzing.md). Included from the top CMakeLists.txt
# before the libraries, because every library the targets link must carry the coverage instrumentation. Use a build
# directory of its own (tests/fuzz/run.sh uses build-fuzz): the flags apply to everything built there.
option(SHUFFLEC_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only; use a separate build dir)" OFF)
if(SHUFFLEC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SHUFFLEC_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14 "
                        "-DCMAKE_C_COMPILER=clang-14")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
