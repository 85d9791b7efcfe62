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
      out.data[b * M + m] = float(apply_activation(n.attrs, acc));
    }
}

int64_t mult_adds(const Graph &g, const Node &n) {
  return g.shape(n.inputs[0])[0] * g.shape(n.inputs[1])[0] * g.shape(n.inputs[1])[1];
}

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kDenseInfo;
const OpInfo kDenseInfo{OpKind::Dense, "dense",
                        {{"x", false, false}, {"weight", true, false}, {"bias", true, true}}, false, {AttrId::Activation},
                        ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
