// The portable C99 target: the reference backend. No intrinsics; kernels are written so C compilers vectorise them.
// Sized for a typical application core (32 KB L1D, 256 KB+ L2, 128-bit vectors).
#include "targets/target.h"

namespace shufflec {

TargetDesc portable_c_target() {
  return TargetDesc{.name = "c", .triple = "", .cflags = {}, .l1_bytes = 32 * 1024,
                    .l2_bytes = 256 * 1024, .vector_floats = 4, .vector_registers = 16, .simd = {}};
}

}  // namespace shufflec
