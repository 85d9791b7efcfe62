// 32-bit ARMv7-A with NEON, hard-float ABI (Cortex-A7/A9/A15 boards): 4-float vectors, 16 q registers. ARMv7 NEON
// has no fused multiply-add before VFPv4, so multiply-accumulate (vmlaq) is used.
#include "targets/target.h"

namespace shufflec {

TargetDesc armv7_target() {
  TargetDesc t{.name = "armv7", .triple = "armv7a-linux-gnueabihf", .cflags = {"-mfpu=neon", "-mfloat-abi=hard"}, .l1_bytes = 32 * 1024, .l2_bytes = 256 * 1024,
                .vector_floats = 4,
                .vector_registers = 16, .simd = {}};
  t.simd = {4,
            "<arm_neon.h>",
            "defined(__ARM_NEON)",
            "compile with -mfpu=neon -mfloat-abi=hard",
            "float32x4_t",
            "vld1q_f32({0})",
            "vst1q_f32({0}, {1})",
            "vdupq_n_f32({0})",
            "vdupq_n_f32(0.0f)",
            "vmlaq_f32({2}, {0}, {1})",
            "vmaxq_f32({0}, {1})",
            "vminq_f32({0}, {1})",
            "vaddq_f32({0}, {1})",
            // load2: even floats of 2 * width (vld2, memory order)
            "vld2q_f32({0}).val[0]",
            ""};
  return t;
}

}  // namespace shufflec
