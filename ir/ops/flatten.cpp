// flatten: [N, d1, d2, ...] -> [N, d1*d2*...]. The same bytes reinterpreted: the memory plan aliases the output to
// the input, so the emitter only copies when the two live in different buffers.
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  if (n.attrs.axis != 1) throw g.error(n, fmt::format("axis must be 1, got {}", n.attrs.axis));
  const Shape &x = in_shape(g, n, 0);
  if (x.rank() < 2) throw g.error(n, fmt::format("input must have rank >= 2, got {}", x.str()));
  return Shape{{x[0], x.elements() / x[0]}};
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kFlattenInfo;
const OpInfo kFlattenInfo{OpKind::Flatten, "flatten", {{"x", false, false}}, false, {AttrId::Axis},
                          ops::infer, ops::copy_reference, ops::mult_adds, true};
}  // namespace shufflec
