// The portable C backend: prints a model as <prefix>.c + <prefix>.h (C99, no malloc, no mutable globals, weights in
// one const blob, activations in one caller-provided arena), plus the optional golden-test harness.
#pragma once
#include <string>

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
};

struct CModule {
  std::string header;
  std::string source;
};

CModule emit_c_module(const Graph &g, const MemoryPlan &plan, const CEmitOptions &opts);

// NAME_test.c: the model's input and the interpreter's golden output embedded, with runtime/test_main.c.
std::string emit_c_test(const Graph &g, const CEmitOptions &opts, const Tensor &input, const Tensor &golden);

// Turns any text into a valid C identifier ("shufflenet_v1_g3_1.0x" -> "shufflenet_v1_g3_1_0x").
std::string c_identifier(const std::string &text);

}  // namespace shufflec
