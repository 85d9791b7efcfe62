// AArch64 with NEON (every ARMv8-A core): 4-float vectors, 32 registers, fused multiply-add.
#include "targets/target.h"

namespace shufflec {

TargetDesc aarch64_target() {
  TargetDesc t{.name = "aarch64", .triple = "aarch64-linux-gnu", .cflags = {}, .l1_bytes = 32 * 1024, .l2_bytes = 256 * 1024,
                .vector_floats = 4,
                .vector_registers = 32, .simd = {}};
  t.simd = {4,
            "<arm_neon.h>",
            "defined(__ARM_NEON)",
            "compile for AArch64 (NEON is always present there)",
            "float32x4_t",
            "vld1q_f32({0})",
            "vst1q_f32({0}, {1})",
            "vdupq_n_f32({0})",
            "vdupq_n_f32(0.0f)",
            "vfmaq_f32({2}, {0}, {1})",
            "vmaxq_f32({0}, {1})",
            "vminq_f32({0}, {1})",
            "vaddq_f32({0}, {1})",
            // load2: even floats of 2 * width (ld2, memory order)
            "vld2q_f32({0}).val[0]",
            ""};
  return t;
}

}  // namespace shufflec
