// `shufflec info`: a per-layer table in the spirit of the ShuffleNet paper's Table 1.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"
#include "compiler/footprint/footprint.h"
#include "ir/memory_plan.h"
#include "targets/c/taps.h"

namespace shufflec {

struct ModelCost {
  int64_t mult_adds = 0;       // multiply-adds of convolutions and fully connected layers
  int64_t conv_mult_adds = 0;  // of convolutions alone: what the ShuffleNet paper's Table 1 counts
  int64_t parameters = 0;  // weights and biases of the layers (BN statistics included)
};

ModelCost model_cost(const Graph &g);
std::string info_table(const Graph &g);

// The memory plan as a table (shufflec info --memory) and as JSON (DIR/NAME.memplan.json).
std::string memory_table(const Graph &g, const MemoryPlan &plan);
// With `taps` (a --debug-taps build), also the "taps" array: each tap's index, source node, shape, the compiled
// layer it fires after and whether it is copied back from permuted channels. With `footprint`, its "footprint"
// object (flash and RAM, compiler/footprint/footprint.h).
std::string memory_plan_json(const Graph &g, const MemoryPlan &plan, const std::vector<TapPoint> *taps = nullptr,
                             const Footprint *footprint = nullptr);

}  // namespace shufflec
