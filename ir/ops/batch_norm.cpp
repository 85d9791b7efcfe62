// batch_norm: inference-form batch normalisation, per channel (axis 1) of a rank >= 2 tensor.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  const Shape &x = in_shape(g, n, 0);
  if (x.rank() < 2) throw g.error(n, fmt::format("input must have rank >= 2, got {}", x.str()));
  static const char *const roles[] = {"", "scale", "bias", "mean", "var"};
  for (size_t i = 1; i < 5; ++i) expect_vector(g, n, i, x[1], roles[i]);
  if (!(n.attrs.epsilon >= 0.0) || !std::isfinite(n.attrs.epsilon))
    throw g.error(n, fmt::format("epsilon must be a finite number >= 0, got {}", n.attrs.epsilon));
  const std::vector<float> &var = g.value(n.inputs[4]).data;
  for (size_t c = 0; c < var.size(); ++c)
    if (!(double(var[c]) + n.attrs.epsilon > 0.0))
      throw g.error(n, fmt::format("var[{}] + epsilon = {} must be > 0", c, double(var[c]) + n.attrs.epsilon));
  return x;
}

void reference(const Graph &, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &s = in[0]->shape;
  const int64_t C = s[1], inner = s.elements() / (s[0] * C);
  const float *x = in[0]->data.data(), *scale = in[1]->data.data(), *bias = in[2]->data.data(),
              *mean = in[3]->data.data(), *var = in[4]->data.data();
  for (int64_t b = 0; b < s[0]; ++b)
    for (int64_t c = 0; c < C; ++c) {
      const double inv = 1.0 / std::sqrt(double(var[c]) + n.attrs.epsilon);
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = (b * C + c) * inner + i;
        out.data[k] = float((double(x[k]) - mean[c]) * inv * scale[c] + bias[c]);
      }
    }
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kBatchNormInfo;
const OpInfo kBatchNormInfo{
    OpKind::BatchNorm, "batch_norm",
    {{"x", false, false}, {"scale", true, false}, {"bias", true, false}, {"mean", true, false}, {"var", true, false}},
    false, {AttrId::Epsilon}, ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
