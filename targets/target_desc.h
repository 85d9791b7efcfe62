// What passes and the code generator know about the machine the generated C will run on: a small description, so
// targets differ by data rather than by #ifdef forests. The descriptions themselves live in targets/<name>/target.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shufflec {

class Int8Dialect;  // targets/int8_dialect.h

// How a SIMD target spells vector operations in C. Each operation is a typed method over the C expressions of its
// operands, written with compile-time checked format strings in the target's file, so a malformed pattern fails when
// shufflec is built, not when a model is compiled.
class VectorDialect {
 public:
  virtual ~VectorDialect() = default;
  virtual int64_t width() const = 0;                // floats per vector
  virtual std::string_view header() const = 0;      // e.g. "<immintrin.h>"
  virtual std::string_view guard() const = 0;       // preprocessor condition the C compiler must meet
  virtual std::string_view guard_hint() const = 0;  // what to pass the compiler when the guard fails
  virtual std::string_view type() const = 0;        // e.g. "__m256"
  virtual std::string load(std::string_view ptr) const = 0;
  virtual std::string store(std::string_view ptr, std::string_view v) const = 0;
  virtual std::string splat(std::string_view scalar) const = 0;
  virtual std::string zero() const = 0;
  // a * b + acc
  virtual std::string fma(std::string_view a, std::string_view b, std::string_view acc) const = 0;
  virtual std::string max(std::string_view a, std::string_view b) const = 0;
  virtual std::string min(std::string_view a, std::string_view b) const = 0;
  virtual std::string add(std::string_view a, std::string_view b) const = 0;
  // Optional deinterleaving load for stride-2 kernels: the even-indexed floats of the 2 * width at ptr, possibly in
  // a permuted lane order that load2_order (applied to a vector computed lane-wise from load2 results) puts back in
  // memory order. Without load2, stride 2 is left to the C compiler.
  virtual bool has_load2() const { return false; }
  virtual std::string load2(std::string_view ptr) const;
  virtual bool load2_needs_order() const { return false; }
  virtual std::string load2_order(std::string_view v) const;
};

struct TargetDesc {
  std::string name;                 // "c", "x86-64", "x86-64-avx512", "aarch64", "armv7"
  std::string triple;               // LLVM target triple used for --emit=obj|lib (empty: the host's)
  std::vector<std::string> cflags;  // flags the generated C needs (e.g. -mavx2 -mfma)
  int64_t l1_bytes = 32 * 1024;     // data cache per core, used to size conv tiles
  int64_t l2_bytes = 256 * 1024;
  int64_t vector_floats = 4;        // floats per SIMD register (tiles are multiples of it)
  int64_t vector_registers = 16;
  // The GEMM conv's register tile (schedule_convs): NR = gemm_pixel_vectors vectors of pixels, MR = as many output
  // channels as the registers left hold, at most gemm_max_channels.
  int64_t gemm_pixel_vectors = 2;
  int64_t gemm_max_channels = 8;
  // Bare-metal targets: the C library --emit=obj compiles against (Debian's newlib for arm-none-eabi), and no -fPIC.
  // Empty for hosted targets, whose C library the compiler already knows.
  std::string bare_metal_sysroot = {};
  // ARMv7E-M's DSP extension: int8 pointwise convs multiply-accumulate two int16 pairs per SMLAD (arm_acle.h;
  // targets/codegen/kernels/int8_conv_dual_mac.cpp).
  bool int8_dual_mac = false;
  const VectorDialect *simd = nullptr;  // nullptr: portable C only (a static object owned by the target's file)
  const Int8Dialect *int8 = nullptr;    // the SIMD int8 GEMM's dialect; nullptr: portable int8 kernels only
};

}  // namespace shufflec
