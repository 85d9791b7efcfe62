#include "ir/memory_plan.h"

#include <algorithm>
#include <numeric>

#include "ir/op.h"

namespace shufflec {
namespace {

int64_t align_up(int64_t n) { return (n + kArenaAlignFloats - 1) / kArenaAlignFloats * kArenaAlignFloats; }

}  // namespace

MemoryPlan plan_memory(const Graph &g) {
  MemoryPlan plan;
  plan.values.resize(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    Storage &s = plan.values[v];
    s.size = g.values[v].kind == ValueKind::Constant || g.values[v].kind == ValueKind::Input
                 ? g.values[v].shape.elements()
                 : 0;
    s.kind = g.values[v].kind == ValueKind::Constant ? StorageKind::Constant
             : g.values[v].kind == ValueKind::Input  ? StorageKind::GraphInput
                                                     : StorageKind::Arena;
  }
  plan.values[static_cast<size_t>(g.output)].kind = StorageKind::GraphOutput;

  // Lifetimes, with aliasing ops (flatten) folded into the value they reinterpret.
  auto root = [&](ValueId v) {
    while (plan.values[static_cast<size_t>(v)].alias_of != kNoValue) v = plan.values[static_cast<size_t>(v)].alias_of;
    return v;
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    Storage &out = plan.values[static_cast<size_t>(n.output)];
    out.size = g.shape(n.output).elements();
    out.first_use = out.last_use = static_cast<int>(i);
    if (op_info(n.op).aliases_input && n.output != g.output &&
        plan.values[static_cast<size_t>(root(n.inputs[0]))].kind != StorageKind::GraphOutput)
      out.alias_of = n.inputs[0];
    for (ValueId in : n.inputs) {
      Storage &s = plan.values[static_cast<size_t>(root(in))];
      s.last_use = std::max(s.last_use, static_cast<int>(i));
    }
    if (out.alias_of != kNoValue) {
      Storage &r = plan.values[static_cast<size_t>(root(n.output))];
      r.last_use = std::max(r.last_use, static_cast<int>(i));
    }
  }
  // Aliases' own lifetimes extend their root's.
  for (size_t v = 0; v < plan.values.size(); ++v)
    if (plan.values[v].alias_of != kNoValue) {
      Storage &r = plan.values[static_cast<size_t>(root(static_cast<ValueId>(v)))];
      r.last_use = std::max(r.last_use, plan.values[v].last_use);
    }

  // Arena values: first-fit in decreasing size order against values whose lifetimes overlap (a node's output never
  // shares bytes with its inputs because both are live at that node).
  std::vector<size_t> arena;
  for (size_t v = 0; v < plan.values.size(); ++v)
    if (plan.values[v].kind == StorageKind::Arena && plan.values[v].alias_of == kNoValue && plan.values[v].first_use >= 0)
      arena.push_back(v);
  std::stable_sort(arena.begin(), arena.end(),
                   [&](size_t a, size_t b) { return plan.values[a].size > plan.values[b].size; });
  std::vector<size_t> placed;
  for (size_t v : arena) {
    Storage &s = plan.values[v];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) in floats
    for (size_t p : placed) {
      const Storage &o = plan.values[p];
      if (o.first_use <= s.last_use && s.first_use <= o.last_use) busy.push_back({o.offset, o.offset + o.size});
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (auto [b, e] : busy) {
      if (offset + s.size <= b) break;
      offset = std::max(offset, align_up(e));
    }
    s.offset = offset;
    plan.arena_floats = std::max(plan.arena_floats, align_up(offset + s.size));
    placed.push_back(v);
  }
  for (size_t v = 0; v < plan.values.size(); ++v)
    if (plan.values[v].alias_of != kNoValue) {
      const Storage &r = plan.values[static_cast<size_t>(root(static_cast<ValueId>(v)))];
      plan.values[v].kind = r.kind;
      plan.values[v].offset = r.offset;
    }

  // The liveness lower bound, to judge the plan by.
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    int64_t live = 0;
    for (size_t v : arena)
      if (plan.values[v].first_use <= static_cast<int>(i) && static_cast<int>(i) <= plan.values[v].last_use)
        live += plan.values[v].size;
    if (live > plan.lower_bound_floats) plan.lower_bound_floats = live, plan.peak_node = static_cast<int>(i);
  }
  return plan;
}

}  // namespace shufflec
