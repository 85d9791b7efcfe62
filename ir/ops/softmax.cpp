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

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kSoftmaxInfo;
const OpInfo kSoftmaxInfo{OpKind::Softmax, "softmax", {{"x", false, false}}, false, {AttrId::Axis},
                          ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
