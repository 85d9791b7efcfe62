#include "ir/graph.h"

#include <algorithm>
#include <map>
#include <set>

#include "ir/op.h"

namespace shufflec {

#define SHUFFLEC_OP(id, json_name) extern const OpInfo k##id##Info;
#include "ir/ops.def"

const OpInfo &op_info(OpKind kind) {
  static const OpInfo *const table[] = {
#define SHUFFLEC_OP(id, json_name) &k##id##Info,
#include "ir/ops.def"
  };
  const auto index = static_cast<size_t>(kind);
  SHUFFLEC_ASSERT(index < std::size(table) && table[index]->kind == kind);
  return *table[index];
}

std::string_view op_name(OpKind kind) {
  static constexpr std::string_view names[] = {
#define SHUFFLEC_OP(id, json_name) json_name,
#include "ir/ops.def"
  };
  return names[static_cast<size_t>(kind)];
}

std::optional<OpKind> op_from_name(std::string_view name) {
  for (int i = 0; i < kOpCount; ++i)
    if (op_name(static_cast<OpKind>(i)) == name) return static_cast<OpKind>(i);
  return std::nullopt;
}

std::string_view activation_name(Activation a) {
  switch (a) {
    case Activation::None: return "none";
    case Activation::Relu: return "relu";
    case Activation::Relu6: return "relu6";
  }
  return "?";
}

int64_t Shape::elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;  // shapes are bounded by check_shape_size before anyone asks
  return n;
}

std::string Shape::str() const { return fmt::format("[{}]", fmt::join(dims, ", ")); }

void check_shape_size(const Graph &g, const Node &n, const Shape &s) {
  int64_t count = 1;
  for (int64_t d : s.dims) {
    if (d < 1) throw g.error(n, fmt::format("dimension {} in shape {} must be >= 1", d, s.str()));
    if (d > kMaxElements || count > kMaxElements / d)
      throw g.error(n, fmt::format("tensor of shape {} is absurdly large (more than 2^31 - 1 elements)", s.str()));
    count *= d;
  }
}

ValueId Graph::add_value(Value v) {
  values.push_back(std::move(v));
  return static_cast<ValueId>(values.size() - 1);
}

std::optional<ValueId> Graph::find_value(std::string_view n) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == n) return static_cast<ValueId>(i);
  return std::nullopt;
}

std::optional<NodeId> Graph::producer(ValueId id) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].output == id) return static_cast<NodeId>(i);
  return std::nullopt;
}

std::vector<NodeId> Graph::consumers(ValueId id) const {
  std::vector<NodeId> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (std::find(nodes[i].inputs.begin(), nodes[i].inputs.end(), id) != nodes[i].inputs.end())
      out.push_back(static_cast<NodeId>(i));
  return out;
}

void topo_sort(Graph &g) {
  // Kahn's algorithm, always taking the earliest ready node so a file already in order keeps its order.
  std::map<ValueId, size_t> producer_of;
  for (size_t i = 0; i < g.nodes.size(); ++i) producer_of[g.nodes[i].output] = i;
  std::vector<size_t> pending(g.nodes.size(), 0);
  std::vector<std::vector<size_t>> users(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (ValueId in : g.nodes[i].inputs)
      if (auto it = producer_of.find(in); it != producer_of.end()) {
        ++pending[i];
        users[it->second].push_back(i);
      }
  std::set<size_t> ready;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (pending[i] == 0) ready.insert(i);
  std::vector<Node> sorted;
  sorted.reserve(g.nodes.size());
  while (!ready.empty()) {
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    sorted.push_back(g.nodes[i]);
    for (size_t u : users[i])
      if (--pending[u] == 0) ready.insert(u);
  }
  if (sorted.size() != g.nodes.size()) {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (pending[i] != 0) throw g.error(g.nodes[i], "is part of a cycle (the graph must be acyclic)");
  }
  g.nodes = std::move(sorted);
}

bool remove_dead_code(Graph &g) {
  bool changed = false;
  for (bool again = true; again;) {
    again = false;
    std::set<ValueId> used{g.output};
    for (const Node &n : g.nodes) used.insert(n.inputs.begin(), n.inputs.end());
    auto dead = [&](const Node &n) { return !used.count(n.output); };
    if (std::any_of(g.nodes.begin(), g.nodes.end(), dead)) {
      std::erase_if(g.nodes, dead);
      again = changed = true;
    }
  }
  return changed;
}

std::string print_graph(const Graph &g) {
  std::string out = fmt::format("graph '{}'\n  input %{} {}\n", g.name, g.value(g.input).name, g.shape(g.input).str());
  for (const Node &n : g.nodes) {
    const OpInfo &info = op_info(n.op);
    std::vector<std::string> ins, attrs;
    for (ValueId v : n.inputs) ins.push_back((g.is_constant(v) ? "@" : "%") + g.value(v).name);
    const Attrs &a = n.attrs;
    for (std::string_view key : info.attrs) {
      if (key == "stride") attrs.push_back(fmt::format("stride={}", fmt::join(a.stride, "x")));
      if (key == "kernel") attrs.push_back(fmt::format("kernel={}", fmt::join(a.kernel, "x")));
      if (key == "dilation" && a.dilation != std::array<int64_t, 2>{1, 1})
        attrs.push_back(fmt::format("dilation={}", fmt::join(a.dilation, "x")));
      if (key == "pads") attrs.push_back(fmt::format("pads={}", fmt::join(a.pads, ",")));
      if (key == "groups") attrs.push_back(fmt::format("groups={}", a.groups));
      if (key == "activation" && a.activation != Activation::None)
        attrs.push_back(fmt::format("activation={}", activation_name(a.activation)));
      if (key == "epsilon") attrs.push_back(fmt::format("epsilon={}", a.epsilon));
      if (key == "begin") attrs.push_back(fmt::format("channels=[{},{})", a.begin, a.end));
      if (key == "ceil_mode" && a.ceil_mode) attrs.push_back("ceil_mode");
      if (key == "count_include_pad") attrs.push_back(fmt::format("count_include_pad={}", a.count_include_pad));
    }
    // Decisions made by passes.
    if (!a.out_channel_map.empty()) {
      const size_t shown = std::min<size_t>(a.out_channel_map.size(), 8);
      attrs.push_back(fmt::format("out_channel_map=[{}{}]",
                                  fmt::join(a.out_channel_map.begin(), a.out_channel_map.begin() + long(shown), ","),
                                  shown < a.out_channel_map.size() ? ",..." : ""));
    }
    if (a.tile[0] > 0) attrs.push_back(fmt::format("tile={}x{}/{}", a.tile[0], a.tile[1], a.tile[2]));
    if (a.blocking[0] > 0)
      attrs.push_back(fmt::format("blocking=k{}/mc{}/slab{}{}", a.blocking[0], a.blocking[1], a.blocking[2],
                                  a.blocking[3] ? "/packed" : ""));
    if (a.in_place) attrs.push_back("in_place");
    out += fmt::format("  %{} {} = {}({}){}{}\n", n.name, g.shape(n.output).str(), info.name, fmt::join(ins, ", "),
                       attrs.empty() ? "" : " ", fmt::join(attrs, " "));
  }
  out += fmt::format("  output %{}\n", g.value(g.output).name);
  return out;
}

}  // namespace shufflec
