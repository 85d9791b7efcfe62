// softmax: over axis 1 of an [N, K] tensor, computed as exp(x - max) / sum for stability.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  if (n.attrs.axis != 1) throw g.error(n, fmt::format("axis must be 1, got {}", n.attrs.axis));
  expect_rank(g, n, 0, 2, "input");
  return in_shape(g, n, 0);
}

void reference(const Graph &, const Node &, const std::vector<const Tensor *> &in, Tensor &out) {
  const int64_t N = in[0]->shape[0], K = in[0]->shape[1];
  for (int64_t b = 0; b < N; ++b) {
    const float *x = in[0]->data.data() + b * K;
    double mx = x[0], sum = 0.0;
    for (int64_t k = 1; k < K; ++k) mx = std::max<double>(mx, x[k]);
    for (int64_t k = 0; k < K; ++k) sum += std::exp(double(x[k]) - mx);
    for (int64_t k = 0; k < K; ++k) out.data[b * K + k] = float(std::exp(double(x[k]) - mx) / sum);
  }
}

void emit_c(KernelEmitContext &ctx) {
  const Shape &s = ctx.graph.shape(ctx.node.inputs[0]);
  CWriter &w = ctx.w;
  w.open("for (int n = 0; n < {}; ++n)", s[0]);
  w.line("const float *restrict xr = {} + n * {};", ctx.in[0], s[1]);
  w.line("float *restrict yr = {} + n * {};", ctx.out, s[1]);
  w.line("float mx = xr[0], sum = 0.0f;");
  w.line("for (int k = 1; k < {}; ++k) mx = xr[k] > mx ? xr[k] : mx;", s[1]);
  w.line("for (int k = 0; k < {}; ++k) {{ yr[k] = expf(xr[k] - mx); sum += yr[k]; }}", s[1]);
  w.line("for (int k = 0; k < {}; ++k) yr[k] /= sum;", s[1]);
  w.close();
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kSoftmaxInfo;
const OpInfo kSoftmaxInfo{OpKind::Softmax, "softmax", {{"x", false, false}}, false, {"axis"},
                          ops::infer, ops::reference, ops::emit_c, ops::mult_adds, false};
}  // namespace shufflec
