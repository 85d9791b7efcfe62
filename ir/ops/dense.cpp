// dense: fully connected layer, Y = X W^T + B (PyTorch nn.Linear layout), optional fused activation.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  expect_rank(g, n, 0, 2, "input");
  expect_rank(g, n, 1, 2, "weight");
  const Shape &x = in_shape(g, n, 0), &w = in_shape(g, n, 1);
  if (w[1] != x[1])
    throw g.error(n, fmt::format("weight {} expects {} input features, but the input {} has {}", w.str(), w[1],
                                 x.str(), x[1]));
  if (n.inputs.size() > 2) expect_vector(g, n, 2, w[0], "bias");
  return Shape{{x[0], w[0]}};
}

void reference(const Graph &, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const int64_t N = in[0]->shape[0], K = in[0]->shape[1], M = in[1]->shape[0];
  for (int64_t b = 0; b < N; ++b)
    for (int64_t m = 0; m < M; ++m) {
      double acc = in.size() > 2 ? in[2]->data[m] : 0.0;
      for (int64_t k = 0; k < K; ++k) acc += double(in[0]->data[b * K + k]) * in[1]->data[m * K + k];
      out.data[b * M + m] = float(apply_activation(n.attrs.activation, acc));
    }
}

// The layer streams its weight matrix once, so it runs at memory speed if it keeps enough loads in flight: four
// weight rows at a time (four streams, each input load serving four rows), sixteen independent partial sums per
// row (two vectors' worth: no reassociation of float adds is needed to vectorise, and no add waits on another).
void emit_rows(CWriter &cw, const KernelEmitContext &ctx, int64_t rows, int64_t K, int64_t M) {
  const int64_t K16 = K / 16 * 16;
  cw.line("const float *restrict wr = {} + m * {};", ctx.in[1], K);
  cw.line("float part[{}][16];", rows);
  cw.line("for (int r = 0; r < {}; ++r) for (int j = 0; j < 16; ++j) part[r][j] = 0.0f;", rows);
  cw.line("for (int k = 0; k < {}; k += 16) for (int r = 0; r < {}; ++r) for (int j = 0; j < 16; ++j) "
          "part[r][j] += xr[k + j] * wr[r * {} + k + j];",
          K16, rows, K);
  cw.open("for (int r = 0; r < {}; ++r)", rows);
  cw.line("float acc = {};", ctx.node.inputs.size() > 2 ? ctx.in[2] + "[m + r]" : "0.0f");
  if (K16 < K) cw.line("for (int k = {}; k < {}; ++k) acc += xr[k] * wr[r * {} + k];", K16, K, K);
  cw.line("for (int j = 0; j < 8; ++j) part[r][j] += part[r][j + 8];");
  cw.line("acc += ((part[r][0] + part[r][1]) + (part[r][2] + part[r][3])) + "
          "((part[r][4] + part[r][5]) + (part[r][6] + part[r][7]));");
  cw.line("{}[n * {} + m + r] = {};", ctx.out, M, activation_c(ctx.node.attrs.activation, "acc"));
  cw.close();
}

void emit_c(KernelEmitContext &ctx) {
  const Shape &x = ctx.graph.shape(ctx.node.inputs[0]), &w = ctx.graph.shape(ctx.node.inputs[1]);
  const int64_t N = x[0], K = x[1], M = w[0], M4 = M / 4 * 4;
  CWriter &cw = ctx.w;
  cw.open("for (int n = 0; n < {}; ++n)", N);
  cw.line("const float *restrict xr = {} + n * {};", ctx.in[0], K);
  if (M4 > 0) {
    cw.open("for (int m = 0; m < {}; m += 4)", M4);
    emit_rows(cw, ctx, 4, K, M);
    cw.close();
  }
  if (M4 < M) {
    cw.open("for (int m = {}; m < {}; ++m)", M4, M);
    emit_rows(cw, ctx, 1, K, M);
    cw.close();
  }
  cw.close();
}

int64_t mult_adds(const Graph &g, const Node &n) {
  return g.shape(n.inputs[0])[0] * g.shape(n.inputs[1])[0] * g.shape(n.inputs[1])[1];
}

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kDenseInfo;
const OpInfo kDenseInfo{OpKind::Dense, "dense",
                        {{"x", false, false}, {"weight", true, false}, {"bias", true, true}}, false, {"activation"},
                        ops::infer, ops::reference, ops::emit_c, ops::mult_adds, false};
}  // namespace shufflec
