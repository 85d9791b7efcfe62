// conv2d: grouped 2-D convolution with zero padding, stride, dilation, optional bias and fused epilogue.
// Passes may add a residual operand (y = act(conv + residual)), an output channel map (the channel shuffle
// absorbed: output channel m is stored at channel map[m]) and the GEMM tile {MR, NR} (compiler/passes/).
#include <functional>

#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

struct ConvDims {
  int64_t N, C, H, W, M, KH, KW, OH, OW, G, CG, MG;
};

ConvDims dims_of(const Graph &g, const Node &n) {
  const Shape &x = in_shape(g, n, 0), &w = in_shape(g, n, 1), &y = g.shape(n.output);
  const int64_t G = n.attrs.groups;
  return {x[0], x[1], x[2], x[3], w[0], w[2], w[3], y[2], y[3], G, x[1] / G, w[0] / G};
}

int64_t stored_channel(const Attrs &a, int64_t m) { return a.out_channel_map.empty() ? m : a.out_channel_map[m]; }

Shape infer(const Graph &g, const Node &n) {
  expect_rank(g, n, 0, 4, "input");
  expect_rank(g, n, 1, 4, "weight");
  const Shape &x = in_shape(g, n, 0), &w = in_shape(g, n, 1);
  const int64_t G = n.attrs.groups;
  if (G < 1) throw g.error(n, fmt::format("groups must be >= 1, got {}", G));
  if (x[1] % G != 0)
    throw g.error(n, fmt::format("groups {} does not divide the {} input channels", G, x[1]));
  if (w[0] % G != 0)
    throw g.error(n, fmt::format("groups {} does not divide the {} output channels", G, w[0]));
  if (w[1] != x[1] / G)
    throw g.error(n, fmt::format("weight {} expects {} input channels per group, but input {} with groups {} has {}",
                                 w.str(), w[1], x.str(), G, x[1] / G));
  if (n.inputs.size() > 2) expect_vector(g, n, 2, w[0], "bias");
  auto [oh, ow] = infer_window(g, n, x, {w[2], w[3]});
  Shape out{{x[0], w[0], oh, ow}};
  if (n.inputs.size() > 3 && in_shape(g, n, 3) != out)
    throw g.error(n, fmt::format("residual {} does not match the output {}", in_shape(g, n, 3).str(), out.str()));
  const auto &map = n.attrs.out_channel_map;
  if (!map.empty()) {
    std::vector<bool> seen(static_cast<size_t>(w[0]), false);
    if (static_cast<int64_t>(map.size()) != w[0]) throw g.error(n, "output channel map has the wrong length");
    for (int64_t c : map) {
      if (c < 0 || c >= w[0] || seen[static_cast<size_t>(c)]) throw g.error(n, "output channel map is no permutation");
      seen[static_cast<size_t>(c)] = true;
    }
  }
  return out;
}

void reference(const Graph &g, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const ConvDims d = dims_of(g, n);
  const Attrs &a = n.attrs;
  const float *x = in[0]->data.data(), *w = in[1]->data.data();
  const float *b = in.size() > 2 ? in[2]->data.data() : nullptr;
  const float *r = in.size() > 3 ? in[3]->data.data() : nullptr;
  for (int64_t nn = 0; nn < d.N; ++nn)
    for (int64_t m = 0; m < d.M; ++m) {
      const int64_t group = m / d.MG, stored = stored_channel(a, m);
      for (int64_t oy = 0; oy < d.OH; ++oy)
        for (int64_t ox = 0; ox < d.OW; ++ox) {
          double acc = b ? b[m] : 0.0;
          for (int64_t c = 0; c < d.CG; ++c)
            for (int64_t ky = 0; ky < d.KH; ++ky)
              for (int64_t kx = 0; kx < d.KW; ++kx) {
                const int64_t iy = oy * a.stride[0] - a.pads[0] + ky * a.dilation[0];
                const int64_t ix = ox * a.stride[1] - a.pads[1] + kx * a.dilation[1];
                if (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W) continue;
                acc += double(x[((nn * d.C + group * d.CG + c) * d.H + iy) * d.W + ix]) *
                       w[((m * d.CG + c) * d.KH + ky) * d.KW + kx];
              }
          const int64_t o = ((nn * d.M + stored) * d.OH + oy) * d.OW + ox;
          if (r) acc += r[o];
          out.data[o] = float(apply_activation(a.activation, acc));
        }
    }
}

// The C expression for the channel output channel `m` is stored at.
std::string emit_channel_map(CWriter &w, const Attrs &a) {
  if (a.out_channel_map.empty()) return "";
  w.line("static const int stored[{}] = {{{}}};", a.out_channel_map.size(), fmt::join(a.out_channel_map, ", "));
  return "stored";
}

// 1x1, stride 1, no padding: each output plane is a weighted sum of its group's input planes. Untiled: one output
// plane at a time (vectorises over pixels).
void emit_pointwise(KernelEmitContext &ctx, const ConvDims &d, bool has_bias, bool has_residual) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const int64_t HW = d.H * d.W;
  const std::string map = emit_channel_map(w, a);
  const std::string at = map.empty() ? "m" : map + "[m]";
  w.open("for (int n = 0; n < {}; ++n)", d.N);
  w.open("for (int m = 0; m < {}; ++m)", d.M);
  w.line("const float *restrict wm = {} + m * {};", ctx.in[1], d.CG);
  w.line("const float *restrict xg = {} + n * {} + (m / {}) * {};", ctx.in[0], d.C * HW, d.MG, d.CG * HW);
  w.line("float *restrict yp = {} + n * {} + {} * {};", ctx.out, d.M * HW, at, HW);
  w.line("const float b = {};", has_bias ? ctx.in[2] + "[m]" : "0.0f");
  w.line("for (int p = 0; p < {}; ++p) yp[p] = b;", HW);
  w.open("for (int c = 0; c < {}; ++c)", d.CG);
  w.line("const float wv = wm[c];");
  w.line("const float *restrict xp = xg + c * {};", HW);
  w.line("for (int p = 0; p < {}; ++p) yp[p] += wv * xp[p];", HW);
  w.close();
  if (has_residual) {
    w.line("const float *restrict rp = {} + n * {} + {} * {};", ctx.in[3], d.M * HW, at, HW);
    w.line("for (int p = 0; p < {}; ++p) yp[p] = {};", HW, activation_c(a.activation, "(yp[p] + rp[p])"));
  } else if (a.activation != Activation::None) {
    w.line("for (int p = 0; p < {}; ++p) yp[p] = {};", HW, activation_c(a.activation, "yp[p]"));
  }
  w.close();
  w.close();
}

