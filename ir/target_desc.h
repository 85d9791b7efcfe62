// A target is a small description, not a forest of #ifdefs: what the passes and emitters need to know about the
// machine the generated C will run on.
#pragma once
#include <cstdint>
#include <string>

namespace shufflec {

struct TargetDesc {
  std::string name;        // as given to --target
  int64_t l1_bytes;        // data cache per core, used to size conv tiles
  int64_t l2_bytes;
  int64_t vector_floats;   // floats per SIMD register the C compiler can use (tiles are multiples of it)
};

// The portable C99 target: sized for a typical application core (32 KB L1D, 256 KB+ L2, 128-bit vectors).
inline TargetDesc portable_c_target() { return {"c", 32 * 1024, 256 * 1024, 4}; }

}  // namespace shufflec
