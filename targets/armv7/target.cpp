// 32-bit ARMv7-A with NEON, hard-float ABI (Cortex-A7/A9/A15 boards): 4-float vectors, 16 q registers. ARMv7 NEON
// has no fused multiply-add before VFPv4, so multiply-accumulate (vmlaq) is used.
#include "targets/neon_dialect.h"
#include "targets/target.h"

namespace shufflec {

TargetDesc armv7_target() {
  static const NeonDialect neon(/*fused=*/false, "compile with -mfpu=neon -mfloat-abi=hard");
  return TargetDesc{.name = "armv7", .triple = "armv7a-linux-gnueabihf", .cflags = {"-mfpu=neon", "-mfloat-abi=hard"},
                    .l1_bytes = 32 * 1024, .l2_bytes = 256 * 1024, .vector_floats = 4, .vector_registers = 16,
                    .simd = &neon, .int8 = &neon_int8_dialect()};
}

}  // namespace shufflec
