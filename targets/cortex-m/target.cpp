// Bare-metal Cortex-M with a single-precision FPU and the DSP extension (ARMv7E-M: Cortex-M4F, M7): no operating
// system, no caches on the M4 (the M7's are small), no float SIMD. The generated C is the portable C; this
// description sizes its tiles for the machine: 16 of the 32 single-precision registers for a GEMM tile's
// accumulators (the rest hold operands), and cache-blocking sizes small enough that the scratch the blocking needs
// stays a small part of a microcontroller's RAM. The flags build code that runs on both M4F and M7. int8 pointwise
// convs use the DSP extension's dual 16-bit multiply-accumulate (SMLAD).
#include "targets/target.h"

namespace shufflec {

TargetDesc cortex_m_target() {
  return TargetDesc{.name = "cortex-m", .triple = "thumbv7em-none-eabihf",
                    .cflags = {"-mthumb", "-march=armv7e-m", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"},
                    .l1_bytes = 8 * 1024, .l2_bytes = 32 * 1024, .vector_floats = 1, .vector_registers = 16,
                    .bare_metal_sysroot = "/usr/lib/arm-none-eabi", .int8_dual_mac = true, .simd = nullptr};
}

}  // namespace shufflec