// The packed GEMM kernel, for every conv the tile_group_conv pass gave a tile {MR, NR}: per group,
// Y[MG x P] = W[MG x K] * B[K x P] with K = CG*KH*KW taps and P = OH*OW pixels. For each tile of NR pixels, B's
// K x NR panel is packed into the workspace (im2col; a plain copy for 1x1 convs), then every block of MR output
// channels runs a register-blocked micro-kernel over it: MR x NR accumulators, per tap NR/width panel loads and MR
// weight broadcasts from panels packed at compile time (pack_constant). The fused epilogue (bias, residual,
// activation, shuffled store position) runs on the accumulators before they leave registers.
struct GemmTile {
  int64_t MR, NR, NR_tail, K, P, blocks;  // NR_tail: width of the plane's last, partial tile (0: none);
                                          // blocks: MR-row panels per group (MG rounded up)
};

GemmTile gemm_tile(const ConvDims &d, const Attrs &a) {
  return {a.tile[0], a.tile[1], a.tile[2], d.CG * d.KH * d.KW, d.OH * d.OW, (d.MG + a.tile[0] - 1) / a.tile[0]};
}

bool is_pointwise(const ConvDims &d, const Attrs &a) {
  return d.KH == 1 && d.KW == 1 && a.stride == std::array<int64_t, 2>{1, 1} &&
         a.pads == std::array<int64_t, 4>{0, 0, 0, 0};
}

// Weights as [G][blocks][K][MR] and bias as [G][blocks][MR]; rows past MG are zero (computed, never stored).
std::vector<float> pack_constant(const Graph &g, const Node &n, size_t input) {
  if (n.attrs.tile[0] <= 0 || (input != 1 && input != 2)) return {};
  const ConvDims d = dims_of(g, n);
  const GemmTile t = gemm_tile(d, n.attrs);
  const std::vector<float> &src = g.value(n.inputs[input]).data;
  const int64_t row = input == 1 ? t.K : 1;
  std::vector<float> out(static_cast<size_t>(d.G * t.blocks * t.MR * row), 0.0f);
  for (int64_t grp = 0; grp < d.G; ++grp)
    for (int64_t b = 0; b < t.blocks; ++b)
      for (int64_t j = 0; j < t.MR && b * t.MR + j < d.MG; ++j) {
        const int64_t m = grp * d.MG + b * t.MR + j, panel = (grp * t.blocks + b) * t.MR * row;
        for (int64_t k = 0; k < row; ++k) out[static_cast<size_t>(panel + k * t.MR + j)] = src[static_cast<size_t>(m * row + k)];
      }
  return out;
}

// Convs with few taps (a network's first layer: K = 3 channels x 3 x 3) spend more time packing than computing
// when every tile is packed pixel by pixel. They pack whole output rows instead: R rows (R divides OH, R * OW a
// multiple of NR, the K x R*OW panel at most 64 KB) with branch-free row copies. 0: pack per tile.
int64_t panel_rows(const ConvDims &d, const GemmTile &t, const Attrs &a) {
  if (is_pointwise(d, a)) return 0;
  for (int64_t r = 1; r <= d.OH; ++r)
    if (d.OH % r == 0 && (r * d.OW) % t.NR == 0 && t.K * r * d.OW <= 16384) return r;
  return 0;
}

// How a 1x1 conv's GEMM is blocked for the caches: chosen by the tile_group_conv pass from the target's cache
// sizes (attribute `blocking`), printed by emit_gemm.
struct PointwiseBlocking {
  bool tile_stationary, pack;  // pack: copy the slab's input into aligned panels (many input channels)
  int64_t KC, MCB, slab;       // taps per K block, channel blocks per L2 block, pixels per slab
};

PointwiseBlocking pointwise_blocking(const GemmTile &t, const Attrs &a) {
  SHUFFLEC_ASSERT(a.blocking[0] > 0 && a.blocking[1] > 0 && a.blocking[2] > 0);
  return {t.K >= 64, a.blocking[3] != 0, a.blocking[0], a.blocking[1], a.blocking[2]};
}

int64_t workspace_floats(const Graph &g, const Node &n) {
  if (n.attrs.tile[0] <= 0) return 0;
  const ConvDims d = dims_of(g, n);
  const GemmTile t = gemm_tile(d, n.attrs);
  if (is_pointwise(d, n.attrs)) {
    const int64_t full = t.P / t.NR * t.NR;
    const int64_t tail = t.NR_tail > 0 && t.NR_tail != t.P - full ? t.K * t.NR_tail : 0;
    const PointwiseBlocking b = pointwise_blocking(t, n.attrs);
    return std::max(tail, b.pack && full > 0 ? b.KC * b.slab : 0);
  }
  const int64_t rows = panel_rows(d, t, n.attrs);
  return rows ? t.K * rows * d.OW : t.K * t.NR;
}

// One tile of `nr` pixels starting at p0, `valid` of them inside the plane (valid < nr only for the last tile).
struct PixelTile {
  int64_t nr, valid;
};

