#include "ir/quant/int8_interpreter.h"

#include "ir/quant/fixed_point.h"

namespace shufflec {

Int8Run interpret_int8_all(const Graph &g, const Tensor &input) {
  SHUFFLEC_ASSERT(input.shape == g.shape(g.input) && !g.value(g.input).is_int8());
  Int8Run run;
  run.fp32[g.input] = input;
  for (const Node &n : g.nodes) {
    const Shape &shape = g.shape(n.output);
    const size_t count = static_cast<size_t>(shape.elements());
    if (n.op == OpKind::Quantize) {
      const QuantParams q = *g.value(n.output).quant;
      Int8Tensor out{shape, std::vector<int8_t>(count)};
      const Tensor &x = run.fp32.at(n.inputs[0]);
      for (size_t i = 0; i < count; ++i) out.data[i] = quant::quantize_value(x.data[i], q);
      run.int8[n.output] = std::move(out);
    } else if (n.op == OpKind::Dequantize) {
      const QuantParams q = *g.value(n.inputs[0]).quant;
      Tensor out{shape, std::vector<float>(count)};
      const Int8Tensor &x = run.int8.at(n.inputs[0]);
      for (size_t i = 0; i < count; ++i) out.data[i] = quant::dequantize_value(x.data[i], q);
      run.fp32[n.output] = std::move(out);
    } else if (n.quant) {
      std::vector<const Int8Tensor *> in;
      for (ValueId v : n.inputs) in.push_back(g.is_constant(v) ? nullptr : &run.int8.at(v));
      Int8Tensor out{shape, std::vector<int8_t>(count)};
      int8_reference(g, n, in, out);
      run.int8[n.output] = std::move(out);
    } else {
      std::vector<Tensor> constants;
      constants.reserve(n.inputs.size());
      std::vector<const Tensor *> in;
      for (ValueId v : n.inputs) {
        if (g.is_constant(v)) {
          constants.push_back(Tensor{g.shape(v), g.value(v).data});
          in.push_back(&constants.back());
        } else {
          in.push_back(&run.fp32.at(v));
        }
      }
      Tensor out{shape, std::vector<float>(count)};
      op_info(n.op).reference(g, n, in, out);
      run.fp32[n.output] = std::move(out);
    }
  }
  return run;
}

Tensor interpret_int8(const Graph &g, const Tensor &input) {
  Int8Run run = interpret_int8_all(g, input);
  SHUFFLEC_ASSERT(run.fp32.count(g.output));
  return std::move(run.fp32.at(g.output));
}

}  // namespace shufflec
