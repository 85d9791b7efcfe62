// What passes and emitters know about the machine the generated C will run on: a small description, so targets
// differ by data rather than by #ifdef forests. The descriptions themselves live in targets/<name>/target.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace shufflec {

// How to spell vector operations in C for a SIMD target. Each operation is a fmt pattern over its operands
// ({0}, {1}, {2}); fma(a, b, c) computes a * b + c. width == 0 means plain C (the compiler may auto-vectorise).
struct VectorDialect {
  int64_t width = 0;       // floats per vector
  std::string header;      // e.g. "<immintrin.h>"
  std::string guard;       // preprocessor condition the compiler must meet, e.g. "defined(__AVX2__)"
  std::string guard_hint;  // what to pass the compiler when the guard fails
  std::string type;        // e.g. "__m256"
  std::string load, store, splat, zero, fma, max, min, add;
  // Optional deinterleaving load for stride-2 kernels: the even-indexed floats of the 2 * width at {0}, possibly in
  // a permuted lane order that load2_order ({0}: a vector computed lane-wise from load2 results) puts back in
  // memory order (empty: load2 keeps memory order). Empty load2: stride 2 is left to the C compiler.
  std::string load2, load2_order;
};

struct TargetDesc {
  std::string name;            // "c", "x86-64", "aarch64", "armv7"
  std::string triple;          // LLVM target triple used for --emit=obj|lib (empty: the host's)
  std::vector<std::string> cflags;  // flags the generated C needs (e.g. -mavx2 -mfma)
  int64_t l1_bytes = 32 * 1024;     // data cache per core, used to size conv tiles
  int64_t l2_bytes = 256 * 1024;
  int64_t vector_floats = 4;        // floats per SIMD register (tiles are multiples of it)
  int64_t vector_registers = 16;
  VectorDialect simd;               // empty width: portable C only
};

}  // namespace shufflec