// Packs the K x nr panel of the tile into ws (im2col); pixels past the plane read as zero. Leaves bsrc/bstride
// pointing at the panel.
void emit_im2col(KernelEmitContext &ctx, const ConvDims &d, const GemmTile &t, PixelTile pt) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  w.line("const float *restrict bsrc = ws;");
  w.line("const int bstride = {};", pt.nr);
  if (pt.valid == pt.nr) {
    // Fast path: a tile inside one output row whose taps all land inside the input columns; whole kernel rows
    // above or below the input are zeros.
    w.line("const int oy = p0 / {}, ox = p0 % {};", d.OW, d.OW);
    w.open("if (ox + {} <= {} && ox * {} >= {} && (ox + {}) * {} + {} < {})", pt.nr, d.OW, a.stride[1], a.pads[1],
           pt.nr - 1, a.stride[1], (d.KW - 1) * a.dilation[1] - a.pads[1], d.W);
    w.open("for (int c = 0; c < {}; ++c)", d.CG);
    w.open("for (int ky = 0; ky < {}; ++ky)", d.KH);
    w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
    w.line("float *restrict bk = ws + (c * {} + ky) * {};", d.KH, d.KW * pt.nr);
    w.open("if ((unsigned)iy >= {}u)", d.H);
    w.line("for (int i = 0; i < {}; ++i) bk[i] = 0.0f;", d.KW * pt.nr);
    w.line("continue;");
    w.close();
    w.open("for (int kx = 0; kx < {}; ++kx)", d.KW);
    w.line("const float *restrict xr = xg + (c * {} + iy) * {} + ox * {} - {} + kx * {};", d.H, d.W, a.stride[1],
           a.pads[1], a.dilation[1]);
    w.line("for (int i = 0; i < {}; ++i) bk[kx * {} + i] = xr[i * {}];", pt.nr, pt.nr, a.stride[1]);
    w.close();
    w.close();
    w.close();
    w.close();
    w.open("else");
  } else {
    w.open("");
  }
  // General path: where each pixel's window starts; a pixel past the plane starts far above it, so every tap
  // reads zero.
  const int64_t outside = d.H + d.KH * a.dilation[0] + 1;
  w.line("int iy0[{}], ix0[{}];", pt.nr, pt.nr);
  w.open("for (int i = 0; i < {}; ++i)", pt.nr);
  w.line("const int p = p0 + i;");
  w.line("iy0[i] = p < {} ? (p / {}) * {} - {} : -{};", t.P, d.OW, a.stride[0], a.pads[0], outside);
  w.line("ix0[i] = (p % {}) * {} - {};", d.OW, a.stride[1], a.pads[1]);
  w.close();
  w.open("for (int c = 0; c < {}; ++c)", d.CG);
  w.line("const float *restrict xc = xg + c * {};", d.H * d.W);
  w.open("for (int ky = 0; ky < {}; ++ky)", d.KH);
  w.open("for (int kx = 0; kx < {}; ++kx)", d.KW);
  w.line("float *restrict bk = ws + ((c * {} + ky) * {} + kx) * {};", d.KH, d.KW, pt.nr);
  w.open("for (int i = 0; i < {}; ++i)", pt.nr);
  w.line("const int iy = iy0[i] + ky * {}, ix = ix0[i] + kx * {};", a.dilation[0], a.dilation[1]);
  w.line("bk[i] = (unsigned)iy < {}u && (unsigned)ix < {}u ? xc[iy * {} + ix] : 0.0f;", d.H, d.W, d.W);
  w.close();
  w.close();
  w.close();
  w.close();
  w.close();
}

// The epilogue value of accumulator expression `acc` for the output element at yp[i] (residual at rp[i]).
std::string epilogue_c(const Attrs &a, bool has_residual, const std::string &acc) {
  return activation_c(a.activation, has_residual ? fmt::format("({} + rp[i])", acc) : acc);
}

struct GemmOperands {
  bool has_bias, has_residual;
  std::string map;  // the output channel map's C array, or empty
  // K blocked: the kernel covers taps [k0, k1) (C variables); it starts from the partial sums already in the
  // output (bias when k0 == 0) and applies the epilogue only when k1 == K (full pixel tiles only).
  bool k_blocked = false;
};

// C expression: the output row of channel block row j (a C expression), for loading partial sums.
std::string output_row(KernelEmitContext &ctx, const ConvDims &d, const GemmTile &t, const GemmOperands &o,
                       const std::string &j) {
  const std::string at = o.map.empty() ? fmt::format("(m0 + {})", j) : fmt::format("{}[m0 + {}]", o.map, j);
  return fmt::format("({} + (n * {} + {}) * {} + p0)", ctx.out, d.M, at, t.P);
}

// The rows/pointers every kernel's epilogue needs for output row `j` (a C expression).
void emit_row_pointers(KernelEmitContext &ctx, const ConvDims &d, const GemmTile &t, const GemmOperands &o,
                       const std::string &j) {
  const std::string at = o.map.empty() ? fmt::format("(m0 + {})", j) : fmt::format("{}[m0 + {}]", o.map, j);
  ctx.w.line("float *restrict yp = {} + (n * {} + {}) * {} + p0;", ctx.out, d.M, at, t.P);
  if (o.has_residual)
    ctx.w.line("const float *restrict rp = {} + (n * {} + {}) * {} + p0;", ctx.in[3], d.M, at, t.P);
}

