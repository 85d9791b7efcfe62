#include "ir/memory_plan.h"

#include <algorithm>
#include <optional>

#include "ir/op.h"

namespace shufflec {
namespace {

// The plan's unit: bytes when any value is int8, floats otherwise (MemoryPlan::unit_bytes).
int64_t plan_unit_bytes(const Graph &g) {
  for (const Value &v : g.values)
    if (v.is_int8()) return 1;
  return 4;
}

// Where the output of an op that may alias its input (OpInfo::aliases_input) sits inside the input, in floats;
// none when it cannot be a view. flatten: the same bytes. channel_slice: the channel range, contiguous only when the
// batch is 1 (with N > 1 each image's range is separate, and the emitted kernel copies them).
std::optional<int64_t> view_offset(const Graph &g, const Node &n, int64_t element_units) {
  if (n.op != OpKind::ChannelSlice) return 0;
  const Shape &x = g.shape(n.inputs[0]);
  if (x[0] != 1) return std::nullopt;
  return n.attrs.begin * x[2] * x[3] * element_units;
}

}  // namespace

std::pair<ValueId, int64_t> storage_root(const MemoryPlan &plan, ValueId v) {
  int64_t offset = 0;
  while (plan.values[static_cast<size_t>(v)].alias_of != kNoValue) {
    offset += plan.values[static_cast<size_t>(v)].alias_offset;
    v = plan.values[static_cast<size_t>(v)].alias_of;
  }
  return {v, offset};
}

MemoryPlan plan_memory(const Graph &g) {
  MemoryPlan plan;
  plan.unit_bytes = plan_unit_bytes(g);
  const int64_t align = kArenaAlignBytes / plan.unit_bytes;
  auto align_up = [align](int64_t n) { return (n + align - 1) / align * align; };
  // Units per element of a value: 1 for floats in a float plan; 1 (int8) or 4 (float) in a byte plan.
  auto element_units = [&](ValueId v) -> int64_t {
    return plan.unit_bytes == 4 || g.value(v).is_int8() ? 1 : 4;
  };
  plan.values.resize(g.values.size());
  auto at = [&](ValueId v) -> Storage & { return plan.values[static_cast<size_t>(v)]; };
  for (size_t v = 0; v < g.values.size(); ++v) {
    Storage &s = plan.values[v];
    s.size = g.values[v].shape.elements() * element_units(static_cast<ValueId>(v));
    s.kind = g.values[v].kind == ValueKind::Constant ? StorageKind::Constant
             : g.values[v].kind == ValueKind::Input  ? StorageKind::GraphInput
                                                     : StorageKind::Arena;
  }
  at(g.output).kind = StorageKind::GraphOutput;

  // Lifetimes in node indices, and the aliases: flatten reinterprets its input, a channel_slice of one image is a
  // range of its input; an in-place concat's inputs are slices of its output.
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    const int step = static_cast<int>(i);
    at(n.output).first_use = at(n.output).last_use = step;
    for (ValueId in : n.inputs) at(in).last_use = std::max(at(in).last_use, step);
    if (op_info(n.op).aliases_input && n.output != g.output && !g.is_constant(n.inputs[0])) {
      if (const std::optional<int64_t> offset = view_offset(g, n, element_units(n.output))) {
        at(n.output).alias_of = n.inputs[0];
        at(n.output).alias_offset = *offset;
      }
    }
    if (n.op == OpKind::Concat && n.attrs.in_place) {
      const Shape &os = g.shape(n.output);
      SHUFFLEC_ASSERT(os[0] == 1);
      const int64_t inner = os.elements() / os[1];
      int64_t channel = 0;
      for (ValueId in : n.inputs) {
        SHUFFLEC_ASSERT(g.value(in).kind == ValueKind::Intermediate && at(in).alias_of == kNoValue);
        at(in).alias_of = n.output;
        at(in).alias_offset = channel * inner * element_units(in);
        channel += g.shape(in)[1];
      }
    }
  }
  // A group of values sharing storage lives from its first definition to its last use.
  for (size_t v = 0; v < plan.values.size(); ++v) {
    if (plan.values[v].alias_of == kNoValue || plan.values[v].first_use < 0) continue;
    Storage &root = at(storage_root(plan, static_cast<ValueId>(v)).first);
    root.first_use = root.first_use < 0 ? plan.values[v].first_use : std::min(root.first_use, plan.values[v].first_use);
    root.last_use = std::max(root.last_use, plan.values[v].last_use);
  }

  // Layer scratch (the conv schedule's workspace, ir/schedule.h) lives only while its node runs.
  plan.workspaces.resize(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Storage &s = plan.workspaces[i];
    const auto &schedule = g.nodes[i].schedule;
    s.size = schedule ? schedule->workspace_floats * (4 / plan.unit_bytes) : 0;
    s.first_use = s.last_use = static_cast<int>(i);
  }

  // Arena groups and scratch: first fit, largest first, against those whose lifetimes overlap. A node's output
  // never shares bytes with its inputs' storage, because both are live at that node.
  std::vector<Storage *> arena;
  for (size_t v = 0; v < plan.values.size(); ++v)
    if (plan.values[v].kind == StorageKind::Arena && plan.values[v].alias_of == kNoValue &&
        plan.values[v].first_use >= 0)
      arena.push_back(&plan.values[v]);
  for (Storage &s : plan.workspaces)
    if (s.size > 0) arena.push_back(&s);
  std::stable_sort(arena.begin(), arena.end(), [](const Storage *a, const Storage *b) { return a->size > b->size; });
  // placed_at[step]: the arena entries placed so far that are live at that step. Two lifetimes overlap when one
  // step holds both; looking only there (not at every placed entry) keeps the plan linear in the graph size.
  std::vector<std::vector<size_t>> placed_at(g.nodes.size());
  std::vector<size_t> seen_by(arena.size(), SIZE_MAX);  // the entry whose busy list already holds this one
  for (size_t k = 0; k < arena.size(); ++k) {
    Storage &s = *arena[k];
    std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) in floats
    for (int step = s.first_use; step <= s.last_use; ++step)
      for (size_t o : placed_at[static_cast<size_t>(step)])
        if (seen_by[o] != k) {
          seen_by[o] = k;
          busy.push_back({arena[o]->offset, arena[o]->offset + arena[o]->size});
        }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (auto [b, e] : busy) {
      if (offset + s.size <= b) break;
      offset = std::max(offset, align_up(e));
    }
    s.offset = offset;
    plan.arena_floats = std::max(plan.arena_floats, align_up(offset + s.size));
    for (int step = s.first_use; step <= s.last_use; ++step) placed_at[static_cast<size_t>(step)].push_back(k);
  }
  for (size_t v = 0; v < plan.values.size(); ++v)
    if (plan.values[v].alias_of != kNoValue) {
      auto [root, offset] = storage_root(plan, static_cast<ValueId>(v));
      plan.values[v].kind = at(root).kind;
      plan.values[v].offset = at(root).offset + offset;
    }

  // The liveness lower bound, to judge the plan by.
  std::vector<int64_t> live_change(g.nodes.size() + 1, 0);  // summed per step: no pass over all entries per step
  for (const Storage *s : arena) {
    live_change[static_cast<size_t>(s->first_use)] += s->size;
    live_change[static_cast<size_t>(s->last_use) + 1] -= s->size;
  }
  int64_t live = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    live += live_change[i];
    if (live > plan.lower_bound_floats) plan.lower_bound_floats = live, plan.peak_node = static_cast<int>(i);
  }
  return plan;
}

}  // namespace shufflec
