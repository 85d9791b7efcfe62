// dequantize: int8 -> float with the input value's parameters (Value::quant). Inserted by the quantize_int8 pass
// before float nodes and the graph output; the identity in the fp32 interpreter (see quantize.cpp).
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  if (g.value(n.output).is_int8() || !g.value(n.inputs[0]).is_int8())
    throw g.error(n, "dequantize nodes are inserted by --quantize int8 (int8 in, float out); a model cannot hold them");
  return in_shape(g, n, 0);
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kDequantizeInfo;
const OpInfo kDequantizeInfo{OpKind::Dequantize, "dequantize", {{"x", false, false}}, false, {},
                             ops::infer, ops::copy_reference, ops::mult_adds, false};
}  // namespace shufflec