// MR x nr micro-kernel in plain C: constant trip counts, so compilers keep acc in vector registers.
void emit_gemm_kernel_portable(KernelEmitContext &ctx, const ConvDims &d, const GemmTile &t, PixelTile pt,
                               const GemmOperands &o) {
  CWriter &w = ctx.w;
  w.line("float acc[{}][{}];", t.MR, pt.nr);
  const std::string start = o.has_bias ? "bp[j]" : "0.0f";
  if (o.k_blocked) {
    const std::string valid = d.MG % t.MR ? fmt::format("mb * {} + j < {}", t.MR, d.MG) : "1";
    w.line("for (int j = 0; j < {}; ++j) for (int i = 0; i < {}; ++i) acc[j][i] = k0 == 0 ? {} : {} ? {}[i] : 0.0f;",
           t.MR, pt.nr, start, valid, output_row(ctx, d, t, o, "j"));
  } else {
    w.line("for (int j = 0; j < {}; ++j) for (int i = 0; i < {}; ++i) acc[j][i] = {};", t.MR, pt.nr, start);
  }
  w.open("for (int k = {}; k < {}; ++k)", o.k_blocked ? "k0" : "0", o.k_blocked ? "k1" : std::to_string(t.K));
  w.line("const float *restrict bk = bsrc + {} * bstride;", o.k_blocked ? "(k - k0)" : "k");
  w.line("const float *restrict ak = wp + k * {};", t.MR);
  w.line("for (int j = 0; j < {}; ++j) for (int i = 0; i < {}; ++i) acc[j][i] += ak[j] * bk[i];", t.MR, pt.nr);
  w.close();
  w.open("for (int j = 0; j < {}; ++j)", t.MR);
  if (d.MG % t.MR) w.line("if (mb * {} + j >= {}) break;", t.MR, d.MG);
  emit_row_pointers(ctx, d, t, o, "j");
  const std::string value = epilogue_c(ctx.node.attrs, o.has_residual, "acc[j][i]");
  w.line("for (int i = 0; i < {}; ++i) yp[i] = {};", pt.valid,
         o.k_blocked ? fmt::format("k1 == {} ? {} : acc[j][i]", t.K, value) : value);
  w.close();
}

void emit_gemm_epilogue_simd(KernelEmitContext &ctx, const ConvDims &d, const GemmTile &t, PixelTile pt,
                             const GemmOperands &o, const std::function<void()> &store_full_tile);

// The same micro-kernel in the target's vector dialect, accumulators as named vector variables.
void emit_gemm_kernel_simd(KernelEmitContext &ctx, const ConvDims &d, const GemmTile &t, PixelTile pt,
                           const GemmOperands &o) {
  CWriter &w = ctx.w;
  const VectorDialect &v = ctx.target.simd;
  const Attrs &a = ctx.node.attrs;
  const int64_t VN = pt.nr / v.width;
  for (int64_t j = 0; j < t.MR; ++j) {
    w.line("{} acc{}_0 = {};", v.type, j, o.has_bias ? vec_op(v.splat, fmt::format("bp[{}]", j)) : v.zero);
    for (int64_t k = 1; k < VN; ++k) w.line("{} acc{}_{} = acc{}_0;", v.type, j, k, j);
  }
  if (o.k_blocked) {  // later K blocks start from the partial sums stored by the earlier ones
    w.open("if (k0 > 0)");
    for (int64_t j = 0; j < t.MR; ++j) {
      if (d.MG % t.MR) w.open("if (mb * {} + {} < {})", t.MR, j, d.MG);
      else w.open("");
      w.line("const float *restrict pp = {};", output_row(ctx, d, t, o, std::to_string(j)));
      for (int64_t k = 0; k < VN; ++k) w.line("acc{}_{} = {};", j, k, vec_op(v.load, fmt::format("pp + {}", k * v.width)));
      w.close();
    }
    w.close();
  }
  w.open("for (int k = {}; k < {}; ++k)", o.k_blocked ? "k0" : "0", o.k_blocked ? "k1" : std::to_string(t.K));
  w.line("const float *restrict bk = bsrc + {} * bstride;", o.k_blocked ? "(k - k0)" : "k");
  w.line("const float *restrict ak = wp + k * {};", t.MR);
  for (int64_t k = 0; k < VN; ++k) w.line("const {} b{} = {};", v.type, k, vec_op(v.load, fmt::format("bk + {}", k * v.width)));
  for (int64_t j = 0; j < t.MR; ++j) {
    w.line("const {} a{} = {};", v.type, j, vec_op(v.splat, fmt::format("ak[{}]", j)));
    for (int64_t k = 0; k < VN; ++k)
      w.line("acc{0}_{1} = {2};", j, k, vec_op(v.fma, fmt::format("a{}", j), fmt::format("b{}", k), fmt::format("acc{}_{}", j, k)));
  }
  w.close();
  // Epilogue on the accumulators: residual, activation, stored straight from registers when the whole tile is
  // inside the output; a partial tile (the plane's last pixels, padded channel rows) goes through tmp.
  auto store_full_tile = [&] {
    if (a.activation != Activation::None) w.line("const {} zero = {};", v.type, v.zero);
    if (a.activation == Activation::Relu6) w.line("const {} six = {};", v.type, vec_op(v.splat, "6.0f"));
    for (int64_t j = 0; j < t.MR; ++j) {
      w.open("");
      emit_row_pointers(ctx, d, t, o, std::to_string(j));
      for (int64_t k = 0; k < VN; ++k) {
        std::string val = fmt::format("acc{}_{}", j, k);
        if (o.has_residual) val = vec_op(v.add, val, vec_op(v.load, fmt::format("rp + {}", k * v.width)));
        if (a.activation != Activation::None) val = vec_op(v.max, val, "zero");
        if (a.activation == Activation::Relu6) val = vec_op(v.min, val, "six");
        w.line("{};", vec_op(v.store, fmt::format("yp + {}", k * v.width), val));
      }
      w.close();
    }
  };
  const bool check_rows = d.MG % t.MR != 0;
  if (o.k_blocked) {  // not the last K block: store the raw partial sums of the valid rows
    SHUFFLEC_ASSERT(pt.valid == pt.nr);
    w.open("if (k1 < {})", t.K);
    for (int64_t j = 0; j < t.MR; ++j) {
      if (check_rows) w.open("if (mb * {} + {} < {})", t.MR, j, d.MG);
      else w.open("");
      w.line("float *restrict pp = {};", output_row(ctx, d, t, o, std::to_string(j)));
      for (int64_t k = 0; k < VN; ++k)
        w.line("{};", vec_op(v.store, fmt::format("pp + {}", k * v.width), fmt::format("acc{}_{}", j, k)));
      w.close();
    }
    w.close();
    w.open("else");
  } else {
    w.open("");
  }
  emit_gemm_epilogue_simd(ctx, d, t, pt, o, store_full_tile);
  w.close();
}

