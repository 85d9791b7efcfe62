// dense: the fully connected layer's kernel.
#include "targets/codegen/c_text.h"
#include "targets/codegen/kernel_table.h"

namespace shufflec::kernels {
namespace {

// The layer streams its weight matrix once, so it runs at memory speed if it keeps enough loads in flight: four
// weight rows at a time (four streams, each input load serving four rows), sixteen independent partial sums per
// row (two vectors' worth: no reassociation of float adds is needed to vectorise, and no add waits on another).
// Reads the locals n, xr (the input row) and m (the first weight row) its caller declared.
void emit_rows(CWriter &cw, const KernelEmitContext &ctx, int64_t rows, int64_t K, int64_t M) {
  const int64_t K16 = K / 16 * 16;
  cw.line("const float *restrict wr = {} + m * {};", ctx.in[1], K);
  cw.line("float part[{}][16];", rows);
  cw.line("for (int r = 0; r < {}; ++r) for (int j = 0; j < 16; ++j) part[r][j] = 0.0f;", rows);
  cw.line("for (int k = 0; k < {}; k += 16) for (int r = 0; r < {}; ++r) for (int j = 0; j < 16; ++j) "
          "part[r][j] += xr[k + j] * wr[r * {} + k + j];",
          K16, rows, K);
  auto row = cw.block("for (int r = 0; r < {}; ++r)", rows);
  cw.line("float acc = {};", ctx.node.inputs.size() > 2 ? ctx.in[2] + "[m + r]" : "0.0f");
  if (K16 < K) cw.line("for (int k = {}; k < {}; ++k) acc += xr[k] * wr[r * {} + k];", K16, K, K);
  cw.line("for (int j = 0; j < 8; ++j) part[r][j] += part[r][j + 8];");
  cw.line("acc += ((part[r][0] + part[r][1]) + (part[r][2] + part[r][3])) + "
          "((part[r][4] + part[r][5]) + (part[r][6] + part[r][7]));");
  cw.line("{}[n * {} + m + r] = {};", ctx.out, M, activation_c(ctx.node.attrs, "acc"));
}

}  // namespace

void emit_Dense(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &w = ctx.graph.shape(ctx.node.inputs[1]);
  const int64_t N = x[0], K = x[1], M = w[0], M4 = M / 4 * 4;
  CWriter &cw = ctx.w;
  auto batch = cw.block("for (int n = 0; n < {}; ++n)", N);
  cw.line("const float *restrict xr = {} + n * {};", ctx.in[0], K);
  if (M4 > 0) {
    auto rows = cw.block("for (int m = 0; m < {}; m += 4)", M4);
    emit_rows(cw, ctx, 4, K, M);
  }
  if (M4 < M) {
    auto rows = cw.block("for (int m = {}; m < {}; ++m)", M4, M);
    emit_rows(cw, ctx, 1, K, M);
  }
}

}  // namespace shufflec::kernels
