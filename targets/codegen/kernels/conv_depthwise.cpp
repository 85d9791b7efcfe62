// The depthwise conv kernel (one input and one output channel per group), for ShuffleNet's and MobileNet's 3x3
// depthwise layers.
#include <algorithm>

#include "targets/codegen/c_text.h"
#include "targets/codegen/kernels/conv.h"

namespace shufflec::kernels {

void emit_depthwise_channel_pointers(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o) {
  CWriter &w = ctx.w;
  const std::string at = o.map.empty() ? "m" : o.map + "[m]";
  const int64_t HW = d.H * d.W, OHW = d.OH * d.OW;
  w.line("const float *restrict xp = {} + (n * {} + m) * {};", ctx.in[0], d.C, HW);
  w.line("const float *restrict wm = {} + m * {};", ctx.in[1], d.KH * d.KW);
  w.line("float *restrict yp = {} + (n * {} + {}) * {};", ctx.out, d.M, at, OHW);
  if (o.has_residual) w.line("const float *restrict rp = {} + (n * {} + {}) * {};", ctx.in[3], d.M, at, OHW);
}

// Depthwise conv (groups == input channels == output channels), one channel plane at a time: its KH x KW weights
// and bias are held in locals (broadcast vectors on SIMD targets) for the whole plane. Each output row reads KH input
// rows through row pointers; a row that falls in the vertical padding points at a zero row, so no row needs a
// check. The columns where every tap lands inside the input (known at compile time) are computed without bounds
// checks: on SIMD targets `width` outputs at a time in the target's dialect (stride 2 through its deinterleaving
// `load2`), in portable C as a branch-free loop compilers vectorise; the few edge columns check each tap.
void emit_conv_depthwise(KernelEmitContext &ctx, const ConvDims &d, const ConvOperands &o) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const VectorDialect *v = ctx.target.simd;
  const int64_t sy = a.stride[0], sx = a.stride[1], dy = a.dilation[0], dx = a.dilation[1];
  const int64_t pt = a.pads[0], pl = a.pads[1], K = d.KH * d.KW;
  // C text for var * scale + off.
  auto affine = [](const char *var, int64_t scale, int64_t off) {
    std::string s = scale == 1 ? var : fmt::format("{} * {}", var, scale);
    if (off > 0) s += fmt::format(" + {}", off);
    if (off < 0) s += fmt::format(" - {}", -off);
    return s;
  };
  // Input column of output column `ox` for kernel column kx.
  auto column = [&](int64_t kx) { return affine("ox", sx, kx * dx - pl); };
  // Interior [lo, hi): every tap inside the input. Columns outside it are edges, computed with checks.
  const TapColumns t = tap_columns(d.OW, d.W, d.KW, sx, dx, pl);
  const int64_t lo = std::min(*std::max_element(t.lo.begin(), t.lo.end()), d.OW);
  const int64_t hi = std::max(*std::min_element(t.hi.begin(), t.hi.end()), lo);
  // Vector blocks [lo, vend): a block of `width` outputs starting at ox0 >= lo must also have every element its loads
  // read inside the row (load2 reads 2 * width floats, one past the last even element it returns). The columns left
  // over after the last full block are covered by one more block shifted left to `vlast`, overlapping the previous
  // one (it stores the same values again), so only what no block can reach is scalar.
  const int64_t VW = v ? v->width() : 0;
  const bool vector = VW > 0 && (sx == 1 || (sx == 2 && v->has_load2()));
  auto block_fits = [&](int64_t ox0) {
    bool fits = ox0 >= lo && ox0 + VW <= hi;
    for (int64_t kx = 0; kx < d.KW && fits; ++kx) fits = ox0 * sx + kx * dx - pl + (sx == 1 ? VW : 2 * VW) <= d.W;
    return fits;
  };
  int64_t vend = lo, vlast = -1;
  if (vector) {
    while (block_fits(vend)) vend += VW;
    for (int64_t ox0 = std::min(hi - VW, vend); vend > lo && ox0 > vend - VW; --ox0)
      if (block_fits(ox0)) {
        vlast = ox0;
        break;
      }
  }
  const bool has_blocks = vend > lo;
  const int64_t tail = vlast >= 0 ? vlast + VW : vend;  // scalar interior from here to hi
  const bool scalar = tail < d.OW || lo > 0;
  // Rows: which kernel rows can fall into the vertical padding (those read the zero row).
  std::vector<bool> row_checked(static_cast<size_t>(d.KH), false);
  for (int64_t ky = 0; ky < d.KH; ++ky)
    for (int64_t oy = 0; oy < d.OH; ++oy) {
      const int64_t iy = oy * sy - pt + ky * dy;
      if (iy < 0 || iy >= d.H) row_checked[static_cast<size_t>(ky)] = true;
    }
  const bool any_row_checked = std::find(row_checked.begin(), row_checked.end(), true) != row_checked.end();