void emit_gemm_epilogue_simd(KernelEmitContext &ctx, const ConvDims &d, const GemmTile &t, PixelTile pt,
                             const GemmOperands &o, const std::function<void()> &store_full_tile) {
  CWriter &w = ctx.w;
  const VectorDialect &v = ctx.target.simd;
  const Attrs &a = ctx.node.attrs;
  const int64_t VN = pt.nr / v.width;
  const bool check_rows = d.MG % t.MR != 0;
  if (pt.valid == pt.nr && !check_rows) {
    store_full_tile();
    return;
  }
  if (pt.valid == pt.nr) {
    w.open("if (mb < {})", d.MG / t.MR);
    store_full_tile();
    w.close();
    w.open("else");
  } else {
    w.open("");
  }
  w.line("float tmp[{}];", t.MR * pt.nr);
  for (int64_t j = 0; j < t.MR; ++j)
    for (int64_t k = 0; k < VN; ++k)
      w.line("{};", vec_op(v.store, fmt::format("tmp + {}", j * pt.nr + k * v.width), fmt::format("acc{}_{}", j, k)));
  w.open("for (int j = 0; j < {}; ++j)",
         check_rows ? fmt::format("(mb < {} ? {} : {})", d.MG / t.MR, t.MR, d.MG % t.MR) : std::to_string(t.MR));
  emit_row_pointers(ctx, d, t, o, "j");
  w.line("for (int i = 0; i < {}; ++i) yp[i] = {};", pt.valid,
         epilogue_c(a, o.has_residual, fmt::format("tmp[j * {} + i]", pt.nr)));
  w.close();
  w.close();
}

// One channel block's kernel over the current panel (bsrc, bstride) at pixel p0.
void emit_channel_block(KernelEmitContext &ctx, const ConvDims &d, const GemmTile &t, PixelTile pt,
                        const GemmOperands &o) {
  if (ctx.target.simd.width > 0 && pt.nr % ctx.target.simd.width == 0)
    emit_gemm_kernel_simd(ctx, d, t, pt, o);
  else
    emit_gemm_kernel_portable(ctx, d, t, pt, o);
}

void emit_channel_block_pointers(KernelEmitContext &ctx, const ConvDims &d, const GemmTile &t, bool has_bias) {
  CWriter &w = ctx.w;
  w.line("const int m0 = g * {} + mb * {};", d.MG, t.MR);
  w.line("const float *restrict wp = {} + (g * {} + mb) * {};", ctx.in[1], t.blocks, t.K * t.MR);
  if (has_bias) w.line("const float *restrict bp = {} + (g * {} + mb) * {};", ctx.in[2], t.blocks, t.MR);
}

