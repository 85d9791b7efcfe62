#include "compiler/info.h"

#include <set>

#include "ir/memory_plan.h"
#include "ir/op.h"

namespace shufflec {

namespace {
int64_t node_parameters(const Graph &g, const Node &n) {
  int64_t p = 0;
  for (ValueId v : n.inputs)
    if (g.is_constant(v)) p += g.shape(v).elements();
  return p;
}
}  // namespace

ModelCost model_cost(const Graph &g) {
  ModelCost c;
  std::set<ValueId> counted;
  for (const Node &n : g.nodes) {
    c.mult_adds += op_info(n.op).mult_adds(g, n);
    for (ValueId v : n.inputs)
      if (g.is_constant(v) && counted.insert(v).second) c.parameters += g.shape(v).elements();
  }
  return c;
}

std::string info_table(const Graph &g) {
  std::string out = fmt::format("model '{}' ({})\ninput '{}' {}\n\n", g.name, g.source, g.value(g.input).name,
                                g.shape(g.input).str());
  out += fmt::format("{:<28} {:<16} {:<20} {:>14} {:>12}\n", "layer", "op", "output", "mult-adds", "params");
  for (const Node &n : g.nodes)
    out += fmt::format("{:<28} {:<16} {:<20} {:>14} {:>12}\n", n.name, op_name(n.op), g.shape(n.output).str(),
                       op_info(n.op).mult_adds(g, n), node_parameters(g, n));
  const ModelCost c = model_cost(g);
  const MemoryPlan plan = plan_memory(g);
  out += fmt::format("\ntotal: {:.2f} MFLOPs (mult-adds of convolutions and fully connected layers, as Megvii counts "
                     "them), {:.3f} M parameters ({:.2f} MB as float32)\n",
                     double(c.mult_adds) / 1e6, double(c.parameters) / 1e6, double(c.parameters) * 4 / 1e6);
  out += fmt::format("activation arena: {} bytes (liveness lower bound {} bytes)\n", plan.arena_bytes(),
                     plan.lower_bound_floats * 4);
  return out;
}

}  // namespace shufflec
