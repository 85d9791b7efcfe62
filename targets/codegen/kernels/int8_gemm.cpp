// The SIMD int8 GEMM of a 1x1 conv (ConvKernel::Int8Gemm; docs/quantization.md, "SIMD kernels"). Per group and
// pixel tile, the K x nr input tile is packed once into the layer's workspace (k_step taps per 32-bit lane, in the
// element type the target's dot product reads) and every mr-channel block multiplies it by its weight panel, packed
// at compile time as one word of k_step weights per (tap group, channel). The accumulators start at the bias, are
// requantized in registers, get the output zero point (and the rescaled residual), are clamped and stored through the
// store map (the absorbed shuffle). Integer arithmetic throughout: the C equals the int8 interpreter bit for bit.
// Spelled through the target's Int8Dialect (targets/int8_dialect.h); the schedule decides the tile.
#include "ir/ops/conv2d.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"
#include "targets/int8_dialect.h"

namespace shufflec::kernels {
namespace {

// The packed weight word of channel m, taps k .. k + k_step - 1 (0 past K): k_step int8 as little-endian bytes
// (u8 quads) or int16 halves (int16 pairs), or the one weight (int16 lanes).
int32_t weight_word(const NodeQuant &q, int64_t m, int64_t k, int64_t K, Int8Dot dot) {
  auto w = [&](int64_t j) -> int32_t { return k + j < K ? q.weights[size_t(m * K + k + j)] : 0; };
  switch (dot) {
    case Int8Dot::I16Lanes: return w(0);
    case Int8Dot::I16Pairs: return int32_t(uint32_t(uint16_t(int16_t(w(0)))) | (uint32_t(uint16_t(int16_t(w(1)))) << 16));
    case Int8Dot::U8Quads:
    case Int8Dot::S8Quads: {
      uint32_t word = 0;
      for (int j = 0; j < 4; ++j) word |= uint32_t(uint8_t(int8_t(w(j)))) << (8 * j);
      return int32_t(word);
    }
  }
  return 0;
}

int64_t taps(const ConvDims &d) { return d.CG * d.KH * d.KW; }
int64_t tap_groups(const ConvDims &d, const Int8GemmSchedule &s) { return (taps(d) + s.k_step - 1) / s.k_step; }
int64_t channel_blocks(const ConvDims &d, const Int8GemmSchedule &s) { return (d.MG + s.mr - 1) / s.mr; }

// The names and constants one tile's code needs.
struct TileCode {
  const ConvDims &d;
  const Int8GemmSchedule &s;
  const Int8Dialect &v;
  int32_t zx, zy, act_min, act_max;
  bool residual;
  int32_t zr, rmult, rshift;
  std::string store;  // C expression of the stored channel of m
  std::string weights_c_type;
};

// The stores of accumulator c{r}_{vec} for channel `m` at output pixel `pixel` (C expressions); `valid` pixels of
// the tile are stored (a partial last vector goes through a local buffer).
void emit_store(CWriter &w, const TileCode &t, int64_t r, int64_t vec, int64_t valid) {
  const int64_t lanes = t.s.lanes, first = vec * lanes, n = std::min(lanes, valid - first);
  if (n <= 0) return;
  const std::string acc = fmt::format("c{}_{}", r, vec);
  const std::string dst = fmt::format("yp + {}", first), res = fmt::format("rp + {}", first);
  if (n == lanes) {
    w.line("{}", t.residual ? t.v.requantize_residual_store(dst, acc, "mult[m]", "shift[m]", t.zy, t.act_min,
                                                            t.act_max, res, t.zr, t.rmult, t.rshift)
                            : t.v.requantize_store(dst, acc, "mult[m]", "shift[m]", t.zy, t.act_min, t.act_max));
    return;
  }
  auto part = w.block("");
  w.line("int8_t part[{}];", lanes);
  if (t.residual) {
    w.line("int8_t rpart[{}] = {{0}};", lanes);
    w.line("memcpy(rpart, {}, {});", res, n);
  }
  w.line("{}", t.residual ? t.v.requantize_residual_store("part", acc, "mult[m]", "shift[m]", t.zy, t.act_min,
                                                          t.act_max, "rpart", t.zr, t.rmult, t.rshift)
                          : t.v.requantize_store("part", acc, "mult[m]", "shift[m]", t.zy, t.act_min, t.act_max));
  w.line("memcpy({}, part, {});", dst, n);
}

// One pixel tile of nr pixels at p0 (a C expression), `valid` of them real: pack, then every channel block.
void emit_tile(CWriter &w, const TileCode &t, const std::string &p0, int64_t nr, int64_t valid) {
  const std::string_view weight_c_type = t.weights_c_type;
  const ConvDims &d = t.d;
  const Int8GemmSchedule &s = t.s;
  const int64_t plane = d.OH * d.OW, vectors = nr / s.lanes, KQ = tap_groups(d, s);
  w.line("{}", t.v.pack("panel", "xg + " + p0, plane, taps(d), nr, valid, t.zx));
  auto blocks = w.block("for (int mb = 0; mb < {}; mb += {})", d.MG, s.mr);
  w.line("const {} *restrict pp = panel;", t.v.panel_type());
  w.line("const {} *restrict wp = wt + (g * {} + mb / {}) * {};", weight_c_type, channel_blocks(d, s), s.mr,
         KQ * s.mr);
  const bool ragged = d.MG % s.mr != 0;
  for (int64_t r = 0; r < s.mr; ++r) {
    const std::string bias = fmt::format("bias[g * {} + mb + {}]", d.MG, r);
    for (int64_t vec = 0; vec < vectors; ++vec)
      w.line("{} c{}_{} = {};", t.v.acc_type(), r, vec,
             t.v.splat(ragged ? fmt::format("mb + {} < {} ? {} : 0", r, d.MG, bias) : bias));
  }
  {
    auto taps = w.block("for (int kq = 0; kq < {}; ++kq, pp += {}, wp += {})", KQ, nr * s.k_step, s.mr);
    for (int64_t vec = 0; vec < vectors; ++vec)
      w.line("const {} in{} = {};", t.v.input_type(), vec, t.v.load(fmt::format("pp + {}", vec * s.lanes * s.k_step)));
    for (int64_t r = 0; r < s.mr; ++r) {
      auto channel = w.block("");
      w.line("const {} wr = {};", t.v.weight_type(), t.v.weight(fmt::format("wp[{}]", r)));
      for (int64_t vec = 0; vec < vectors; ++vec)
        w.line("c{0}_{1} = {2};", r, vec, t.v.dot(fmt::format("c{}_{}", r, vec), fmt::format("in{}", vec), "wr"));
    }
  }
  for (int64_t r = 0; r < s.mr; ++r) {
    auto channel = ragged ? w.block("if (mb + {} < {})", r, d.MG) : w.block("");
    w.line("const int m = g * {} + mb + {};", d.MG, r);
    w.line("int8_t *restrict yp = yn + {} * {} + {};", t.store, plane, p0);
    if (t.residual) w.line("const int8_t *restrict rp = rn + {} * {} + {};", t.store, plane, p0);
    for (int64_t vec = 0; vec < vectors; ++vec) emit_store(w, t, r, vec, valid);
  }
}

// A KxK conv's im2col matrix for batch n, group g: row (c, ky, kx) holds, per output pixel, the input it multiplies
// by that tap, or the zero point in the padding. Per row and output row, the columns whose input lies inside the row
// (lo .. hi) are one strided copy.
void emit_im2col(KernelEmitContext &ctx, const ConvDims &d, int32_t zx) {
  CWriter &w = ctx.w;
  const Attrs &a = ctx.node.attrs;
  const int64_t plane = d.OH * d.OW;
  {
    auto taps = w.block("for (int k = 0; k < {}; ++k)", d.CG * d.KH * d.KW);
    w.line("const int c = k / {}, ky = k / {} % {}, kx = k % {};", d.KH * d.KW, d.KW, d.KH, d.KW);
    w.line("const int8_t *restrict xc = {} + (n * {} + g * {} + c) * {};", ctx.in[0], d.C, d.CG, d.H * d.W);
    w.line("int8_t *restrict col = cols + k * {};", plane);
    w.line("const int off = kx * {} - {};", a.dilation[1], a.pads[1]);
    w.line("const int hi0 = off > {} ? 0 : ({} - off) / {} + 1;", d.W - 1, d.W - 1, a.stride[1]);
    w.line("const int hi = hi0 < {} ? hi0 : {};", d.OW, d.OW);
    w.line("const int lo0 = off >= 0 ? 0 : (-off + {}) / {};", a.stride[1] - 1, a.stride[1]);
    w.line("const int lo = lo0 < hi ? lo0 : hi;");
    auto rows = w.block("for (int oy = 0; oy < {}; ++oy, col += {})", d.OH, d.OW);
    w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
    w.line("const int8_t *restrict row;");
    w.line("int ox;");
    {
      auto padding = w.block("if (iy < 0 || iy >= {})", d.H);
      w.line("memset(col, {}, {});", zx, d.OW);
      w.line("continue;");
    }
    w.line("row = xc + iy * {};", d.W);
    w.line("for (ox = 0; ox < lo; ++ox) col[ox] = {};", zx);
    w.line("for (; ox < hi; ++ox) col[ox] = row[ox * {} + off];", a.stride[1]);
    w.line("for (; ox < {}; ++ox) col[ox] = {};", d.OW, zx);
  }
  w.line("const int8_t *restrict xg = cols;");
}

}  // namespace

std::vector<Int8Table> int8_gemm_tables(const Graph &g, const Node &n) {
  const ConvDims d = conv_dims(g, n);
  const Int8GemmSchedule &s = n.schedule->int8;
  const NodeQuant &q = *n.quant;
  const int64_t K = taps(d), KQ = tap_groups(d, s), blocks = channel_blocks(d, s);
  std::vector<int32_t> words;
  for (int64_t gi = 0; gi < d.G; ++gi)
    for (int64_t b = 0; b < blocks; ++b)
      for (int64_t kq = 0; kq < KQ; ++kq)
        for (int64_t r = 0; r < s.mr; ++r) {
          const int64_t mg = b * s.mr + r;
          words.push_back(mg < d.MG ? weight_word(q, gi * d.MG + mg, kq * s.k_step, K, s.dot) : 0);
        }
  // u8 quads multiply x + 128, s8 quads x itself: the bias absorbs -(zx + 128) * sum(w) or -zx * sum(w), wrapping
  // like the int32 sums it starts.
  std::vector<int32_t> bias = q.bias;
  if (s.dot == Int8Dot::U8Quads || s.dot == Int8Dot::S8Quads) {
    const int64_t offset = int8_params(g, n.inputs[0]).zero_point + (s.dot == Int8Dot::U8Quads ? 128 : 0);
    for (int64_t m = 0; m < d.M; ++m) {
      int64_t sum = 0;
      for (int64_t k = 0; k < K; ++k) sum += q.weights[size_t(m * K + k)];
      bias[size_t(m)] = int32_t(uint32_t(int64_t(q.bias[size_t(m)]) - offset * sum));
    }
  }
  std::vector<int32_t> mult, shift;
  for (const Requant &r : q.requant) mult.push_back(r.multiplier), shift.push_back(r.shift);
  std::vector<Int8Table> t{{"packed weights", words}, {"bias", bias}, {"multipliers", mult}, {"shifts", shift}};
  if (!n.attrs.out_channel_map.empty())
    t.push_back({"store map", {n.attrs.out_channel_map.begin(), n.attrs.out_channel_map.end()}});
  return t;
}

void emit_int8_gemm(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const ConvDims d = conv_dims(g, n);
  const Int8GemmSchedule &s = n.schedule->int8;
  SHUFFLEC_ASSERT(ctx.target.int8 && ctx.target.int8->dot() == s.dot && ctx.target.int8->lanes() == s.lanes);
  SHUFFLEC_ASSERT(!ctx.workspace.empty() && (s.im2col_bytes > 0) != is_pointwise_conv(d, n.attrs));
  const Int8Dialect &v = *ctx.target.int8;
  const NodeQuant &q = *n.quant;
  const bool residual = n.inputs.size() > 3;
  const std::vector<Int8Table> tables = int8_gemm_tables(g, n);
  CWriter &w = ctx.w;
  static const char *const names[] = {"wt", "bias", "mult", "shift", "store"};
  for (size_t i = 0; i < tables.size(); ++i)
    w.line("const {} *restrict {} = {};", tables[i].c_type(), names[i], ctx.tables[i]);
  w.line("{0} *restrict panel = ({0} *)((unsigned char *){1} + {2});", v.panel_type(), ctx.workspace, s.im2col_bytes);
  if (s.im2col_bytes > 0) w.line("int8_t *restrict cols = (int8_t *){};", ctx.workspace);
  const int64_t plane = d.OH * d.OW, full = plane / s.nr * s.nr;
  TileCode t{d, s, v, int8_params(g, n.inputs[0]).zero_point, int8_params(g, n.output).zero_point, q.act_min, q.act_max, residual, 0, 0, 0,
             n.attrs.out_channel_map.empty() ? "m" : "store[m]", tables[0].c_type()};
  if (residual) {
    t.zr = int8_params(g, n.inputs[3]).zero_point;
    t.rmult = q.input_rescale[0].multiplier;
    t.rshift = q.input_rescale[0].shift;
  }
  auto batch = w.block("for (int n = 0; n < {}; ++n)", d.N);
  auto group = w.block("for (int g = 0; g < {}; ++g)", d.G);
  if (s.im2col_bytes > 0) {
    emit_im2col(ctx, d, t.zx);
  } else {
    w.line("const int8_t *restrict xg = {} + (n * {} + g * {}) * {};", ctx.in[0], d.C, d.CG, plane);
  }
  w.line("int8_t *restrict yn = {} + n * {};", ctx.out, d.M * plane);
  if (residual) w.line("const int8_t *restrict rn = {} + n * {};", ctx.in[3], d.M * plane);
  if (full > 0) {
    auto tiles = w.block("for (int p0 = 0; p0 < {}; p0 += {})", full, s.nr);
    emit_tile(w, t, "p0", s.nr, s.nr);
  }
  if (plane > full) {
    auto tail = w.block("");
    emit_tile(w, t, std::to_string(full), s.nr_tail, plane - full);
  }
}

}  // namespace shufflec::kernels