void emit_gemm(KernelEmitContext &ctx, const ConvDims &d, bool has_bias, bool has_residual) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const GemmTile t = gemm_tile(d, a);
  SHUFFLEC_ASSERT(t.MR > 0 && t.NR > 0 && ctx.workspace == (workspace_floats(ctx.graph, ctx.node) ? "ws" : ""));
  const GemmOperands o{has_bias, has_residual, emit_channel_map(w, a)};
  const int64_t full = t.P / t.NR * t.NR, tail = t.P - full;
  SHUFFLEC_ASSERT((tail == 0) == (t.NR_tail == 0) && t.NR_tail >= tail && t.NR_tail <= t.NR);
  const PixelTile whole{t.NR, t.NR}, last{t.NR_tail, tail};
  w.open("for (int n = 0; n < {}; ++n)", d.N);
  w.open("for (int g = 0; g < {}; ++g)", d.G);
  w.line("const float *restrict xg = {} + (n * {} + g * {}) * {};", ctx.in[0], d.C, d.CG, d.H * d.W);
  if (is_pointwise(d, a)) {
    // 1x1 conv: the input rows are read in place, blocked as a GEMM for the caches.
    //  - Few input channels (K < 64): pixel slabs whose K x slab input block fits half of L2, channel blocks
    //    outside the slab's tiles, so stores stream through MR output planes at a time (the kernel is short and
    //    store-bound) and each weight panel is read from memory once per slab.
    //  - Otherwise the input tile stays put: K blocks of KC taps whose K x NR tile fits half of L1 (partial sums
    //    kept in the output between blocks), channel blocks whose KC x MR weight panels fit half of L2, and for
    //    each tile every channel block of the group passes over it, from L1.
    const PointwiseBlocking pbk = pointwise_blocking(t, a);
    const bool tile_stationary = pbk.tile_stationary;
    const int64_t KC = pbk.KC, MCB = pbk.MCB, slab = pbk.slab;
    GemmOperands blocked = o;
    blocked.k_blocked = KC < t.K;
    const bool copy_tail = tail > 0 && t.NR_tail != tail;
    if (full > 0) {
      w.open("for (int pb = 0; pb < {}; pb += {})", full, slab);
      w.line("const int pe = pb + {} < {} ? pb + {} : {};", slab, full, slab, full);
      if (blocked.k_blocked) {
        w.open("for (int k0 = 0; k0 < {}; k0 += {})", t.K, KC);
        w.line("const int k1 = k0 + {} < {} ? k0 + {} : {};", KC, t.K, KC, t.K);
      }
      if (tile_stationary) {
        if (pbk.pack) {
          // Many input channels: the slab's KC x slab input block is packed once, tile by tile, into aligned
          // contiguous panels, which every channel block then reads; in place, rows P floats apart would split
          // cache lines and spread over pages on every load.
          if (!blocked.k_blocked) w.line("const int k0 = 0, k1 = {};", t.K);
          w.open("for (int p0 = pb; p0 < pe; p0 += {})", t.NR);
          w.line("float *restrict panel = ws + (p0 - pb) / {} * {};", t.NR, KC * t.NR);
          w.open("for (int k = k0; k < k1; ++k)");
          w.line("for (int i = 0; i < {}; ++i) panel[(k - k0) * {} + i] = xg[k * {} + p0 + i];", t.NR, t.NR, t.P);
          w.close();
          w.close();
        }
        w.open("for (int mc = 0; mc < {}; mc += {})", t.blocks, MCB);
        w.line("const int mce = mc + {} < {} ? mc + {} : {};", MCB, t.blocks, MCB, t.blocks);
        w.open("for (int p0 = pb; p0 < pe; p0 += {})", t.NR);
        if (pbk.pack) {
          w.line("const float *restrict bsrc = ws + (p0 - pb) / {} * {};", t.NR, KC * t.NR);
          w.line("const int bstride = {};", t.NR);
        } else {
          w.line("const float *restrict bsrc = xg + {}p0;", blocked.k_blocked ? fmt::format("k0 * {} + ", t.P) : "");
          w.line("const int bstride = {};", t.P);
        }
        w.open("for (int mb = mc; mb < mce; ++mb)");
        emit_channel_block_pointers(ctx, d, t, has_bias);
        emit_channel_block(ctx, d, t, whole, blocked);
        w.close();
        w.close();
        w.close();
      } else {
        w.open("for (int mb = 0; mb < {}; ++mb)", t.blocks);
        emit_channel_block_pointers(ctx, d, t, has_bias);
        w.open("for (int p0 = pb; p0 < pe; p0 += {})", t.NR);
        w.line("const float *restrict bsrc = xg + p0;");
        w.line("const int bstride = {};", t.P);
        emit_channel_block(ctx, d, t, whole, blocked);
        w.close();
        w.close();
      }
      if (blocked.k_blocked) w.close();
      w.close();
    }
    if (copy_tail) {
      w.open("for (int k = 0; k < {}; ++k)", t.K);
      w.line("for (int i = 0; i < {}; ++i) ws[k * {} + i] = i < {} ? xg[k * {} + {} + i] : 0.0f;", t.NR_tail,
             t.NR_tail, tail, t.P, full);
      w.close();
    }
    if (tail > 0) {
      w.open("for (int mb = 0; mb < {}; ++mb)", t.blocks);
      emit_channel_block_pointers(ctx, d, t, has_bias);
      w.line("const int p0 = {};", full);
      w.line("const float *restrict bsrc = {};", copy_tail ? "ws" : "xg + p0");
      w.line("const int bstride = {};", copy_tail ? t.NR_tail : t.P);
      emit_channel_block(ctx, d, t, last, o);
      w.close();
    }
  } else if (const int64_t R = panel_rows(d, t, a); R > 0) {
    // Row panels: R output rows packed at once (zero columns outside the input written by the row copies' bounds,
    // known at compile time), then every tile of the panel runs all channel blocks.
    const int64_t PP = R * d.OW;
    emit_tap_columns(w, tap_columns(d.OW, d.W, d.KW, a.stride[1], a.dilation[1], a.pads[1]));
    w.open("for (int oy0 = 0; oy0 < {}; oy0 += {})", d.OH, R);
    w.open("for (int c = 0; c < {}; ++c)", d.CG);
    w.open("for (int ky = 0; ky < {}; ++ky)", d.KH);
    w.open("for (int r = 0; r < {}; ++r)", R);
    w.line("const int iy = (oy0 + r) * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
    w.open("for (int kx = 0; kx < {}; ++kx)", d.KW);
    w.line("float *restrict br = ws + ((c * {} + ky) * {} + kx) * {} + r * {};", d.KH, d.KW, PP, d.OW);
    w.line("const float *restrict xr = xg + (c * {} + iy) * {} + kx * {} - {};", d.H, d.W, a.dilation[1], a.pads[1]);
    w.line("const int lo = (unsigned)iy < {}u ? col_lo[kx] : {}, hi = (unsigned)iy < {}u ? col_hi[kx] : {};", d.H,
           d.OW, d.H, d.OW);
    w.line("for (int ox = 0; ox < lo; ++ox) br[ox] = 0.0f;");
    w.line("for (int ox = lo; ox < hi; ++ox) br[ox] = xr[ox * {}];", a.stride[1]);
    w.line("for (int ox = hi; ox < {}; ++ox) br[ox] = 0.0f;", d.OW);
    w.close();
    w.close();
    w.close();
    w.close();
    w.open("for (int q0 = 0; q0 < {}; q0 += {})", PP, t.NR);
    w.line("const int p0 = oy0 * {} + q0;", d.OW);
    w.line("const float *restrict bsrc = ws + q0;");
    w.line("const int bstride = {};", PP);
    w.open("for (int mb = 0; mb < {}; ++mb)", t.blocks);
    emit_channel_block_pointers(ctx, d, t, has_bias);
    emit_channel_block(ctx, d, t, whole, o);
    w.close();
    w.close();
    w.close();
  } else {
    // Pixel tiles outside: the tile's packed panel is reused from cache by every channel block.
    auto tile_loop = [&](PixelTile pt) {
      emit_im2col(ctx, d, t, pt);
      w.open("for (int mb = 0; mb < {}; ++mb)", t.blocks);
      emit_channel_block_pointers(ctx, d, t, has_bias);
      emit_channel_block(ctx, d, t, pt, o);
      w.close();
    };
    if (full > 0) {
      w.open("for (int p0 = 0; p0 < {}; p0 += {})", full, t.NR);
      tile_loop(whole);
      w.close();
    }
    if (tail > 0) {
      w.open("");
      w.line("const int p0 = {};", full);
      tile_loop(last);
      w.close();
    }
  }
  w.close();
  w.close();
}

