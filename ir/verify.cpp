#include "ir/verify.h"

#include <set>

#include "ir/op.h"

namespace shufflec {
namespace {

void check_operands(const Graph &g, const Node &n) {
  const OpInfo &info = op_info(n.op);
  size_t required = 0;
  for (const InputSpec &spec : info.inputs) required += spec.optional ? 0 : 1;
  const size_t max = info.variadic ? SIZE_MAX : info.inputs.size();
  const size_t min = info.variadic ? 2 : required;
  if (n.inputs.size() < min || n.inputs.size() > max) {
    const std::string expected = info.variadic ? "at least 2"
                                 : min == max  ? std::to_string(min)
                                               : fmt::format("{} to {}", min, max);
    throw g.error(n, fmt::format("{} takes {} inputs, got {}", info.name, expected, n.inputs.size()));
  }
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const InputSpec &spec = info.inputs[std::min(i, info.inputs.size() - 1)];
    const Value &v = g.value(n.inputs[i]);
    if (spec.constant && v.kind != ValueKind::Constant)
      throw g.error(n, fmt::format("{} '{}' must be a constant (weights are compiled in)", spec.role, v.name));
    if (!spec.constant && v.kind == ValueKind::Constant)
      throw g.error(n, fmt::format("{} '{}' is a constant; {} expects an activation here", spec.role, v.name,
                                   info.name));
  }
}

}  // namespace

void infer_shapes(Graph &g) {
  for (const Node &n : g.nodes) {
    check_operands(g, n);
    Shape s = op_info(n.op).infer(g, n);
    check_shape_size(g, n, s);
    g.value(n.output).shape = std::move(s);
  }
}

void verify(const Graph &g) {
  const auto valid = [&](ValueId v) { return v >= 0 && static_cast<size_t>(v) < g.values.size(); };
  if (!valid(g.input) || g.value(g.input).kind != ValueKind::Input) throw g.error("graph input is not an input value");
  if (!valid(g.output)) throw g.error("graph output is not a value");
  std::set<std::string> names;
  for (const Value &v : g.values)
    if (!names.insert(v.name).second) throw g.error(fmt::format("name '{}' is defined twice", v.name));
  for (const Value &v : g.values)
    if (v.kind == ValueKind::Constant && static_cast<int64_t>(v.data.size()) != v.shape.elements())
      throw g.error(fmt::format("constant '{}' holds {} values for shape {}", v.name, v.data.size(), v.shape.str()));
  std::set<ValueId> defined{g.input};
  for (ValueId v = 0; static_cast<size_t>(v) < g.values.size(); ++v)
    if (g.value(v).kind == ValueKind::Constant) defined.insert(v);
  for (const Node &n : g.nodes) {
    for (ValueId in : n.inputs) {
      if (!valid(in)) throw g.error(n, "reads a value id out of range");
      if (!defined.count(in)) throw g.error(n, fmt::format("reads '{}' before it is computed", g.value(in).name));
    }
    if (!valid(n.output) || g.value(n.output).kind != ValueKind::Intermediate)
      throw g.error(n, "output is not an intermediate value");
    if (!defined.insert(n.output).second) throw g.error(n, "output is written by two nodes");
    if (g.value(n.output).name != n.name) throw g.error(n, "output value is not named after its node");
    check_operands(g, n);
    const Shape s = op_info(n.op).infer(g, n);
    if (s != g.shape(n.output))
      throw g.error(n, fmt::format("output shape {} differs from the inferred {}", g.shape(n.output).str(), s.str()));
  }
  if (!defined.count(g.output) || g.value(g.output).kind != ValueKind::Intermediate)
    throw g.error("graph output is never computed by a node");
}

}  // namespace shufflec
