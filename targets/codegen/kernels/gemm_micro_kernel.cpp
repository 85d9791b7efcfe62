// The GEMM conv kernel's register tile: MR output channels x nr pixels of accumulators over a K x nr input panel
// and an MR-wide weight panel, then the fused epilogue (bias, residual, activation, the shuffled store position)
// before the accumulators leave registers. Printed in the target's vector dialect, or as constant-trip C that
// compilers keep in vector registers for the portable target.
#include <functional>
#include <optional>

#include "targets/codegen/c_text.h"
#include "targets/codegen/kernels/gemm.h"

namespace shufflec::kernels {
namespace {

// C expression: where output channel m0 + j (j a C expression) is stored, after the channel map.
std::string stored_at(const ConvOperands &o, const GemmLocals &l, const std::string &j) {
  return o.map.empty() ? fmt::format("({} + {})", l.m0, j) : fmt::format("{}[{} + {}]", o.map, l.m0, j);
}

// C expression: the output row of channel block row j at the tile's first pixel (for partial sums).
std::string output_row(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, const ConvOperands &o,
                       const GemmLocals &l, const std::string &j) {
  return fmt::format("({} + ({} * {} + {}) * {} + {})", ctx.out, l.n, d.M, stored_at(o, l, j), t.P, l.p0);
}

// Declares yp (and rp with a residual): the output (residual) row of channel block row j at the tile.
void emit_row_pointers(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, const ConvOperands &o,
                       const GemmLocals &l, const std::string &j) {
  const std::string at = stored_at(o, l, j);
  ctx.w.line("float *restrict yp = {} + ({} * {} + {}) * {} + {};", ctx.out, l.n, d.M, at, t.P, l.p0);
  if (o.has_residual)
    ctx.w.line("const float *restrict rp = {} + ({} * {} + {}) * {} + {};", ctx.in[3], l.n, d.M, at, t.P, l.p0);
}

// The epilogue value of accumulator expression `acc` for the output element at yp[i] (residual at rp[i]).
std::string epilogue_c(const Attrs &a, bool has_residual, const std::string &acc) {
  return activation_c(a, has_residual ? fmt::format("({} + rp[i])", acc) : acc);
}

// MR x nr micro-kernel in plain C: constant trip counts, so compilers keep acc in vector registers.
void emit_portable(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, PixelTile pt, const ConvOperands &o,
                   const GemmLocals &l) {
  CWriter &w = ctx.w;
  w.line("float acc[{}][{}];", t.MR, pt.nr);
  const std::string start = o.has_bias ? fmt::format("{}[j]", l.bp) : "0.0f";
  if (l.k_blocked()) {
    const std::string valid = d.MG % t.MR ? fmt::format("{} * {} + j < {}", l.mb, t.MR, d.MG) : "1";
    w.line("for (int j = 0; j < {}; ++j) for (int i = 0; i < {}; ++i) acc[j][i] = {} == 0 ? {} : {} ? {}[i] : 0.0f;",
           t.MR, pt.nr, l.k0, start, valid, output_row(ctx, d, t, o, l, "j"));
  } else {
    w.line("for (int j = 0; j < {}; ++j) for (int i = 0; i < {}; ++i) acc[j][i] = {};", t.MR, pt.nr, start);
  }
  {
    auto taps = w.block("for (int k = {}; k < {}; ++k)", l.k_blocked() ? l.k0 : "0",
                        l.k_blocked() ? l.k1 : std::to_string(t.K));
    w.line("const float *restrict bk = {} + {} * {};", l.bsrc, l.k_blocked() ? fmt::format("(k - {})", l.k0) : "k",
           l.bstride);
    w.line("const float *restrict ak = {} + k * {};", l.wp, t.MR);
    w.line("for (int j = 0; j < {}; ++j) for (int i = 0; i < {}; ++i) acc[j][i] += ak[j] * bk[i];", t.MR, pt.nr);
  }
  auto rows = w.block("for (int j = 0; j < {}; ++j)", t.MR);
  if (d.MG % t.MR) w.line("if ({} * {} + j >= {}) break;", l.mb, t.MR, d.MG);
  emit_row_pointers(ctx, d, t, o, l, "j");
  const std::string value = epilogue_c(ctx.node.attrs, o.has_residual, "acc[j][i]");
  w.line("for (int i = 0; i < {}; ++i) yp[i] = {};", pt.valid,
         l.k_blocked() ? fmt::format("{} == {} ? {} : acc[j][i]", l.k1, t.K, value) : value);
}

// The SIMD epilogue: stored straight from registers when the whole tile is inside the output; a partial tile (the
// plane's last pixels, padded channel rows) goes through tmp.
void emit_simd_epilogue(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, PixelTile pt,
                        const ConvOperands &o, const GemmLocals &l, const std::function<void()> &store_full_tile) {
  CWriter &w = ctx.w;
  const VectorDialect &v = *ctx.target.simd;
  const Attrs &a = ctx.node.attrs;
  const int64_t VN = pt.nr / v.width();
  const bool check_rows = d.MG % t.MR != 0;
  if (pt.valid == pt.nr && !check_rows) {
    store_full_tile();
    return;
  }
  std::optional<CWriter::Block> partial;
  if (pt.valid == pt.nr) {
    {
      auto full_rows = w.block("if ({} < {})", l.mb, d.MG / t.MR);
      store_full_tile();
    }
    partial.emplace(w.block("else"));
  } else {
    partial.emplace(w.block(""));
  }
  w.line("float tmp[{}];", t.MR * pt.nr);
  for (int64_t j = 0; j < t.MR; ++j)
    for (int64_t k = 0; k < VN; ++k)
      w.line("{};", v.store(fmt::format("tmp + {}", j * pt.nr + k * v.width()), fmt::format("acc{}_{}", j, k)));
  auto rows = w.block("for (int j = 0; j < {}; ++j)", check_rows ? fmt::format("({} < {} ? {} : {})", l.mb,
                                                                               d.MG / t.MR, t.MR, d.MG % t.MR)
                                                                 : std::to_string(t.MR));
  emit_row_pointers(ctx, d, t, o, l, "j");
  w.line("for (int i = 0; i < {}; ++i) yp[i] = {};", pt.valid,
         epilogue_c(a, o.has_residual, fmt::format("tmp[j * {} + i]", pt.nr)));
}

// The same micro-kernel in the target's vector dialect, accumulators as named vector variables.
void emit_simd(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, PixelTile pt, const ConvOperands &o,
               const GemmLocals &l) {
  CWriter &w = ctx.w;
  const VectorDialect &v = *ctx.target.simd;
  const Attrs &a = ctx.node.attrs;
  const int64_t VW = v.width(), VN = pt.nr / VW;
  for (int64_t j = 0; j < t.MR; ++j) {
    w.line("{} acc{}_0 = {};", v.type(), j, o.has_bias ? v.splat(fmt::format("{}[{}]", l.bp, j)) : v.zero());
    for (int64_t k = 1; k < VN; ++k) w.line("{} acc{}_{} = acc{}_0;", v.type(), j, k, j);
  }
  const bool check_rows = d.MG % t.MR != 0;
  // A block for output row j of the channel block: guarded when the block has rows past MG.
  auto row_block = [&](int64_t j) {
    return check_rows ? w.block("if ({} * {} + {} < {})", l.mb, t.MR, j, d.MG) : w.block("");
  };
  if (l.k_blocked()) {  // later K blocks start from the partial sums stored by the earlier ones
    auto later = w.block("if ({} > 0)", l.k0);
    for (int64_t j = 0; j < t.MR; ++j) {
      auto row = row_block(j);
      w.line("const float *restrict pp = {};", output_row(ctx, d, t, o, l, std::to_string(j)));
      for (int64_t k = 0; k < VN; ++k) w.line("acc{}_{} = {};", j, k, v.load(fmt::format("pp + {}", k * VW)));
    }
  }
  {
    auto taps = w.block("for (int k = {}; k < {}; ++k)", l.k_blocked() ? l.k0 : "0",
                        l.k_blocked() ? l.k1 : std::to_string(t.K));
    w.line("const float *restrict bk = {} + {} * {};", l.bsrc, l.k_blocked() ? fmt::format("(k - {})", l.k0) : "k",
           l.bstride);
    w.line("const float *restrict ak = {} + k * {};", l.wp, t.MR);
    for (int64_t k = 0; k < VN; ++k) w.line("const {} b{} = {};", v.type(), k, v.load(fmt::format("bk + {}", k * VW)));
    for (int64_t j = 0; j < t.MR; ++j) {
      w.line("const {} a{} = {};", v.type(), j, v.splat(fmt::format("ak[{}]", j)));
      for (int64_t k = 0; k < VN; ++k)
        w.line("acc{0}_{1} = {2};", j, k,
               v.fma(fmt::format("a{}", j), fmt::format("b{}", k), fmt::format("acc{}_{}", j, k)));
    }
  }
  auto store_full_tile = [&] {
    if (a.activation == Activation::Relu || a.activation == Activation::Relu6)
      w.line("const {} zero = {};", v.type(), v.zero());
    if (a.activation == Activation::Relu6) w.line("const {} six = {};", v.type(), v.splat("6.0f"));
    for (int64_t j = 0; j < t.MR; ++j) {
      auto row = w.block("");
      emit_row_pointers(ctx, d, t, o, l, std::to_string(j));
      const bool scalar_act = needs_scalar_activation(a);
      if (scalar_act) w.line("float pre[{}];", pt.nr);
      for (int64_t k = 0; k < VN; ++k) {
        std::string val = fmt::format("acc{}_{}", j, k);
        if (o.has_residual) val = v.add(val, v.load(fmt::format("rp + {}", k * VW)));
        if (a.activation == Activation::Relu || a.activation == Activation::Relu6) val = v.max(val, "zero");
        if (a.activation == Activation::Relu6) val = v.min(val, "six");
        w.line("{};", v.store(fmt::format("{} + {}", scalar_act ? "pre" : "yp", k * VW), val));
      }
      if (scalar_act) emit_activation_from_pre(w, a, "yp", pt.nr);
    }
  };
  std::optional<CWriter::Block> last_k_block;
  if (l.k_blocked()) {  // not the last K block: store the raw partial sums of the valid rows
    SHUFFLEC_ASSERT(pt.valid == pt.nr);
    {
      auto not_last = w.block("if ({} < {})", l.k1, t.K);
      for (int64_t j = 0; j < t.MR; ++j) {
        auto row = row_block(j);
        w.line("float *restrict pp = {};", output_row(ctx, d, t, o, l, std::to_string(j)));
        for (int64_t k = 0; k < VN; ++k)
          w.line("{};", v.store(fmt::format("pp + {}", k * VW), fmt::format("acc{}_{}", j, k)));
      }
    }
    last_k_block.emplace(w.block("else"));
  } else {
    last_k_block.emplace(w.block(""));
  }
  emit_simd_epilogue(ctx, d, t, pt, o, l, store_full_tile);
}

}  // namespace

void emit_channel_block(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, PixelTile pt,
                        const ConvOperands &o, const GemmLocals &l) {
  if (ctx.target.simd && pt.nr % ctx.target.simd->width() == 0)
    emit_simd(ctx, d, t, pt, o, l);
  else
    emit_portable(ctx, d, t, pt, o, l);
}

void emit_channel_block_pointers(KernelEmitContext &ctx, const ConvDims &d, const GemmShape &t, const ConvOperands &o,
                                 const std::string &group, const GemmLocals &l) {
  CWriter &w = ctx.w;
  w.line("const int {} = {} * {} + {} * {};", l.m0, group, d.MG, l.mb, t.MR);
  w.line("const float *restrict {} = {} + ({} * {} + {}) * {};", l.wp, ctx.in[1], group, t.blocks, l.mb, t.K * t.MR);
  if (o.has_bias)
    w.line("const float *restrict {} = {} + ({} * {} + {}) * {};", l.bp, ctx.in[2], group, t.blocks, l.mb, t.MR);
}

}  // namespace shufflec::kernels
