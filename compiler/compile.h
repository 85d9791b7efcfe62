// The compiler as a library: a graph in, the generated files out. The CLI (compiler/cli/main.cpp) and the tests
// share this one flow: the pass pipeline (which always ends by scheduling every conv), the memory plan, the C module,
// the budgets and, optionally, the golden-test harness.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "compiler/footprint/footprint.h"
#include "compiler/passes/passes.h"
#include "ir/memory_plan.h"
#include "ir/op.h"
#include "targets/c/c_backend.h"

namespace shufflec {

struct CompileOptions {
  CEmitOptions emit;          // prefix, model file name for the banner, target (the pipeline uses the same target)
  PipelineOptions pipeline;   // which passes run, --dump-after
  std::optional<int64_t> ram_budget, flash_budget;  // bytes; exceeding one is a UserError naming the peak layer
                                                    // (RAM) or the layer taking the most flash
  // Measure flash by compiling the C with the target's toolchain (compiler/footprint/footprint.h); else estimate it.
  // A --flash-budget always measures.
  bool measure_footprint = false;
  // The golden-test harness NAME_test.c: its input (default: seeded random) and expected output (default: the
  // reference interpreter's output on the graph as given, before any pass).
  bool emit_test = false;
  std::optional<Tensor> test_input, test_expect;
};

struct GeneratedFile {
  std::string name;  // file name relative to the output directory: NAME.c, NAME.h, NAME.memplan.json, NAME_test.c
  std::string contents;
};

struct CompiledModel {
  Graph graph;        // after the passes
  MemoryPlan plan;
  Footprint footprint;  // also in NAME.memplan.json
  std::vector<GeneratedFile> files;
};

// Throws UserError for bad input (including a budget exceeded).
CompiledModel compile_model(Graph g, const CompileOptions &options);

}  // namespace shufflec
