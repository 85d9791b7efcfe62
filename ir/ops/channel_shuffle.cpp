// channel_shuffle: the ShuffleNet v1 permutation. With C = groups * n, output channel i*groups + j is input channel
// j*n + i (reshape channels to (groups, n), transpose, flatten).
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  expect_rank(g, n, 0, 4, "input");
  const Shape &x = in_shape(g, n, 0);
  if (n.attrs.groups < 1) throw g.error(n, fmt::format("groups must be >= 1, got {}", n.attrs.groups));
  if (x[1] % n.attrs.groups != 0)
    throw g.error(n, fmt::format("groups {} does not divide the {} channels", n.attrs.groups, x[1]));
  return x;
}

// Input channel read by output channel `out_c`.
int64_t source_channel(int64_t out_c, int64_t channels, int64_t groups) {
  const int64_t per_group = channels / groups;
  return (out_c % groups) * per_group + out_c / groups;
}

void reference(const Graph &, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &s = in[0]->shape;
  const int64_t C = s[1], plane = s[2] * s[3];
  for (int64_t b = 0; b < s[0]; ++b)
    for (int64_t oc = 0; oc < C; ++oc) {
      const int64_t ic = source_channel(oc, C, n.attrs.groups);
      std::copy_n(in[0]->data.begin() + (b * C + ic) * plane, plane, out.data.begin() + (b * C + oc) * plane);
    }
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kChannelShuffleInfo;
const OpInfo kChannelShuffleInfo{OpKind::ChannelShuffle, "channel_shuffle", {{"x", false, false}}, false, {AttrId::Groups},
                                 ops::infer, ops::reference, ops::mult_adds, false};
}  // namespace shufflec