  if (any_row_checked) w.line("static const float zrow[{}] = {{0.0f}};", d.W);
  auto batch = w.block("for (int n = 0; n < {}; ++n)", d.N);
  auto channel = w.block("for (int m = 0; m < {}; ++m)", d.M);
  emit_depthwise_channel_pointers(ctx, d, o);
  const std::string bias = o.has_bias ? ctx.in[2] + "[m]" : "0.0f";
  if (scalar) {
    w.line("const float b = {};", bias);
    for (int64_t k = 0; k < K; ++k) w.line("const float w{} = wm[{}];", k, k);
  }
  if (has_blocks) {
    w.line("const {} vb = {};", v->type(), v->splat(bias));
    for (int64_t k = 0; k < K; ++k) w.line("const {} vw{} = {};", v->type(), k, v->splat(fmt::format("wm[{}]", k)));
    if (a.activation == Activation::Relu || a.activation == Activation::Relu6)
      w.line("const {} zero = {};", v->type(), v->zero());
    if (a.activation == Activation::Relu6) w.line("const {} six = {};", v->type(), v->splat("6.0f"));
  }
  auto row = w.block("for (int oy = 0; oy < {}; ++oy)", d.OH);
  for (int64_t ky = 0; ky < d.KH; ++ky) {
    const std::string iy = affine("oy", sy, ky * dy - pt);
    if (row_checked[static_cast<size_t>(ky)]) {
      w.line("const int iy{} = {};", ky, iy);
      w.line("const float *restrict r{0} = iy{0} >= 0 && iy{0} < {1} ? xp + iy{0} * {2} : zrow;", ky, d.H, d.W);
    } else {
      w.line("const float *restrict r{} = xp + ({}) * {};", ky, iy, d.W);
    }
  }
  w.line("float *restrict yr = yp + oy * {};", d.OW);
  if (o.has_residual) w.line("const float *restrict rr = rp + oy * {};", d.OW);
  // Scalar epilogue of `acc` for column ox.
  auto store_scalar = [&] {
    w.line("yr[ox] = {};", activation_c(a, o.has_residual ? "(acc + rr[ox])" : "acc"));
  };
  auto edge = [&](int64_t from, int64_t to) {
    if (from >= to) return;
    auto columns = w.block("for (int ox = {}; ox < {}; ++ox)", from, to);
    w.line("float acc = b;");
    for (int64_t kx = 0; kx < d.KW; ++kx) w.line("const int ix{} = {};", kx, column(kx));
    for (int64_t ky = 0; ky < d.KH; ++ky)
      for (int64_t kx = 0; kx < d.KW; ++kx)
        w.line("if (ix{0} >= 0 && ix{0} < {1}) acc += w{2} * r{3}[ix{0}];", kx, d.W, ky * d.KW + kx, ky);
    store_scalar();
  };
  auto block = [&] {
    w.line("{} acc = vb;", v->type());
    for (int64_t ky = 0; ky < d.KH; ++ky)
      for (int64_t kx = 0; kx < d.KW; ++kx) {
        const std::string src = fmt::format("r{} + {}", ky, column(kx));
        const std::string x = sx == 1 ? v->load(src) : v->load2(src);
        w.line("acc = {};", v->fma(fmt::format("vw{}", ky * d.KW + kx), x, "acc"));
      }
    std::string val = sx == 2 && v->load2_needs_order() ? v->load2_order("acc") : "acc";
    if (o.has_residual) val = v->add(val, v->load("rr + ox"));
    if (a.activation == Activation::Relu || a.activation == Activation::Relu6) val = v->max(val, "zero");
    if (a.activation == Activation::Relu6) val = v->min(val, "six");
    if (!needs_scalar_activation(a)) {
      w.line("{};", v->store("yr + ox", val));
      return;
    }
    w.line("float pre[{}];", VW);
    w.line("{};", v->store("pre", val));
    emit_activation_from_pre(w, a, "(yr + ox)", VW);
  };
  // Both edges first: a scalar loop after the interior could reuse its last loads (clang's GVN does), which makes
  // the interior loop's values live after it and stops clang vectorising it.
  edge(0, lo);
  edge(hi, d.OW);
  if (has_blocks) {
    auto blocks = w.block("for (int ox = {}; ox < {}; ox += {})", lo, vend, VW);
    block();
  }
  if (vlast >= 0) {
    auto last_block = w.block("");
    w.line("const int ox = {};", vlast);
    block();
  }
  if (tail < hi) {  // interior without vectors (portable C: the compiler vectorises this loop)
    auto columns = w.block("for (int ox = {}; ox < {}; ++ox)", tail, hi);
    // Taps through one pointer per kernel row at the window's first column: with r[ox + k] instead, clang (with
    // FMA contraction) forwards loads between iterations and no longer vectorises the loop.
    for (int64_t ky = 0; ky < d.KH; ++ky) w.line("const float *restrict q{} = r{} + {};", ky, ky, column(0));
    w.line("float acc = b;");
    for (int64_t ky = 0; ky < d.KH; ++ky)
      for (int64_t kx = 0; kx < d.KW; ++kx) w.line("acc += w{} * q{}[{}];", ky * d.KW + kx, ky, kx * dx);
    store_scalar();
  }
}

}  // namespace shufflec::kernels
