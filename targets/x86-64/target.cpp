// x86-64 with AVX2 + FMA (Haswell and later, Zen): 8-float vectors, 16 registers.
#include "targets/target.h"

namespace shufflec {

TargetDesc x86_64_target() {
  TargetDesc t{.name = "x86-64", .triple = "x86_64-linux-gnu", .cflags = {"-mavx2", "-mfma"}, .l1_bytes = 32 * 1024, .l2_bytes = 256 * 1024,
                .vector_floats = 8,
                .vector_registers = 16, .simd = {}};
  t.simd = {8,
            "<immintrin.h>",
            "defined(__AVX2__) && defined(__FMA__)",
            "compile with -mavx2 -mfma (or -march=haswell or newer)",
            "__m256",
            "_mm256_loadu_ps({0})",
            "_mm256_storeu_ps({0}, {1})",
            "_mm256_set1_ps({0})",
            "_mm256_setzero_ps()",
            "_mm256_fmadd_ps({0}, {1}, {2})",
            "_mm256_max_ps({0}, {1})",
            "_mm256_min_ps({0}, {1})",
            "_mm256_add_ps({0}, {1})",
            // load2: two loads and one in-lane shuffle leave the even floats in lane order 0 1 4 5 2 3 6 7;
            // load2_order swaps the middle 64-bit pairs back once per output vector.
            "_mm256_shuffle_ps(_mm256_loadu_ps({0}), _mm256_loadu_ps(({0}) + 8), 0x88)",
            "_mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd({0}), 0xD8))"};
  return t;
}

}  // namespace shufflec
