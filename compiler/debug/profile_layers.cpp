#include "compiler/debug/profile_layers.h"

#include <algorithm>

#include "ir/op.h"

namespace shufflec {
namespace {

// Bytes of arena live while node `step` runs: the values whose lifetime spans it, and its scratch (the plan counts
// floats, or bytes in a quantized graph).
int64_t live_arena_bytes(const MemoryPlan &plan, int step) {
  int64_t units = plan.workspaces[static_cast<size_t>(step)].size;
  for (const Storage &s : plan.values)
    if (s.kind == StorageKind::Arena && s.alias_of == kNoValue && s.first_use <= step && step <= s.last_use)
      units += s.size;
  return units * plan.unit_bytes;
}

}  // namespace

std::string LayerRow::title() const { return merged ? fmt::format("{} (+{} before)", layer, merged) : layer; }

std::vector<LayerRow> layer_rows(const TappedBuild &build, const std::vector<std::vector<int64_t>> &per_tap) {
  const Graph &compiled = build.compiled.graph;
  const std::vector<TapPoint> &taps = build.taps;
  SHUFFLEC_ASSERT(per_tap.size() == taps.size());
  const size_t runs = per_tap.empty() ? 0 : per_tap[0].size();
  std::vector<LayerRow> rows;
  LayerRow pending;
  size_t next_tap = 0;
  for (size_t i = 0; i < compiled.nodes.size(); ++i) {
    const Node &n = compiled.nodes[i];
    pending.mult_adds += op_info(n.op).mult_adds(compiled, n);
    pending.live_bytes = std::max(pending.live_bytes, live_arena_bytes(build.compiled.plan, static_cast<int>(i)));
    if (next_tap >= taps.size() || taps[next_tap].node != i) {
      ++pending.merged;
      continue;
    }
    pending.layer = n.name;
    pending.op = std::string(op_name(n.op));
    std::vector<std::string> names;
    for (size_t k = next_tap; k < taps.size() && taps[k].node == i; ++k) names.push_back(taps[k].source);
    pending.sources = fmt::format("{}", fmt::join(names, ","));
    pending.cost.assign(runs, 0);
    for (; next_tap < taps.size() && taps[next_tap].node == i; ++next_tap)
      for (size_t r = 0; r < runs; ++r) pending.cost[r] += per_tap[next_tap][r];
    rows.push_back(std::move(pending));
    pending = LayerRow{};
  }
  return rows;
}

}  // namespace shufflec
