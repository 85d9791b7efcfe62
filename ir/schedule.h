// How a conv is computed: the kernel, its register tile and cache blocking. Decided once, per conv, by the
// schedule_convs pass (compiler/passes/schedule_convs.cpp) from the target description; the code generator
// (targets/codegen/kernels/) only reads it, and `--dump-after` prints it. Plain data: the IR does not print C.
#pragma once
#include <cstdint>
#include <string>

namespace shufflec {

enum class ConvKernel {
  Pointwise,  // 1x1 stride 1 unpadded, one output plane at a time (untiled)
  Depthwise,  // one channel per group: weights in registers, one plane at a time
  DepthwiseFlat,  // depthwise on narrow planes: vectors over a zero-padded copy of the plane (targets/depthwise_flat.h)
  Direct,     // any other conv, one output row at a time, `direct_channels` output channels together
  Gemm,       // packed GEMM per group: register tile mr x nr over compile-time weight panels
  Int8Gemm,   // int8 conv as a SIMD integer GEMM per group (Int8GemmSchedule; docs/quantization.md)
  Int8Rows,   // int8 depthwise conv by output rows: int32 row sums tap by tap, requantized in the int8 dialect
};

// How the SIMD int8 GEMM multiplies int8 inputs by int8 weights into int32 sums, exactly (the target's
// Int8Dialect spells it, targets/int8_dialect.h).
enum class Int8Dot {
  I16Pairs,  // x86 AVX2 / AVX-512BW: (x - z) as int16 pairs, vpmaddwd (int16 products summed in int32: exact)
  U8Quads,   // x86 AVX-512 VNNI: x + 128 as u8 quads, vpdpbusd; the bias absorbs (z + 128) * sum(w)
  I16Lanes,  // NEON: (x - z) as int16, one multiply-accumulate long (smlal) per tap
  S8Quads,   // AArch64 +dotprod: x itself as int8 quads, sdot; the bias absorbs z * sum(w)
};

// Bytes of one element of the packed input tile: quads are bytes, the others int16.
constexpr int64_t int8_panel_element_bytes(Int8Dot dot) {
  return dot == Int8Dot::U8Quads || dot == Int8Dot::S8Quads ? 1 : 2;
}

// The int8 GEMM of a conv with two or more output channels per group (ConvKernel::Int8Gemm): per group and pixel
// tile, the K x nr input tile is packed once into the workspace (k_step taps per 32-bit lane) and reused by every
// mr-channel block.
struct Int8GemmSchedule {
  Int8Dot dot = Int8Dot::I16Pairs;
  int64_t k_step = 2;   // taps one 32-bit lane of a dot product sums (2, 4 or 1)
  int64_t lanes = 8;    // int32 accumulators per vector
  int64_t mr = 0;       // output channels per register tile
  int64_t nr = 0;       // pixels per register tile (a multiple of lanes)
  int64_t nr_tail = 0;  // width of the plane's last, partial tile (0: nr divides the plane)
  // A KxK conv's input is first gathered (im2col, padding as the zero point) into the workspace's first im2col_bytes,
  // K = CG * KH * KW rows of the output plane; 0 for a 1x1 conv, whose input rows are read in place.
  int64_t im2col_bytes = 0;
  bool operator==(const Int8GemmSchedule &) const = default;
};

// Where a GEMM conv's K x nr input panel comes from.
enum class GemmPanels {
  InPlace,     // 1x1: the input rows are the panel, read in place (blocked by PointwiseBlocking)
  RowPanels,   // `panel_rows` whole output rows packed at once with row copies: few taps (first layers), or many
               // taps in K blocks of `panel_channels` input channels (dense KxK convs on wide planes)
  TilePanels,  // im2col per pixel tile
};

// Cache blocking of a 1x1 GEMM conv (GemmPanels::InPlace).
struct PointwiseBlocking {
  bool tile_stationary = false;  // the input tile stays in L1 while channel blocks pass over it (else slabs outside)
  bool pack_slab = false;        // the slab's input is copied into aligned panels first (many input channels)
  int64_t k_block = 0;           // taps per K block (== K: not K-blocked)
  int64_t channel_blocks = 0;    // MR-row channel blocks per L2 block
  int64_t slab_pixels = 0;       // pixels per slab
  bool operator==(const PointwiseBlocking &) const = default;
};

struct GemmSchedule {
  int64_t mr = 0;       // output channels per register tile
  int64_t nr = 0;       // pixels per register tile
  int64_t nr_tail = 0;  // width of the plane's last, partial tile (0: nr divides the plane)
  GemmPanels panels = GemmPanels::TilePanels;
  int64_t panel_rows = 0;        // GemmPanels::RowPanels: output rows per panel
  int64_t panel_channels = 0;    // GemmPanels::RowPanels: input channels per K block (0: all in one block)
  PointwiseBlocking blocking;    // GemmPanels::InPlace
  bool operator==(const GemmSchedule &) const = default;
};

struct ConvSchedule {
  ConvKernel kernel = ConvKernel::Direct;
  int64_t direct_channels = 1;   // ConvKernel::Direct: output channels computed together
  GemmSchedule gemm;             // ConvKernel::Gemm
  Int8GemmSchedule int8;         // ConvKernel::Int8Gemm
  int64_t workspace_floats = 0;  // arena scratch (4-byte words) the kernel needs while it runs (plan_memory)
  bool operator==(const ConvSchedule &) const = default;
};

// "gemm(6x16/8, in_place, k80/mc4/slab408)": how --dump-after shows a schedule.
std::string describe(const ConvSchedule &s);

}  // namespace shufflec
