// The packed GEMM conv kernel (ConvKernel::Gemm), shared between its driver (conv_gemm.cpp), its register-tile
// micro-kernels (gemm_micro_kernel.cpp) and its packing (gemm_packing.cpp). Per group the conv is
// Y[MG x P] = W[MG x K] * B[K x P] with K = CG*KH*KW taps and P = OH*OW pixels.
#pragma once
#include <string>

#include "targets/codegen/kernels/conv.h"

namespace shufflec::kernels {

// The GEMM's sizes, from the conv and its schedule.
struct GemmShape {
  int64_t MR, NR, NR_tail, K, P, blocks;  // blocks: MR-row weight panels per group (MG rounded up)
};
inline GemmShape gemm_shape(const ConvDims &d, const GemmSchedule &s) {
  return {s.mr, s.nr, s.nr_tail, d.CG * d.KH * d.KW, d.OH * d.OW, (d.MG + s.mr - 1) / s.mr};
}

// One tile of `nr` pixels, `valid` of them inside the plane (valid < nr only for the plane's last tile).
struct PixelTile {
  int64_t nr, valid;
};

// The C locals the driver declares around a micro-kernel call, by name. The micro-kernel reads them and declares
// nothing outside its own braces.
struct GemmLocals {
  std::string n = "n";              // image
  std::string m0 = "m0";            // first output channel of the block (group offset included)
  std::string mb = "mb";            // channel block within the group
  std::string p0 = "p0";            // first pixel of the tile
  std::string bsrc = "bsrc";        // const float *: the K x nr input panel
  std::string bstride = "bstride";  // floats between the panel's rows
  std::string wp = "wp", bp = "bp"; // the block's packed weights [K][MR] and bias [MR]
  // K blocked: the kernel covers taps [k0, k1); it starts from the partial sums already in the output (bias when
  // k0 == 0) and applies the epilogue only when k1 == K (whole pixel tiles only). Empty: not K-blocked.
  std::string k0, k1;
  bool k_blocked() const { return !k0.empty(); }
};

// Declares m0, wp and bp for channel block `mb` of group `g`.
void emit_channel_block_pointers(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, const ConvOperands &o,
                                 const std::string &group, const GemmLocals &l);
// One channel block's MR x nr register tile over the current panel, with the fused epilogue.
void emit_channel_block(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, PixelTile pt,
                        const ConvOperands &o, const GemmLocals &l);

// Packing (gemm_packing.cpp). Each declares the panel it fills in the workspace and the bsrc/bstride locals of `l`.
void emit_im2col_tile(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, PixelTile pt, const GemmLocals &l,
                      const std::string &xg);
void emit_row_panel(KernelEmitContext &ctx, const ConvDims &d, int64_t rows, const std::string &oy0,
                    const std::string &xg, const std::string &c0, const std::string &c1);

}  // namespace shufflec::kernels
