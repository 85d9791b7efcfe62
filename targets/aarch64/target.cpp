// AArch64 with NEON (every ARMv8-A core): 4-float vectors, 32 registers, fused multiply-add. With +dotprod (Armv8.2-A
// cores that have the dot product extension) the int8 convs use sdot.
#include "targets/neon_dialect.h"
#include "targets/target.h"

namespace shufflec {

TargetDesc aarch64_target(bool dotprod) {
  static const NeonDialect neon(/*fused=*/true, "compile for AArch64 (NEON is always present there)");
  // (The flags as one initializer: push_back of a string this long trips gcc 12's -Warray-bounds false positive.)
  return TargetDesc{.name = "aarch64", .triple = "aarch64-linux-gnu",
                    .cflags = dotprod ? std::vector<std::string>{"-march=armv8.2-a+dotprod"} : std::vector<std::string>{},
                    .l1_bytes = 32 * 1024, .l2_bytes = 256 * 1024, .vector_floats = 4, .vector_registers = 32,
                    .gemm_pixel_vectors = 4, .simd = &neon,
                    .int8 = dotprod ? &neon_dotprod_int8_dialect() : &neon_int8_dialect()};
}

}  // namespace shufflec
