// quantize: float -> int8 with the output value's parameters (Value::quant). Inserted by the quantize_int8 pass
// (compiler/quantize/), never written in a model. Its integer meaning is the int8 interpreter's
// (ir/quant/int8_interpreter.cpp); in the fp32 interpreter it is the identity, so the fp32 meaning of a quantized
// graph stays the model's (the reference every int8 result is measured against).
#include "ir/ops/common.h"

namespace shufflec::ops {
namespace {

Shape infer(const Graph &g, const Node &n) {
  if (!g.value(n.output).is_int8() || g.value(n.inputs[0]).is_int8())
    throw g.error(n, "quantize nodes are inserted by --quantize int8 (float in, int8 out); a model cannot hold them");
  return in_shape(g, n, 0);
}

int64_t mult_adds(const Graph &, const Node &) { return 0; }

}  // namespace
}  // namespace shufflec::ops

namespace shufflec {
extern const OpInfo kQuantizeInfo;
const OpInfo kQuantizeInfo{OpKind::Quantize, "quantize", {{"x", false, false}}, false, {},
                           ops::infer, ops::copy_reference, ops::mult_adds, false};
}  // namespace shufflec
