#include "tests/fuzz/fuzz_common.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "compiler/info.h"
#include "compiler/passes/passes.h"
#include "compiler/tensor_io.h"
#include "ir/interpreter.h"
#include "ir/memory_plan.h"
#include "targets/c/c_backend.h"

namespace shufflec::fuzz {
namespace {

// Limits that keep one execution in milliseconds; the frontends' own limits (2^31 - 1 elements) are far larger.
constexpr int64_t kMaxEmittedWeights = int64_t{1} << 20;
constexpr int64_t kMaxInterpretedElements = int64_t{1} << 20;
constexpr int64_t kMaxInterpretedMultAdds = int64_t{20} << 20;

int64_t total_elements(const Graph &g, ValueKind kind) {
  int64_t n = 0;
  for (const Value &v : g.values)
    if (v.kind == kind) n += v.shape.elements();
  return n;
}

bool small_enough_to_interpret(const Graph &g) {
  return total_elements(g, ValueKind::Intermediate) + total_elements(g, ValueKind::Input) <= kMaxInterpretedElements &&
         model_cost(g).mult_adds <= kMaxInterpretedMultAdds;
}

}  // namespace

const std::string &scratch_dir() {
  static const std::string dir = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/shufflec-fuzz.XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("mkdtemp");
      std::abort();
    }
    static const std::string removed_at_exit = pattern;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(removed_at_exit, ec);
    });
    return pattern;
  }();
  return dir;
}

std::string write_scratch(const std::string &name, const uint8_t *data, size_t size) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
  if (!out) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

void compile_accepted_graph(Graph g) {
  const bool interpretable = small_enough_to_interpret(g);
  Tensor input, golden;
  if (interpretable) {
    input = random_tensor(g.shape(g.input), 1);
    golden = interpret(g, input);
  }
  PipelineOptions options;  // verify_each: a pass that breaks the graph is an internal error, i.e. a finding
  run_pipeline(g, options);
  const MemoryPlan plan = plan_memory(g);
  if (total_elements(g, ValueKind::Constant) <= kMaxEmittedWeights) {
    const CEmitOptions emit{"fuzz", "fuzz.json", portable_c_target()};
    emit_c_module(g, plan, emit);
    if (interpretable) emit_c_test(g, emit, input, golden);
  }
  if (interpretable) interpret(g, input);
  info_table(g);
  memory_table(g, plan);
}

}  // namespace shufflec::fuzz
