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

std::string_view attr_name(AttrId id) {
  switch (id) {
#define SHUFFLEC_ATTR(id, field, kind, print) \
  case AttrId::id: return #field;
#include "ir/attributes.def"
  }
  return "";
}

std::optional<AttrId> attr_from_name(std::string_view name) {
#define SHUFFLEC_ATTR(id, field, kind, print) \
  if (name == #field) return AttrId::id;
#include "ir/attributes.def"
  return std::nullopt;
}

std::string_view activation_name(Activation a) {
  switch (a) {
    case Activation::None: return "none";
    case Activation::Relu: return "relu";
    case Activation::Relu6: return "relu6";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::HardSigmoid: return "hard_sigmoid";
    case Activation::HardSwish: return "hard_swish";
    case Activation::Silu: return "silu";
  }
  return "?";
}

std::optional<Activation> activation_from_name(std::string_view name) {
  for (Activation a : {Activation::None, Activation::Relu, Activation::Relu6, Activation::Sigmoid,
                       Activation::HardSigmoid, Activation::HardSwish, Activation::Silu})
    if (activation_name(a) == name) return a;
  return std::nullopt;
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
  // Values are only appended and never renamed, so the index catches up with the new tail; the first value of a
  // name wins, as a scan would find it. A hit is checked against the vector, and a shrunk vector is reindexed.
  if (names_indexed_ > values.size()) name_index_.clear(), names_indexed_ = 0;
  for (; names_indexed_ < values.size(); ++names_indexed_)
    name_index_.emplace(values[names_indexed_].name, static_cast<ValueId>(names_indexed_));
  auto it = name_index_.find(n);
  if (it == name_index_.end()) return std::nullopt;
  if (values[static_cast<size_t>(it->second)].name == n) return it->second;
  name_index_.clear(), names_indexed_ = 0;  // a value was renamed after all: reindex
  return find_value(n);
}

std::optional<NodeId> Graph::producer(ValueId id) const {
  if (id < 0 || static_cast<size_t>(id) >= values.size()) return std::nullopt;
  // Only intermediates are computed by nodes (verify() checks it); the graph input and constants have no producer.
  if (values[static_cast<size_t>(id)].kind != ValueKind::Intermediate) return std::nullopt;
  // Passes move and remove nodes: a cached index is used only while that node still writes the value; otherwise the
  // index is rebuilt (once per change, not once per lookup).
  const auto cached = [&]() -> std::optional<NodeId> {
    if (static_cast<size_t>(id) >= producer_index_.size()) return std::nullopt;
    const NodeId i = producer_index_[static_cast<size_t>(id)];
    if (i < 0 || static_cast<size_t>(i) >= nodes.size() || nodes[static_cast<size_t>(i)].output != id) return std::nullopt;
    return i;
  };
  if (auto i = cached()) return i;
  producer_index_.assign(values.size(), -1);
  for (size_t i = nodes.size(); i-- > 0;) {  // backwards, so the first node writing a value wins, as a scan finds it
    const ValueId out = nodes[i].output;
    if (out >= 0 && static_cast<size_t>(out) < values.size()) producer_index_[static_cast<size_t>(out)] = static_cast<NodeId>(i);
  }
  return cached();
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
  // One sweep back from the graph output marks every node it depends on (the graph is acyclic: topo_sort ran).
  // Repeatedly dropping nodes nobody reads gives the same set but needs one round per link of a dead chain.
  // Ids out of range are left for verify() to report.
  const auto valid = [&](ValueId v) { return v >= 0 && static_cast<size_t>(v) < g.values.size(); };
  std::vector<NodeId> producer_of(g.values.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (valid(g.nodes[i].output)) producer_of[static_cast<size_t>(g.nodes[i].output)] = static_cast<NodeId>(i);
  std::vector<char> live(g.nodes.size(), 0);
  std::vector<ValueId> pending{g.output};
  while (!pending.empty()) {
    const ValueId v = pending.back();
    pending.pop_back();
    if (!valid(v)) continue;
    const NodeId p = producer_of[static_cast<size_t>(v)];
    if (p < 0 || live[static_cast<size_t>(p)]) continue;
    live[static_cast<size_t>(p)] = 1;
    const Node &n = g.nodes[static_cast<size_t>(p)];
    pending.insert(pending.end(), n.inputs.begin(), n.inputs.end());
  }
  size_t kept = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (live[i]) {
      if (kept != i) g.nodes[kept] = std::move(g.nodes[i]);
      ++kept;
    }
  const bool changed = kept != g.nodes.size();
  g.nodes.resize(kept);
  return changed;
}

namespace {

std::string attr_text(const std::array<int64_t, 2> &v) { return fmt::format("{}", fmt::join(v, "x")); }
std::string attr_text(const std::array<int64_t, 4> &v) { return fmt::format("{}", fmt::join(v, ",")); }
std::string attr_text(int64_t v) { return fmt::to_string(v); }
std::string attr_text(double v) { return fmt::to_string(v); }
std::string attr_text(bool v) { return v ? "true" : "false"; }
std::string attr_text(Activation v) { return std::string(activation_name(v)); }

// "name=value", for the attributes ir/attributes.def prints always or when they differ from their default.
void print_attr(AttrId id, const Attrs &a, std::vector<std::string> &out) {
  static const Attrs defaults;
  switch (id) {
#define SHUFFLEC_ATTR(id, field, kind, print)                                                      \
  case AttrId::id:                                                                                 \
    if (std::string_view(#print) == "Always" || a.field != defaults.field)                         \
      out.push_back(fmt::format("{}={}", #field, attr_text(a.field)));                             \
    return;
#include "ir/attributes.def"
  }
}

}  // namespace

std::string print_graph(const Graph &g) {
  std::string out = fmt::format("graph '{}'\n  input %{} {}\n", g.name, g.value(g.input).name, g.shape(g.input).str());
  for (const Node &n : g.nodes) {
    const OpInfo &info = op_info(n.op);
    std::vector<std::string> ins, attrs;
    for (ValueId v : n.inputs) ins.push_back((g.is_constant(v) ? "@" : "%") + g.value(v).name);
    const Attrs &a = n.attrs;
    for (AttrId id : info.attrs) print_attr(id, a, attrs);
    // Decisions made by passes.
    if (!a.out_channel_map.empty()) {
      const size_t shown = std::min<size_t>(a.out_channel_map.size(), 8);
      attrs.push_back(fmt::format("out_channel_map=[{}{}]",
                                  fmt::join(a.out_channel_map.begin(), a.out_channel_map.begin() + long(shown), ","),
                                  shown < a.out_channel_map.size() ? ",..." : ""));
    }
    if (n.schedule) attrs.push_back("schedule=" + describe(*n.schedule));
    if (a.in_place) attrs.push_back("in_place");
    // A hard_sigmoid fused into its producer (fuse_activation) carries the slope and offset the op had.
    const bool lists_alpha = std::find(info.attrs.begin(), info.attrs.end(), AttrId::Alpha) != info.attrs.end();
    if (a.activation == Activation::HardSigmoid && !lists_alpha)
      attrs.push_back(fmt::format("alpha={} beta={}", attr_text(a.alpha), attr_text(a.beta)));
    if (n.quant) attrs.push_back(describe(*n.quant));
    if (g.value(n.output).quant) attrs.push_back("out=" + describe(*g.value(n.output).quant));
    out += fmt::format("  %{} {} = {}({}){}{}\n", n.name, g.shape(n.output).str(), info.name, fmt::join(ins, ", "),
                       attrs.empty() ? "" : " ", fmt::join(attrs, " "));
  }
  out += fmt::format("  output %{}\n", g.value(g.output).name);
  return out;
}

}  // namespace shufflec
