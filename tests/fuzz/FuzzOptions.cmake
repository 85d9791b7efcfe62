# SHUFFLEC_FUZZ: builds the libFuzzer targets of tests/fuzz (docs/fuzzing.md). Included from the top CMakeLists.txt
# before the libraries, because every library the targets link must carry the coverage instrumentation. Use a build
# directory of its own (tests/fuzz/run.sh uses build-fuzz): the flags apply to everything built there.
option(SHUFFLEC_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only; use a separate build dir)" OFF)
if(SHUFFLEC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SHUFFLEC_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++-14 "
                        "-DCMAKE_C_COMPILER=clang-14")
  endif()
  # full: libFuzzer's own instrumentation (edge counters, indirect calls, comparison tracing), for campaigns.
  # edges: edge counters only, still coverage-guided; what tools/test.sh uses, where this build also runs the
  # sanitized tests: comparison tracing made every library file a quarter slower to compile (json_frontend.cpp
  # 42.8 s against 33.2 s, clang 14 with ASan + UBSan), and the suite's 20-second runs gain little from it.
  set(SHUFFLEC_FUZZ_COVERAGE "full" CACHE STRING "coverage instrumentation of the fuzz build: full or edges")
  set_property(CACHE SHUFFLEC_FUZZ_COVERAGE PROPERTY STRINGS full edges)
  if(SHUFFLEC_FUZZ_COVERAGE STREQUAL "full")
    add_compile_options(-fsanitize=fuzzer-no-link)
  elseif(SHUFFLEC_FUZZ_COVERAGE STREQUAL "edges")
    add_compile_options(-fsanitize-coverage=inline-8bit-counters,pc-table)
  else()
    message(FATAL_ERROR "SHUFFLEC_FUZZ_COVERAGE is '${SHUFFLEC_FUZZ_COVERAGE}': full or edges")
  endif()
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
