// The portable C backend: prints a model as <prefix>.c + <prefix>.h (C99, no malloc, no mutable globals, weights in
// one const blob, activations in one caller-provided arena), plus the optional golden-test harness.
#pragma once
#include <string>
#include <vector>

#include "ir/memory_plan.h"
#include "ir/op.h"
#include "targets/codegen/c_writer.h"
#include "targets/target.h"

namespace shufflec {

struct CEmitOptions {
  std::string prefix;       // C identifier prefix: <prefix>_run, <PREFIX>_ARENA_BYTES
  std::string source_name;  // model file name shown in the banner (base name only, for deterministic output)
  TargetDesc target = portable_c_target();
  // Debug taps (docs/generated-c.md): <prefix>_run_with_taps calls a hook after each layer. Off: the output is
  // byte-identical to a build that never heard of taps.
  bool debug_taps = false;
  // --weights=external (docs/generated-c.md): the weights blob is not compiled in but written to NAME.weights.bin
  // (CModule::weights_file), and <prefix>_run takes it as a `const void *weights` argument.
  bool external_weights = false;
};

// What one node became in the C: its layer function (empty when it prints no code: a view, an in-place concat)
// and the bytes of the weights blob it reads first (a constant shared by several layers counts for the first).
// The footprint report (compiler/footprint.h) attributes flash to layers with it.
struct CLayer {
  std::string function;
  int64_t weights_bytes = 0;
};

struct CModule {
  std::string header;
  std::string source;
  int64_t arena_bytes = 0, weights_bytes = 0, stack_bytes = 0;  // as the header states them
  std::vector<CLayer> layers;                                   // one per node of the graph, in order
  std::string weights_file;  // with external_weights: the blob's bytes, for NAME.weights.bin
};

CModule emit_c_module(const Graph &g, const MemoryPlan &plan, const CEmitOptions &opts);

// NAME_test.c: the model's input and the interpreter's golden output embedded, with runtime/test_main.c.
// With external weights, `weights_file` (CModule::weights_file) is embedded in the harness as its own aligned
// object and passed to <prefix>_run, as firmware would pass the address its weights were loaded at.
std::string emit_c_test(const Graph &g, const CEmitOptions &opts, const Tensor &input, const Tensor &golden,
                        const std::string &weights_file = "");

// Turns any text into a valid C identifier ("shufflenet_v1_g3_1.0x" -> "shufflenet_v1_g3_1_0x").
std::string c_identifier(const std::string &text);

}  // namespace shufflec
