#include "compiler/info.h"

#include <set>

#include <nlohmann/json.hpp>

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
    if (n.op == OpKind::Conv2d) c.conv_mult_adds += op_info(n.op).mult_adds(g, n);
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
  out += fmt::format("\ntotal: {:.2f} MFLOPs (FLOPs = mult-adds, as Megvii counts them, of convolutions and fully "
                     "connected layers), {:.3f} M parameters ({:.2f} MB as float32)\n",
                     double(c.mult_adds) / 1e6, double(c.parameters) / 1e6, double(c.parameters) * 4 / 1e6);
  out += fmt::format("convolutions alone: {:.2f} MFLOPs (the count of the ShuffleNet paper's Table 1, which leaves out "
                     "the final FC layer)\n",
                     double(c.conv_mult_adds) / 1e6);
  out += fmt::format("activation arena of the graph as written, before the passes: {} bytes (liveness lower bound {} "
                     "bytes; `info --memory` shows the compiled plan)\n",
                     plan.arena_bytes(),
                     plan.lower_bound_floats * 4);
  return out;
}

namespace {

std::string storage_name(StorageKind k) {
  switch (k) {
    case StorageKind::GraphInput: return "input";
    case StorageKind::GraphOutput: return "output";
    case StorageKind::Arena: return "arena";
    case StorageKind::Constant: return "weights";
  }
  return "?";
}

// Why a value's bytes are where they are, for people reading the plan.
std::string placement(const Graph &g, const MemoryPlan &plan, ValueId v) {
  const Storage &s = plan.values[static_cast<size_t>(v)];
  if (s.alias_of == kNoValue) return "";
  const Node *p = nullptr;
  for (const Node &n : g.nodes)
    if (n.output == v) p = &n;
  if (p && p->op == OpKind::ChannelSlice)
    return fmt::format("in place: channels [{}, {}) of '{}'", p->attrs.begin, p->attrs.end, g.value(s.alias_of).name);
  if (p && op_info(p->op).aliases_input) return fmt::format("in place: reinterprets '{}'", g.value(s.alias_of).name);
  return fmt::format("in place: channel slice of '{}' at +{} {}", g.value(s.alias_of).name, s.alias_offset,
                     plan.unit_bytes == 4 ? "floats" : "bytes");
}

}  // namespace

std::string memory_table(const Graph &g, const MemoryPlan &plan) {
  std::string out = fmt::format("memory plan of '{}' after the passes ({} nodes)\n\n", g.name, g.nodes.size());
  out += fmt::format("{:<32} {:<7} {:>10} {:>10} {:>6} {:>6}  {}\n", "tensor", "where", "offset", "bytes", "first",
                     "last", "notes");
  for (const Node &n : g.nodes) {
    const Storage &s = plan.values[static_cast<size_t>(n.output)];
    out += fmt::format("{:<32} {:<7} {:>10} {:>10} {:>6} {:>6}  {}\n", n.name, storage_name(s.kind),
                       s.offset * plan.unit_bytes, s.size * plan.unit_bytes, s.first_use, s.last_use,
                       placement(g, plan, n.output));
    const Storage &ws = plan.workspaces[static_cast<size_t>(s.first_use)];
    if (ws.size > 0)
      out += fmt::format("{:<32} {:<7} {:>10} {:>10} {:>6} {:>6}  {}\n", "  (scratch)", "arena",
                         ws.offset * plan.unit_bytes, ws.size * plan.unit_bytes, ws.first_use, ws.last_use,
                         "the kernel's packed input panel");
  }
  out += fmt::format("\narena: {} bytes; liveness lower bound: {} bytes ({:.1f}% above)\n", plan.arena_bytes(),
                     plan.lower_bound_floats * plan.unit_bytes,
                     plan.lower_bound_floats ? 100.0 * double(plan.arena_floats - plan.lower_bound_floats) /
                                                   double(plan.lower_bound_floats)
                                             : 0.0);
  if (plan.peak_node >= 0) {
    std::vector<std::string> live;
    for (size_t v = 0; v < plan.values.size(); ++v) {
      const Storage &s = plan.values[v];
      if (s.kind == StorageKind::Arena && s.alias_of == kNoValue && s.first_use <= plan.peak_node &&
          plan.peak_node <= s.last_use && s.first_use >= 0)
        live.push_back(fmt::format("{} ({} bytes)", g.values[v].name, s.size * plan.unit_bytes));
    }
    if (const Storage &ws = plan.workspaces[static_cast<size_t>(plan.peak_node)]; ws.size > 0)
      live.push_back(fmt::format("scratch ({} bytes)", ws.size * plan.unit_bytes));
    out += fmt::format("peak at step {} ('{}'), live: {}\n", plan.peak_node,
                       g.nodes[static_cast<size_t>(plan.peak_node)].name, fmt::join(live, ", "));
  }
  return out;
}

std::string memory_plan_json(const Graph &g, const MemoryPlan &plan, const std::vector<TapPoint> *taps,
                             const Footprint *footprint) {
  nlohmann::ordered_json j;
  j["model"] = g.name;
  j["arena_bytes"] = plan.arena_bytes();
  j["lower_bound_bytes"] = plan.lower_bound_floats * plan.unit_bytes;
  j["peak_step"] = plan.peak_node;
  j["peak_layer"] = plan.peak_node >= 0 ? g.nodes[static_cast<size_t>(plan.peak_node)].name : "";
  if (footprint) j["footprint"] = footprint_json(g, *footprint);
  nlohmann::ordered_json tensors = nlohmann::ordered_json::array();
  for (const Node &n : g.nodes) {
    const Storage &s = plan.values[static_cast<size_t>(n.output)];
    nlohmann::ordered_json t;
    t["name"] = n.name;
    t["storage"] = storage_name(s.kind);
    t["offset_bytes"] = s.offset * plan.unit_bytes;
    t["bytes"] = s.size * plan.unit_bytes;
    t["first_use"] = s.first_use;
    t["last_use"] = s.last_use;
    if (s.alias_of != kNoValue) t["in_place"] = placement(g, plan, n.output);
    if (const Storage &ws = plan.workspaces[static_cast<size_t>(s.first_use)]; ws.size > 0)
      t["scratch"] = {{"offset_bytes", ws.offset * plan.unit_bytes}, {"bytes", ws.size * plan.unit_bytes}};
    tensors.push_back(t);
  }
  j["tensors"] = tensors;
  if (taps) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const TapPoint &t : *taps)
      list.push_back({{"index", t.index}, {"source_node", t.source}, {"shape", t.shape.dims},
                      {"after_layer", g.nodes[t.node].name}, {"unpermuted", !t.channel_map.empty()}});
    j["taps"] = list;
  }
  return j.dump(1) + "\n";
}

}  // namespace shufflec
