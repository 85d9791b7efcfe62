// channel_slice: channels [begin, end) of an [N, C, H, W] tensor (ShuffleNet v2's channel split). With N = 1 the
// range is contiguous, and the memory plan makes the output a view into the input's storage (no code runs); with
// N > 1, or when the output is the graph output, its kernel (targets/codegen/kernels/elementwise.cpp) copies the
// range of each image.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  expect_rank(g, n, 0, 4, "input");
  const Shape &x = in_shape(g, n, 0);
  const int64_t begin = n.attrs.begin, end = n.attrs.end;
  if (begin < 0 || end > x[1] || begin >= end)
    throw g.error(n, fmt::format("channel range [{}, {}) must be non-empty and inside the {} channels of {}", begin,
                                 end, x[1], x.str()));
  return Shape{{x[0], end - begin, x[2], x[3]}};
}

void reference(const Graph &, const Node &n, const std::vector<const Tensor *> &in, Tensor &out) {
  const Shape &s = in[0]->shape;
  const int64_t plane = s[2] * s[3], block = (n.attrs.end - n.attrs.begin) * plane;
  for (int64_t b = 0; b < s[0]; ++b)
    std::copy_n(in[0]->data.begin() + (b * s[1] + n.attrs.begin) * plane, block, out.data.begin() + b * block);
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kChannelSliceInfo;
// aliases_input: the output may be a view of the input (ir/memory_plan.cpp decides; the backend then emits nothing).
const OpInfo kChannelSliceInfo{OpKind::ChannelSlice, "channel_slice", {{"x", false, false}}, false, {AttrId::Begin, AttrId::End},
                               ops::infer, ops::reference, ops::mult_adds, true};
}  // namespace shufflec