// Any other conv, one output row at a time: for each (input channel, kernel tap) the row accumulates
// weight * input over the output columns whose tap lands inside the input (bounds known at compile time), so the
// inner loop has no branches and vectorises; padding costs nothing. MB output channels of a group are computed
// together so each input element loaded serves MB multiply-adds.
void emit_general(KernelEmitContext &ctx, const ConvDims &d, bool has_bias, bool has_residual) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const std::string map = emit_channel_map(w, a);
  int64_t MB = 1;
  for (int64_t k = 1; k <= 4; ++k)
    if (d.MG % k == 0) MB = k;
  emit_tap_columns(w, tap_columns(d.OW, d.W, d.KW, a.stride[1], a.dilation[1], a.pads[1]));
  w.open("for (int n = 0; n < {}; ++n)", d.N);
  w.open("for (int m0 = 0; m0 < {}; m0 += {})", d.M, MB);
  w.line("const float *restrict xg = {} + n * {} + (m0 / {}) * {};", ctx.in[0], d.C * d.H * d.W, d.MG,
         d.CG * d.H * d.W);
  for (int64_t j = 0; j < MB; ++j) {
    const std::string at = map.empty() ? fmt::format("(m0 + {})", j) : fmt::format("{}[m0 + {}]", map, j);
    w.line("const float *restrict wm{} = {} + (m0 + {}) * {};", j, ctx.in[1], j, d.CG * d.KH * d.KW);
    w.line("float *restrict yp{} = {} + (n * {} + {}) * {};", j, ctx.out, d.M, at, d.OH * d.OW);
    if (has_residual)
      w.line("const float *restrict rp{} = {} + (n * {} + {}) * {};", j, ctx.in[3], d.M, at, d.OH * d.OW);
  }
  w.open("for (int oy = 0; oy < {}; ++oy)", d.OH);
  for (int64_t j = 0; j < MB; ++j) {
    w.line("float *restrict yr{} = yp{} + oy * {};", j, j, d.OW);
    w.line("for (int ox = 0; ox < {}; ++ox) yr{}[ox] = {};", d.OW, j,
           has_bias ? fmt::format("{}[m0 + {}]", ctx.in[2], j) : "0.0f");
  }
  w.open("for (int c = 0; c < {}; ++c)", d.CG);
  w.open("for (int ky = 0; ky < {}; ++ky)", d.KH);
  w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
  w.line("if (iy < 0 || iy >= {}) continue;", d.H);
  w.open("for (int kx = 0; kx < {}; ++kx)", d.KW);
  w.line("const float *restrict xr = xg + (c * {} + iy) * {} + kx * {} - {};", d.H, d.W, a.dilation[1], a.pads[1]);
  for (int64_t j = 0; j < MB; ++j) w.line("const float w{} = wm{}[(c * {} + ky) * {} + kx];", j, j, d.KH, d.KW);
  w.open("for (int ox = col_lo[kx]; ox < col_hi[kx]; ++ox)");
  w.line("const float xv = xr[ox * {}];", a.stride[1]);
  for (int64_t j = 0; j < MB; ++j) w.line("yr{0}[ox] += w{0} * xv;", j);
  w.close();
  w.close();
  w.close();
  w.close();
  for (int64_t j = 0; j < MB; ++j) {
    if (has_residual)
      w.line("for (int ox = 0; ox < {}; ++ox) yr{}[ox] = {};", d.OW, j,
             activation_c(a.activation, fmt::format("(yr{0}[ox] + rp{0}[oy * {1} + ox])", j, d.OW)));
    else if (a.activation != Activation::None)
      w.line("for (int ox = 0; ox < {}; ++ox) yr{}[ox] = {};", d.OW, j,
             activation_c(a.activation, fmt::format("yr{}[ox]", j)));
  }
  w.close();
  w.close();
  w.close();
}

