#include "ir/interpreter.h"

namespace shufflec {

std::map<ValueId, Tensor> interpret_all(const Graph &g, const Tensor &input) {
  SHUFFLEC_ASSERT(input.shape == g.shape(g.input));
  SHUFFLEC_ASSERT(static_cast<int64_t>(input.data.size()) == input.shape.elements());
  std::map<ValueId, Tensor> values;
  values[g.input] = input;
  auto operand = [&](ValueId id) -> const Tensor & {
    if (g.is_constant(id) && !values.count(id)) values[id] = Tensor{g.shape(id), g.value(id).data};
    return values.at(id);
  };
  for (const Node &n : g.nodes) {
    std::vector<const Tensor *> in;
    for (ValueId v : n.inputs) in.push_back(&operand(v));
    Tensor out{g.shape(n.output), std::vector<float>(static_cast<size_t>(g.shape(n.output).elements()))};
    op_info(n.op).reference(g, n, in, out);
    values[n.output] = std::move(out);
  }
  return values;
}

Tensor interpret(const Graph &g, const Tensor &input) {
  auto values = interpret_all(g, input);
  return std::move(values.at(g.output));
}

}  // namespace shufflec
