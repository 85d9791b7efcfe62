// `shufflec profile`: per-layer time of a model compiled with debug taps (the time between successive hook calls),
// its mult-adds, GMAC/s and the arena bytes live while it runs; totals at the bottom (docs/debugging.md).
#pragma once
#include <ostream>

#include "compiler/passes/passes.h"
#include "ir/graph.h"
#include "targets/target_desc.h"

namespace shufflec {

struct ProfileOptions {
  TargetDesc target;
  int runs = 20;
  PipelineOptions pipeline;
};

// Runs on a seeded random input and prints the table to `out`. Throws UserError.
void run_profile(const Graph &g, const ProfileOptions &options, std::ostream &out);

}  // namespace shufflec