// Depthwise conv (groups == input channels == output channels), one channel plane at a time: its KH x KW weights
// and bias are held in locals (broadcast vectors on SIMD targets) for the whole plane. Each output row reads KH input
// rows through row pointers; a row that falls in the vertical padding points at a zero row, so no row needs a
// check. The columns where every tap lands inside the input (known at compile time) are computed without bounds
// checks: on SIMD targets `width` outputs at a time in the target's dialect (stride 2 through its deinterleaving
// `load2`), in portable C as a branch-free loop compilers vectorise; the few edge columns check each tap.
void emit_depthwise(KernelEmitContext &ctx, const ConvDims &d, bool has_bias, bool has_residual) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const VectorDialect &v = ctx.target.simd;
  const int64_t sy = a.stride[0], sx = a.stride[1], dy = a.dilation[0], dx = a.dilation[1];
  const int64_t pt = a.pads[0], pl = a.pads[1], K = d.KH * d.KW, HW = d.H * d.W, OHW = d.OH * d.OW;
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
  const int64_t VW = v.width;
  const bool vector = VW > 0 && (sx == 1 || (sx == 2 && !v.load2.empty()));
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

  const std::string map = emit_channel_map(w, a);
  const std::string at = map.empty() ? "m" : map + "[m]";
  if (any_row_checked) w.line("static const float zrow[{}] = {{0.0f}};", d.W);
  w.open("for (int n = 0; n < {}; ++n)", d.N);
  w.open("for (int m = 0; m < {}; ++m)", d.M);
  w.line("const float *restrict xp = {} + (n * {} + m) * {};", ctx.in[0], d.C, HW);
  w.line("const float *restrict wm = {} + m * {};", ctx.in[1], K);
  w.line("float *restrict yp = {} + (n * {} + {}) * {};", ctx.out, d.M, at, OHW);
  if (has_residual) w.line("const float *restrict rp = {} + (n * {} + {}) * {};", ctx.in[3], d.M, at, OHW);
  const std::string bias = has_bias ? ctx.in[2] + "[m]" : "0.0f";
  if (scalar) {
    w.line("const float b = {};", bias);
    for (int64_t k = 0; k < K; ++k) w.line("const float w{} = wm[{}];", k, k);
  }
  if (has_blocks) {
    w.line("const {} vb = {};", v.type, vec_op(v.splat, bias));
    for (int64_t k = 0; k < K; ++k) w.line("const {} vw{} = {};", v.type, k, vec_op(v.splat, fmt::format("wm[{}]", k)));
    if (a.activation != Activation::None) w.line("const {} zero = {};", v.type, v.zero);
    if (a.activation == Activation::Relu6) w.line("const {} six = {};", v.type, vec_op(v.splat, "6.0f"));
  }
  w.open("for (int oy = 0; oy < {}; ++oy)", d.OH);
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
  if (has_residual) w.line("const float *restrict rr = rp + oy * {};", d.OW);
  // Scalar epilogue of `acc` for column ox.
  auto store_scalar = [&] {
    w.line("yr[ox] = {};", activation_c(a.activation, has_residual ? "(acc + rr[ox])" : "acc"));
  };
  auto edge = [&](int64_t from, int64_t to) {
    if (from >= to) return;
    w.open("for (int ox = {}; ox < {}; ++ox)", from, to);
    w.line("float acc = b;");
    for (int64_t kx = 0; kx < d.KW; ++kx) w.line("const int ix{} = {};", kx, column(kx));
    for (int64_t ky = 0; ky < d.KH; ++ky)
      for (int64_t kx = 0; kx < d.KW; ++kx)
        w.line("if (ix{0} >= 0 && ix{0} < {1}) acc += w{2} * r{3}[ix{0}];", kx, d.W, ky * d.KW + kx, ky);
    store_scalar();
    w.close();
  };
  auto block = [&] {
    w.line("{} acc = vb;", v.type);
    for (int64_t ky = 0; ky < d.KH; ++ky)
      for (int64_t kx = 0; kx < d.KW; ++kx) {
        const std::string src = fmt::format("r{} + {}", ky, column(kx));
        const std::string x = sx == 1 ? vec_op(v.load, src) : vec_op(v.load2, src);
        w.line("acc = {};", vec_op(v.fma, fmt::format("vw{}", ky * d.KW + kx), x, "acc"));
      }
    std::string val = sx == 2 && !v.load2_order.empty() ? vec_op(v.load2_order, "acc") : "acc";
    if (has_residual) val = vec_op(v.add, val, vec_op(v.load, "rr + ox"));
    if (a.activation != Activation::None) val = vec_op(v.max, val, "zero");
    if (a.activation == Activation::Relu6) val = vec_op(v.min, val, "six");
    w.line("{};", vec_op(v.store, "yr + ox", val));
  };
  // Both edges first: a scalar loop after the interior could reuse its last loads (clang's GVN does), which makes
  // the interior loop's values live after it and stops clang vectorising it.
  edge(0, lo);
  edge(hi, d.OW);
  if (has_blocks) {
    w.open("for (int ox = {}; ox < {}; ox += {})", lo, vend, VW);
    block();
    w.close();
  }
  if (vlast >= 0) {
    w.open("");
    w.line("const int ox = {};", vlast);
    block();
    w.close();
  }
  if (tail < hi) {  // interior without vectors (portable C: the compiler vectorises this loop)
    w.open("for (int ox = {}; ox < {}; ++ox)", tail, hi);
    // Taps through one pointer per kernel row at the window's first column: with r[ox + k] instead, clang (with
    // FMA contraction) forwards loads between iterations and no longer vectorises the loop.
    for (int64_t ky = 0; ky < d.KH; ++ky) w.line("const float *restrict q{} = r{} + {};", ky, ky, column(0));
    w.line("float acc = b;");
    for (int64_t ky = 0; ky < d.KH; ++ky)
      for (int64_t kx = 0; kx < d.KW; ++kx) w.line("acc += w{} * q{}[{}];", ky * d.KW + kx, ky, kx * dx);
    store_scalar();
    w.close();
  }
  w.close();
  w.close();
  w.close();
}

void emit_c(KernelEmitContext &ctx) {
  const ConvDims d = dims_of(ctx.graph, ctx.node);
  const Attrs &a = ctx.node.attrs;
  const bool has_bias = ctx.node.inputs.size() > 2, has_residual = ctx.node.inputs.size() > 3;
  if (a.tile[0] > 0)
    emit_gemm(ctx, d, has_bias, has_residual);
  else if (is_pointwise(d, a))
    emit_pointwise(ctx, d, has_bias, has_residual);
  else if (d.CG == 1 && d.MG == 1)
    emit_depthwise(ctx, d, has_bias, has_residual);
  else
    emit_general(ctx, d, has_bias, has_residual);
}

int64_t mult_adds(const Graph &g, const Node &n) {
  const ConvDims d = dims_of(g, n);
  return d.N * d.M * d.OH * d.OW * d.CG * d.KH * d.KW;
}

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kConv2dInfo;
const OpInfo kConv2dInfo{
    OpKind::Conv2d, "conv2d",
    {{"x", false, false}, {"weight", true, false}, {"bias", true, true}, {"residual", false, true}}, false,
    {"stride", "pads", "dilation", "groups", "activation"},
    ops::infer, ops::reference, ops::emit_c, ops::mult_adds, false, ops::pack_constant, ops::workspace_floats};
}  // namespace shufflec
