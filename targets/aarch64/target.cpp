// AArch64 with NEON (every ARMv8-A core): 4-float vectors, 32 registers, fused multiply-add.
#include "targets/neon_dialect.h"
#include "targets/target.h"

namespace shufflec {

TargetDesc aarch64_target() {
  static const NeonDialect neon(/*fused=*/true, "compile for AArch64 (NEON is always present there)");
  return TargetDesc{.name = "aarch64", .triple = "aarch64-linux-gnu", .cflags = {}, .l1_bytes = 32 * 1024,
                    .l2_bytes = 256 * 1024, .vector_floats = 4, .vector_registers = 32, .gemm_pixel_vectors = 4,
                    .simd = &neon, .int8 = &neon_int8_dialect()};
}

}  // namespace shufflec
