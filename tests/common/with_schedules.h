// Tests that print C for a graph straight from a builder (no pipeline) give its convs the untiled kernels the
// schedule_convs pass chooses with tiling off, as `--passes=` (no optional pass) would.
#pragma once
#include "compiler/passes/passes.h"

namespace shufflec {

inline Graph with_schedules(Graph g) {
  bool missing = false;
  for (const Node &n : g.nodes) missing |= n.op == OpKind::Conv2d && !n.schedule;
  if (missing) {
    PassContext untiled;
    untiled.tiling = false;
    schedule_convs(g, untiled);
  }
  return g;
}

}  // namespace shufflec
