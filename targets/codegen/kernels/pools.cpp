// Pooling kernels: max_pool and avg_pool (separable: a vertical pass into a row buffer, then a horizontal pass; a
// row-at-a-time fallback when the buffer would be too big for the stack) and global_avg_pool.
#include <algorithm>

#include "ir/ops/pool.h"
#include "targets/codegen/c_text.h"
#include "targets/codegen/kernel_table.h"

namespace shufflec::kernels {
namespace {

// Separable pooling reduces the window's input rows into a row buffer laid out as the padded input row (buffer column
// = input column + left pad), then the window's columns of that buffer. Its width covers the left pad, the input row
// and every column a window reaches (right pad, ceil_mode overhang).
int64_t pool_row_buffer_width(int64_t in_w, int64_t out_w, int64_t k, int64_t s, int64_t d, int64_t pad_left) {
  return std::max((out_w - 1) * s + (k - 1) * d + 1, pad_left + in_w);
}
// Wider buffers (absurd shapes) fall back to the row-at-a-time kernels rather than grow the stack past 16 KiB.
constexpr int64_t kPoolRowBufferMax = 4096;
// Kernels up to this many taps per direction are fully unrolled; taller or wider ones loop over the taps.
constexpr int64_t kPoolUnrollTaps = 8;

// The plane and output-row loops of the separable kernels, open while the caller prints the row's body. Inside:
// xp (the input plane), yp (the output plane), oy and iy0 (the window's first input row); before them the row buffer
// b[BW] and, if asked, the pad row `pad` that window rows outside the input read.
struct PoolRowLoops {
  CWriter::Block plane, row;
};

PoolRowLoops open_pool_rows(KernelEmitContext &ctx, int64_t BW, int64_t PL, int64_t W, bool pad_row,
                            const char *fill, int64_t H, int64_t OH, int64_t OW, int64_t SH, int64_t PT) {
  CWriter &w = ctx.w;
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]);
  w.line("float b[{}];", BW);
  if (PL > 0) w.line("for (int i = 0; i < {}; ++i) b[i] = {};", PL, fill);
  if (PL + W < BW) w.line("for (int i = {}; i < {}; ++i) b[i] = {};", PL + W, BW, fill);
  if (pad_row) {
    w.line("float pad[{}];", W);
    w.line("for (int i = 0; i < {}; ++i) pad[i] = {};", W, fill);
  }
  auto plane = w.block("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  w.line("const float *restrict xp = {} + p * {};", ctx.in[0], H * W);
  w.line("float *restrict yp = {} + p * {};", ctx.out, OH * OW);
  auto row = w.block("for (int oy = 0; oy < {}; ++oy)", OH);
  w.line("const int iy0 = oy * {} - {};", SH, PT);
  return {std::move(plane), std::move(row)};
}

// max_pool fallback for row buffers too wide for the stack: one output row at a time, each kernel tap taking a
// running max over the output columns whose input lies inside the input (compile-time bounds).
void emit_max_pool_rows(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &y = ctx.graph.shape(ctx.node.output);
  const Attrs &a = ctx.node.attrs;
  CWriter &w = ctx.w;
  emit_tap_columns(w, tap_columns(y[3], x[3], a.kernel[1], a.stride[1], a.dilation[1], a.pads[1]));
  auto plane = w.block("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  w.line("const float *restrict xp = {} + p * {};", ctx.in[0], x[2] * x[3]);
  w.line("float *restrict yp = {} + p * {};", ctx.out, y[2] * y[3]);
  auto row = w.block("for (int oy = 0; oy < {}; ++oy)", y[2]);
  w.line("float *restrict yr = yp + oy * {};", y[3]);
  w.line("for (int ox = 0; ox < {}; ++ox) yr[ox] = -HUGE_VALF;", y[3]);
  {
    auto tap_row = w.block("for (int ky = 0; ky < {}; ++ky)", a.kernel[0]);
    w.line("const int iy = oy * {} - {} + ky * {};", a.stride[0], a.pads[0], a.dilation[0]);
    w.line("if (iy < 0 || iy >= {}) continue;", x[2]);
    auto tap_column = w.block("for (int kx = 0; kx < {}; ++kx)", a.kernel[1]);
    w.line("const float *restrict xr = xp + iy * {} + kx * {} - {};", x[3], a.dilation[1], a.pads[1]);
    auto column = w.block("for (int ox = col_lo[kx]; ox < col_hi[kx]; ++ox)");
    w.line("const float v = xr[ox * {}];", a.stride[1]);
    w.line("yr[ox] = (v > yr[ox] || v != v) ? v : yr[ox];  /* NaN wins, as in the reference */");
  }
  if (a.activation != Activation::None)
    w.line("for (int ox = 0; ox < {}; ++ox) yr[ox] = {};", y[3], activation_c(a, "yr[ox]"));
}

// The max step: NaN wins, as in the reference (and stays: NaN > v and v != v are false for a NaN m), and the padding's
// -HUGE_VALF never beats a real value.
std::string max_step(const std::string &m, const std::string &v) {
  return fmt::format("{0} = ({1} > {0} || {1} != {1}) ? {1} : {0};", m, v);
}

// avg_pool fallback for row buffers too wide for the stack: one output row at a time, each tap adding into the row
// over compile-time column bounds.
void emit_avg_pool_rows(KernelEmitContext &ctx, const std::vector<std::string> &inv_rows,
                        const std::vector<std::string> &inv_cols) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &y = ctx.graph.shape(ctx.node.output);
  const Attrs &a = ctx.node.attrs;
  CWriter &w = ctx.w;
  emit_tap_columns(w, tap_columns(y[3], x[3], a.kernel[1], a.stride[1], 1, a.pads[1]));
  w.line("static const float inv_rows[{}] = {{{}}};", y[2], fmt::join(inv_rows, ", "));
  w.line("static const float inv_cols[{}] = {{{}}};", y[3], fmt::join(inv_cols, ", "));
  auto plane = w.block("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  w.line("const float *restrict xp = {} + p * {};", ctx.in[0], x[2] * x[3]);
  w.line("float *restrict yp = {} + p * {};", ctx.out, y[2] * y[3]);
  auto row = w.block("for (int oy = 0; oy < {}; ++oy)", y[2]);
  w.line("float *restrict yr = yp + oy * {};", y[3]);
  w.line("for (int ox = 0; ox < {}; ++ox) yr[ox] = 0.0f;", y[3]);
  {
    auto tap_row = w.block("for (int ky = 0; ky < {}; ++ky)", a.kernel[0]);
    w.line("const int iy = oy * {} - {} + ky;", a.stride[0], a.pads[0]);
    w.line("if (iy < 0 || iy >= {}) continue;", x[2]);
    auto tap_column = w.block("for (int kx = 0; kx < {}; ++kx)", a.kernel[1]);
    w.line("const float *restrict xr = xp + iy * {} + kx - {};", x[3], a.pads[1]);
    w.line("for (int ox = col_lo[kx]; ox < col_hi[kx]; ++ox) yr[ox] += xr[ox * {}];", a.stride[1]);
  }
  w.line("for (int ox = 0; ox < {}; ++ox) yr[ox] = {};", y[3],
         activation_c(a, "(yr[ox] * (inv_rows[oy] * inv_cols[ox]))"));
}

}  // namespace

// Separable max_pool: per output row, a vertical pass takes the max of the window's valid input rows into a row
// buffer laid out as the padded input row (padding columns stay -HUGE_VALF), contiguous so it vectorises; a
// horizontal pass takes the max of each window's KW buffer columns (stride and dilation handled there).
void emit_MaxPool(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &y = ctx.graph.shape(ctx.node.output);
  const Attrs &a = ctx.node.attrs;
  CWriter &w = ctx.w;
  const int64_t H = x[2], W = x[3], OH = y[2], OW = y[3], KH = a.kernel[0], KW = a.kernel[1];
  const int64_t SH = a.stride[0], SW = a.stride[1], DH = a.dilation[0], DW = a.dilation[1], PT = a.pads[0];
  const int64_t PL = a.pads[1];
  const int64_t BW = pool_row_buffer_width(W, OW, KW, SW, DW, PL);
  bool partial_rows = false;  // some window has rows outside the input
  for (int64_t o = 0; o < OH; ++o)
    partial_rows |= o * SH - PT < 0 || o * SH - PT + (KH - 1) * DH >= H;
  // Unrolled windows read rows outside the input from a row of -HUGE_VALF (stack: the buffer plus that row).
  const bool unrolled = KH <= kPoolUnrollTaps;
  const bool pad_row = unrolled && partial_rows;
  if (BW + (pad_row ? W : 0) > kPoolRowBufferMax) return emit_max_pool_rows(ctx);
  PoolRowLoops loops = open_pool_rows(ctx, BW, PL, W, pad_row, "-HUGE_VALF", H, OH, OW, SH, PT);
  // Vertical pass. Unrolled: one branch-free sweep over KH row pointers (a per-row branch around the sweep keeps
  // gcc from vectorising it). Taller windows start from -HUGE_VALF and skip the rows outside.
  if (unrolled) {
    for (int64_t k = 0; k < KH; ++k) {
      const std::string iy = fmt::format("(iy0 + {})", k * DH);
      if (pad_row)
        w.line("const float *r{} = {} >= 0 && {} < {} ? xp + {} * {} : pad;", k, iy, iy, H, iy, W);
      else
        w.line("const float *r{} = xp + {} * {};", k, iy, W);
    }
    auto column = w.block("for (int ix = 0; ix < {}; ++ix)", W);
    w.line("float m = r0[ix]{};", KH > 1 ? ", v" : "");
    for (int64_t k = 1; k < KH; ++k) w.line("v = r{}[ix]; {}", k, max_step("m", "v"));
    w.line("b[{} + ix] = m;", PL);
  } else {
    w.line("for (int ix = 0; ix < {}; ++ix) b[{} + ix] = -HUGE_VALF;", W, PL);
    auto tap_row = w.block("for (int ky = 0; ky < {}; ++ky)", KH);
    w.line("const int iy = iy0 + ky * {};", DH);
    w.line("if (iy < 0 || iy >= {}) continue;", H);
    auto column = w.block("for (int ix = 0; ix < {}; ++ix)", W);
    w.line("const float v = xp[iy * {} + ix];", W);
    w.line("{}", max_step(fmt::format("b[{} + ix]", PL), "v"));
  }
  // Horizontal pass: KW taps per output column, then the activation.
  w.line("float *restrict yr = yp + oy * {};", OW);
  auto column = w.block("for (int ox = 0; ox < {}; ++ox)", OW);
  w.line("float m = b[ox * {}];", SW);
  if (KW <= kPoolUnrollTaps) {
    if (KW > 1) w.line("float v;");
    for (int64_t k = 1; k < KW; ++k) w.line("v = b[ox * {} + {}]; {}", SW, k * DW, max_step("m", "v"));
  } else {
    auto taps = w.block("for (int kx = 1; kx < {}; ++kx)", KW);
    w.line("const float v = b[ox * {} + kx * {}];", SW, DW);
    w.line("{}", max_step("m", "v"));
  }
  w.line("yr[ox] = {};", activation_c(a, "m"));
}

// Separable avg_pool: per output row, a vertical pass sums the window's valid input rows into a row buffer laid out
// as the padded input row (padding columns stay 0), contiguous so it vectorises; a horizontal pass sums each
// window's KW buffer columns (stride handled there). The divisor factors into a row count and a column count, both
// known at compile time (windows are rectangles clipped to the padded or the real input).
void emit_AvgPool(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &y = ctx.graph.shape(ctx.node.output);
  const Attrs &a = ctx.node.attrs;
  CWriter &w = ctx.w;
  const int64_t H = x[2], W = x[3], OH = y[2], OW = y[3], KH = a.kernel[0], KW = a.kernel[1];
  const int64_t SH = a.stride[0], SW = a.stride[1], PT = a.pads[0], PL = a.pads[1];
  std::vector<std::string> inv_rows, inv_cols;
  bool partial_rows = false;  // some window has rows outside the input
  for (int64_t o = 0; o < OH; ++o) {
    const ops::WindowSpan s = ops::window_span(o, KH, SH, PT, a.pads[2], H);
    inv_rows.push_back(float_c(1.0 / double(a.count_include_pad ? s.padded : s.hi - s.lo)));
    partial_rows |= s.hi - s.lo != KH;
  }
  for (int64_t o = 0; o < OW; ++o) {
    const ops::WindowSpan s = ops::window_span(o, KW, SW, PL, a.pads[3], W);
    inv_cols.push_back(float_c(1.0 / double(a.count_include_pad ? s.padded : s.hi - s.lo)));
  }
  const int64_t BW = pool_row_buffer_width(W, OW, KW, SW, 1, PL);
  // Unrolled windows read rows outside the input from a zero row (stack: the buffer plus that row).
  const bool unrolled = KH <= kPoolUnrollTaps;
  const bool pad_row = unrolled && partial_rows;
  if (BW + (pad_row ? W : 0) > kPoolRowBufferMax) return emit_avg_pool_rows(ctx, inv_rows, inv_cols);
  // A divisor the same for every row (column) is a literal rather than a table lookup.
  const bool same_rows = std::all_of(inv_rows.begin(), inv_rows.end(), [&](auto &v) { return v == inv_rows[0]; });
  const bool same_cols = std::all_of(inv_cols.begin(), inv_cols.end(), [&](auto &v) { return v == inv_cols[0]; });
  if (!same_rows) w.line("static const float inv_rows[{}] = {{{}}};", OH, fmt::join(inv_rows, ", "));
  if (!same_cols) w.line("static const float inv_cols[{}] = {{{}}};", OW, fmt::join(inv_cols, ", "));
  PoolRowLoops loops = open_pool_rows(ctx, BW, PL, W, pad_row, "0.0f", H, OH, OW, SH, PT);
  // Vertical pass. Unrolled: one branch-free sweep over KH row pointers (a per-row branch around the sweep keeps
  // gcc from vectorising it). Taller windows copy the first valid row and add the others.
  if (unrolled) {
    std::string sum = "r0[ix]";
    for (int64_t k = 0; k < KH; ++k) {
      const std::string iy = fmt::format("(iy0 + {})", k);
      if (pad_row)
        w.line("const float *r{} = {} >= 0 && {} < {} ? xp + {} * {} : pad;", k, iy, iy, H, iy, W);
      else
        w.line("const float *r{} = xp + {} * {};", k, iy, W);
      if (k > 0) sum += fmt::format(" + r{}[ix]", k);
    }
    w.line("for (int ix = 0; ix < {}; ++ix) b[{} + ix] = {};", W, PL, sum);
  } else {
    w.line("const int lo = iy0 < 0 ? 0 : iy0, hi = iy0 + {} < {} ? iy0 + {} : {};", KH, H, KH, H);
    w.line("const float *restrict xr = xp + lo * {};", W);
    w.line("for (int ix = 0; ix < {}; ++ix) b[{} + ix] = xr[ix];", W, PL);
    w.line("for (int r = 1; r < hi - lo; ++r)");
    w.line("  for (int ix = 0; ix < {}; ++ix) b[{} + ix] += xr[r * {} + ix];", W, PL, W);
  }
  // Horizontal pass: KW taps per output column, then the factored divisor and the activation.
  w.line("float *restrict yr = yp + oy * {};", OW);
  w.line("const float ir = {};", same_rows ? inv_rows[0] : "inv_rows[oy]");
  const std::string scale = same_cols ? "(ir * " + inv_cols[0] + ")" : "(ir * inv_cols[ox])";
  auto column = w.block("for (int ox = 0; ox < {}; ++ox)", OW);
  if (KW <= kPoolUnrollTaps) {
    std::string sum = fmt::format("b[ox * {}]", SW);
    for (int64_t k = 1; k < KW; ++k) sum += fmt::format(" + b[ox * {} + {}]", SW, k);
    w.line("const float s = ({}) * {};", sum, scale);
  } else {
    w.line("float s = b[ox * {}];", SW);
    w.line("for (int kx = 1; kx < {}; ++kx) s += b[ox * {} + kx];", KW, SW);
    w.line("s *= {};", scale);
  }
  w.line("yr[ox] = {};", activation_c(a, "s"));
}

void emit_GlobalAvgPool(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]);
  const int64_t plane = x[2] * x[3];
  auto loop = ctx.w.block("for (int p = 0; p < {}; ++p)", x[0] * x[1]);
  ctx.w.line("const float *restrict xp = {} + p * {};", ctx.in[0], plane);
  ctx.w.line("float sum = 0.0f;");
  ctx.w.line("for (int i = 0; i < {}; ++i) sum += xp[i];", plane);
  ctx.w.line("{}[p] = sum * {};", ctx.out, float_c(1.0 / double(plane)));
}

}  // namespace shufflec::kernels
