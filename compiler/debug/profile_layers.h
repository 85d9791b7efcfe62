// The rows of `shufflec profile`: the compiled graph's layers, each with the cost its taps measured, its mult-adds
// and the arena bytes live while it runs. Shared by the host profile (nanoseconds) and the bare-metal one (SysTick
// ticks under QEMU's instruction count).
#pragma once
#include <string>
#include <vector>

#include "compiler/debug/tap_runner.h"

namespace shufflec {

struct LayerRow {
  std::string layer, op, sources;  // sources: the source nodes its taps report, comma-separated
  std::vector<int64_t> cost;       // per run: the sum of its taps' measurements
  int64_t mult_adds = 0, live_bytes = 0;
  int merged = 0;  // layers before it without a tap, measured with it

  // "name" or "name (+N before)".
  std::string title() const;
};

// A layer's cost runs from the previous tap to its own taps; a layer without a tap (its output is no source value)
// is measured with the next layer that has one. `per_tap[tap][run]`.
std::vector<LayerRow> layer_rows(const TappedBuild &build, const std::vector<std::vector<int64_t>> &per_tap);

}  // namespace shufflec
