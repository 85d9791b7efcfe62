// Property test: random chains of conv / depthwise conv / BN / ReLU / shuffle / add / concat / pool with random
// group counts give the same output with all passes on as with none, on the interpreter and in compiled C. And the
// final IR of every ShuffleNet variant has no shuffle, BN, ReLU, add or copying concat left.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "compiler/frontend/json_frontend.h"
#include "compiler/passes/passes.h"
#include "graph_builder.h"
#include "ir/interpreter.h"
#include "ir/memory_plan.h"
#include "ir/ops/common.h"
#include "targets/c/c_backend.h"
#include "targets/target.h"

using namespace shufflec;
using namespace shufflec::testing;

namespace {

Graph random_graph(uint32_t seed, Shape input = Shape{{0, 12, 10, 10}}) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return int(rng() % uint32_t(n)); };
  if (input[0] == 0) input.dims[0] = pick(5) == 0 ? 2 : 1;
  GraphBuilder b(input, seed);
  std::vector<ValueId> values{b.input()};
  ValueId cur = b.input();
  const int steps = 6 + pick(8);
  for (int i = 0; i < steps; ++i) {
    const std::string name = "n" + std::to_string(i);
    const int64_t C = b.shape(cur)[1];
    std::vector<int64_t> groups;
    for (int64_t gcount : {1, 2, 3, 4, 8})
      if (C % gcount == 0) groups.push_back(gcount);
    const int64_t g = groups[size_t(pick(int(groups.size())))];
    ValueId next = cur;
    switch (pick(9)) {
      case 0: next = b.conv(name, cur, g * (1 + pick(4)), 1, g); break;                 // 1x1 group conv
      case 1: next = b.conv(name, cur, C, 3, C, 1 + pick(2)); break;                      // depthwise, stride 1 or 2
      case 2: next = b.conv(name, cur, 4 + pick(8), 3, 1, 1, pick(2) == 0); break;        // dense 3x3
      case 3: next = b.batch_norm(name, cur); break;
      case 4: next = b.relu(name, cur); break;
      case 5: next = g > 1 ? b.shuffle(name, cur, g) : b.relu(name, cur); break;
      case 6: {  // residual add with an earlier value of the same shape, else a branch conv + add
        ValueId other = kNoValue;
        for (ValueId v : values)
          if (v != cur && b.shape(v) == b.shape(cur)) other = v;
        if (other == kNoValue) other = b.conv(name + "b", cur, C, 1, g);
        next = b.node(name, OpKind::Add, {other, b.conv(name + "c", cur, C, 1, g)});
        break;
      }
      case 7: {  // stride-2 unit: avg-pool shortcut concatenated with a conv branch
        auto pool = b.avg_pool(name + "p", cur, 2);
        auto branch = b.conv(name + "c", cur, g * (1 + pick(3)), 3, g, 2);
        next = b.node(name, OpKind::Concat, {pool, branch});
        break;
      }
      case 8: {
        Attrs a;
        a.kernel = {3, 3};
        a.pads = {1, 1, 1, 1};
        next = b.node(name, OpKind::MaxPool, {cur}, a);
        break;
      }
    }
    values.push_back(next);
    cur = next;
    if (b.shape(next)[2] < 2 && b.shape(next)[3] < 2) break;
  }
  return b.finish(cur);
}

Tensor test_input(const Graph &g) {
  Tensor t{g.shape(g.input), std::vector<float>(size_t(g.shape(g.input).elements()))};
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = float(std::cos(double(i) * 0.71));
  return t;
}

}  // namespace

TEST_CASE("all passes on and all off agree on 200 random graphs (interpreter)") {
  int fired = 0;
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    const Graph g = random_graph(seed);
    Graph opt = g;
    PipelineOptions opts;  // verify_each is on
    fired += int(run_pipeline(opt, opts).size());
    plan_memory(opt);  // must not assert
    INFO("seed " << seed << "\n" << print_graph(g));
    CHECK(relative_error(interpret(opt, test_input(g)), interpret(g, test_input(g))) <= 1e-5);
  }
  CHECK(fired > 400);  // the passes really ran on most graphs
}

TEST_CASE("all passes on and all off agree on random graphs (compiled C)") {
  const auto dir = std::filesystem::temp_directory_path() / ("shufflec_pass_property-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (uint32_t seed = 1000; seed < 1012; ++seed) {
    const Graph g = random_graph(seed);
    Graph opt = g;
    run_pipeline(opt, PipelineOptions{});
    const CEmitOptions copts{"m", "random.json"};
    const CModule m = emit_c_module(opt, plan_memory(opt), copts);
    std::ofstream(dir / "m.c") << m.source;
    std::ofstream(dir / "m.h") << m.header;
    std::ofstream(dir / "m_test.c") << emit_c_test(opt, copts, test_input(g), interpret(g, test_input(g)));
    const std::string cmd = std::string(SHUFFLEC_TEST_CC) + " " + SHUFFLEC_TEST_CFLAGS + " " + (dir / "m.c").string() +
                            " " + (dir / "m_test.c").string() + " -lm -o " + (dir / "m_test").string() + " && " +
                            (dir / "m_test").string() + " > /dev/null";
    INFO("seed " << seed << "\n" << print_graph(opt));
    CHECK(std::system(cmd.c_str()) == 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("every ShuffleNet variant ends with no shuffle, BN, ReLU, add or copying concat") {
  const auto dir = std::filesystem::temp_directory_path() / ("shufflec_pass_zoo-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (const char *groups : {"1", "2", "3", "4", "8"})
    for (const char *scale : {"0.25", "0.5", "1.0", "1.5", "2.0"}) {
      const std::string name = std::string("shufflenet_v1_g") + groups + "_" + scale + "x";
      const std::string cmd = std::string(SHUFFLEC_ZOO_PATH) + " " + name + " --input-size 64 --out " + dir.string();
      REQUIRE(std::system(cmd.c_str()) == 0);
      Graph g = load_json_graph((dir / (name + ".json")).string());
      const size_t before = g.nodes.size();
      run_pipeline(g, PipelineOptions{});
      INFO(name << "\n" << print_graph(g));
      CHECK(count_ops(g, OpKind::ChannelShuffle) == 0);
      CHECK(count_ops(g, OpKind::BatchNorm) == 0);
      CHECK(count_ops(g, OpKind::Relu) == 0);
      CHECK(count_ops(g, OpKind::Add) == 0);
      for (const Node &n : g.nodes)
        if (n.op == OpKind::Concat) CHECK(n.attrs.in_place);
      CHECK(g.nodes.size() < before / 2);
      // The arena is within 5% of the liveness lower bound.
      const MemoryPlan plan = plan_memory(g);
      CHECK(double(plan.arena_floats) <= 1.05 * double(plan.lower_bound_floats));
      std::filesystem::remove(dir / (name + ".weights"));
    }
  std::filesystem::remove_all(dir);
}

namespace {

// Builds generated C for a target with a C compiler and runs the golden harness (through qemu for ARM).
struct TargetUnderTest {
  std::string spec, cc, flags, runner;
};

// Cross builds are static for qemu, which the sanitizers cannot be: they get the strict flags without them, as do
// the other C compiler's builds.
constexpr const char *kCrossCFlags = "-std=c99 -Wall -Wextra -Werror -pedantic -O2";

std::vector<TargetUnderTest> available_targets() {
  std::vector<TargetUnderTest> out;
  auto has = [](const std::string &cmd) { return std::system(("command -v " + cmd + " >/dev/null 2>&1").c_str()) == 0; };
  // The host's x86 targets, built with the flags their descriptions ask for (what `shufflec flags` prints).
  auto host_x86 = [&](const std::string &spec, const std::string &cpu_flags) {
    std::string grep = "true";
    for (size_t at = 0; at < cpu_flags.size();) {
      const size_t space = std::min(cpu_flags.find(' ', at), cpu_flags.size());
      grep += " && grep -qw " + cpu_flags.substr(at, space - at) + " /proc/cpuinfo";
      at = space + 1;
    }
    if (std::system(grep.c_str()) != 0) {
      std::printf("(target %s skipped: this CPU lacks one of %s)\n", spec.c_str(), cpu_flags.c_str());
      return;
    }
    std::string flags = SHUFFLEC_TEST_CFLAGS;
    for (const std::string &f : parse_target(spec).cflags) flags += " " + f;
    out.push_back({spec, SHUFFLEC_TEST_CC, flags, ""});
  };
  host_x86("x86_64-linux-gnu+avx2,fma", "avx2 fma");
  host_x86("x86_64-linux-gnu+avx512f,avx512bw,avx512vl", "avx512f avx512bw avx512vl");
  // Static cross builds cannot take the sanitizers: they get the strict flags alone. (These tests run in the
  // sanitizer build only, tools/test.sh, so this is where the ARM kernels are checked.)
  if (has("aarch64-linux-gnu-gcc") && has("qemu-aarch64"))
    out.push_back({"aarch64-linux-gnu", "aarch64-linux-gnu-gcc", std::string(kCrossCFlags) + " -static", "qemu-aarch64"});
  if (has("arm-linux-gnueabihf-gcc") && has("qemu-arm"))
    out.push_back({"armv7a-linux-gnueabihf+neon", "arm-linux-gnueabihf-gcc",
                   std::string(kCrossCFlags) + " -static -mfpu=neon -mfloat-abi=hard", "qemu-arm"});
  return out;
}


// The kernel tests' targets: portable C first, the SIMD targets, and the host's targets again with the other C
// compiler (gcc when the tests build with clang, clang otherwise), unsanitized at -O2: it must take the C
// warning-free, and its optimised build must match too (the sanitized build is at -O0, tests/CMakeLists.txt).
// The optimised build takes the portable C and the widest x86 target only: AVX2 and AVX-512 kernels come from one
// emitter at two widths, so what optimisation can break (restrict, aliasing, -O2's warnings) is the same code at
// either width, while the sanitized builds still check each width's own tails. (Without its AVX2 build the pool
// kernel test went from 42-48 s to 33-35 s in the sanitizer build.)
std::vector<TargetUnderTest> kernel_test_targets() {
  std::vector<TargetUnderTest> targets = available_targets();
  targets.insert(targets.begin(), {"c", SHUFFLEC_TEST_CC, SHUFFLEC_TEST_CFLAGS, ""});
  const bool tests_use_clang =
      std::system((std::string(SHUFFLEC_TEST_CC) + " --version 2>/dev/null | grep -q clang").c_str()) == 0;
  const std::string other = tests_use_clang ? "gcc" : "clang";
  if (std::system(("command -v " + other + " >/dev/null 2>&1").c_str()) != 0) return targets;
  const auto is_x86 = [](const TargetUnderTest &t) { return t.runner.empty() && t.spec != "c"; };
  const size_t count = targets.size();
  size_t widest_x86 = count;
  for (size_t i = 0; i < count; ++i)
    if (is_x86(targets[i])) widest_x86 = i;  // available_targets() lists the x86 targets narrowest first
  for (size_t i = 0; i < count; ++i) {
    if (!targets[i].runner.empty() || (is_x86(targets[i]) && i != widest_x86)) continue;
    std::string flags = kCrossCFlags;
    for (const std::string &f : parse_target(targets[i].spec).cflags) flags += " " + f;
    targets.push_back({targets[i].spec, other, flags, ""});
  }
  return targets;
}

// The oracle's input and interpreter output, computed once per graph and shared by every target's check (the
// interpreter is the slow part of these tests in the sanitizer build).
struct Golden {
  Tensor input, output;
};
Golden golden_of(const Graph &oracle) {
  Tensor input = test_input(oracle);
  Tensor output = interpret(oracle, input);
  return {std::move(input), std::move(output)};
}

// Emits `g` as C for target t into dir, with a golden harness holding the interpreter's output of the oracle (the
// same network before passes), builds it with t's compiler and runs it; true when it matches.
bool compiles_and_matches(const Graph &g, const Golden &golden, const TargetUnderTest &t,
                          const std::filesystem::path &dir) {
  CEmitOptions copts;
  copts.prefix = "m";
  copts.source_name = "kernels.json";
  copts.target = parse_target(t.spec);
  const Graph scheduled = with_schedules(g);
  const CModule m = emit_c_module(scheduled, plan_memory(scheduled), copts);
  std::ofstream(dir / "m.c") << m.source;
  std::ofstream(dir / "m.h") << m.header;
  std::ofstream(dir / "m_test.c") << emit_c_test(g, copts, golden.input, golden.output);
  const std::string sources = (dir / "m.c").string() + " " + (dir / "m_test.c").string();
  const std::string exe = (dir / "m_test").string();
  const std::string cmd =
      t.cc + " " + t.flags + " " + sources + " -lm -o " + exe + " && " + t.runner + " " + exe + " > /dev/null";
  return std::system(cmd.c_str()) == 0;
}

// One model of a batch: the graph to print (as compiled for the batch's target), the oracle's golden, and what to
// say about it when it fails.
struct BatchCase {
  Graph graph;
  const Golden *golden;
  std::string label;
};

// Builds every case for target t into one program and runs it: each model gets its own prefix (everything but
// <prefix>_run is static), and each golden harness's main() is renamed by a wrapper file, so the batch pays for one
// compiler driver, one link and one process (one qemu start on ARM) instead of one per case, which were most of
// these tests' time in the sanitizer build. When the batch fails, each case is built alone to name the failing ones.
void check_batch(const std::vector<BatchCase> &cases, const TargetUnderTest &t, const std::filesystem::path &dir) {
  std::string sources, driver_decls, driver_calls;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string prefix = "m" + std::to_string(i);
    CEmitOptions copts;
    copts.prefix = prefix;
    copts.source_name = "kernels.json";
    copts.target = parse_target(t.spec);
    const Graph scheduled = with_schedules(cases[i].graph);
    const CModule m = emit_c_module(scheduled, plan_memory(scheduled), copts);
    std::ofstream(dir / (prefix + ".c")) << m.source;
    std::ofstream(dir / (prefix + ".h")) << m.header;
    std::ofstream(dir / (prefix + "_test.c"))
        << emit_c_test(cases[i].graph, copts, cases[i].golden->input, cases[i].golden->output);
    std::ofstream(dir / (prefix + "_main.c")) << "int " << prefix << "_main(int argc, char **argv);\n#define main "
                                              << prefix << "_main\n#include \"" << prefix << "_test.c\"\n";
    sources += " " + (dir / (prefix + ".c")).string() + " " + (dir / (prefix + "_main.c")).string();
    driver_decls += "int " + prefix + "_main(int argc, char **argv);\n";
    driver_calls += "  if (" + prefix + "_main(1, argv) != 0) {\n    printf(\"case " + std::to_string(i) +
                    " failed\\n\");\n    failed = 1;\n  }\n";
  }
  std::ofstream(dir / "batch_main.c") << "#include <stdio.h>\n" << driver_decls
                                      << "int main(int argc, char **argv) {\n  int failed = 0;\n  (void)argc;\n"
                                      << driver_calls << "  return failed;\n}\n";
  sources += " " + (dir / "batch_main.c").string();
  const std::string exe = (dir / "batch").string();
  const std::string cmd =
      t.cc + " " + t.flags + sources + " -lm -o " + exe + " && " + t.runner + " " + exe + " > /dev/null";
  INFO("target " << t.spec << " with " << t.cc << " " << t.flags << ", " << cases.size()
                 << " models built together");
  if (std::system(cmd.c_str()) == 0) {
    SUCCEED();
    return;
  }
  bool named = false;
  for (const BatchCase &c : cases) {
    INFO(c.label << "\n" << print_graph(c.graph));
    const bool ok = compiles_and_matches(c.graph, *c.golden, t, dir);
    CHECK(ok);
    named |= !ok;
  }
  INFO("the batch failed, but every case passes alone: the models interfere with each other");
  CHECK(named);
}

}  // namespace

TEST_CASE("SIMD kernels match the interpreter on odd shapes for every target") {
  // Channels not a multiple of the vector width, 1-pixel and tiny planes, odd sizes with stride 2, and a plane wide
  // enough for stride-2 depthwise vector blocks on x86 (AVX2: 8 outputs read 18 inputs; AVX-512: 16 read 34).
  const std::vector<Shape> shapes = {Shape{{1, 12, 1, 1}}, Shape{{1, 24, 3, 5}}, Shape{{1, 6, 7, 7}},
                                     Shape{{1, 48, 9, 11}}, Shape{{1, 16, 17, 2}}, Shape{{2, 12, 5, 5}},
                                     Shape{{1, 10, 12, 37}}};
  const auto dir = std::filesystem::temp_directory_path() / ("shufflec_simd_targets-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::vector<TargetUnderTest> targets = available_targets();
  WARN("targets under test: " << targets.size());
  std::vector<Graph> graphs;
  std::vector<Golden> goldens;
  std::vector<std::string> labels;
  for (size_t i = 0; i < shapes.size(); ++i)
    for (uint32_t seed = 0; seed < 3; ++seed) {
      graphs.push_back(random_graph(2000 + uint32_t(i) * 10 + seed, shapes[i]));
      goldens.push_back(golden_of(graphs.back()));
      labels.push_back("input " + shapes[i].str() + ", seed " + std::to_string(seed));
    }
  for (const TargetUnderTest &t : targets) {
    std::vector<BatchCase> cases;
    for (size_t k = 0; k < graphs.size(); ++k) {
      Graph opt = graphs[k];
      PipelineOptions popts;
      popts.context.target = parse_target(t.spec);
      run_pipeline(opt, popts);
      cases.push_back({std::move(opt), &goldens[k], labels[k]});
    }
    check_batch(cases, t, dir);
  }
  std::filesystem::remove_all(dir);
}

namespace {

// A depthwise conv (groups == channels) straight from its attributes, with optional bias, activation, residual
// (another depthwise conv of the same input, so the shapes match) and output channel map. Returns kNoValue when the
// window does not fit the input.
struct DepthwiseCase {
  std::array<int64_t, 2> kernel, stride, dilation;
  std::array<int64_t, 4> pads;  // top, left, bottom, right
};

ValueId depthwise(GraphBuilder &b, const std::string &name, ValueId x, const DepthwiseCase &c, bool bias,
                  Activation act, bool residual, bool map, std::mt19937 &rng) {
  const Shape &s = b.shape(x);
  const int64_t C = s[1];
  for (int i = 0; i < 2; ++i)
    if (ops::window_out(s[2 + i], c.kernel[i], c.stride[i], c.dilation[i], c.pads[i], c.pads[2 + i], false) < 1)
      return kNoValue;
  Attrs a;
  a.groups = C;
  a.stride = c.stride;
  a.dilation = c.dilation;
  a.pads = c.pads;
  std::vector<ValueId> ins{x, b.constant(name + ".w", Shape{{C, 1, c.kernel[0], c.kernel[1]}})};
  if (bias || residual) ins.push_back(b.constant(name + ".b", Shape{{C}}));
  if (residual) ins.push_back(b.node(name + "_res", OpKind::Conv2d, {x, ins[1]}, a));
  a.activation = act;
  if (map) {
    for (int64_t m = 0; m < C; ++m) a.out_channel_map.push_back(m);
    std::shuffle(a.out_channel_map.begin(), a.out_channel_map.end(), rng);
  }
  return b.node(name, OpKind::Conv2d, ins, a);
}

// Every depthwise case that fits each input shape, twice with different epilogues (bias, every activation,
// residual, channel map, both at once), against the interpreter on every kernel test target. `first` numbers the
// shapes (seeds and epilogue variants), so splitting the shapes over test cases keeps each shape's graph unchanged.
void check_depthwise_kernels(const std::vector<Shape> &shapes, size_t first) {
  const std::vector<DepthwiseCase> cases = {
      {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}},
      {{3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, {{3, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}},
      {{5, 5}, {1, 1}, {1, 1}, {2, 2, 2, 2}}, {{5, 5}, {2, 2}, {1, 1}, {2, 2, 2, 2}},
      {{3, 3}, {1, 1}, {2, 2}, {2, 2, 2, 2}}, {{1, 3}, {1, 2}, {1, 1}, {0, 1, 0, 1}},
      {{3, 3}, {3, 3}, {1, 1}, {1, 1, 1, 1}}, {{2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}},
      {{3, 3}, {2, 2}, {1, 1}, {0, 1, 1, 0}}, {{3, 2}, {2, 1}, {1, 3}, {1, 3, 0, 2}},
  };
  const std::vector<TargetUnderTest> targets = kernel_test_targets();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("shufflec_depthwise-" + std::to_string(getpid()) + "-" + std::to_string(first));
  std::filesystem::create_directories(dir);
  const Activation acts[] = {Activation::None,    Activation::Relu,      Activation::Relu6, Activation::Sigmoid,
                            Activation::HardSigmoid, Activation::HardSwish, Activation::Silu};
  std::vector<Graph> graphs;
  std::vector<Golden> goldens;
  goldens.reserve(shapes.size());
  for (size_t s = 0; s < shapes.size(); ++s) {
    // One graph per input shape: every case that fits reads the input, twice with different epilogues, and the
    // outputs are flattened and concatenated, so the golden check sees every conv's output whole.
    const size_t i = first + s;
    std::mt19937 rng(uint32_t(7000 + i));
    GraphBuilder b(shapes[s], uint32_t(7000 + i));
    std::vector<ValueId> outs;
    for (size_t k = 0; k < 2 * cases.size(); ++k) {
      const size_t variant = k + i;
      const std::string name = "dw" + std::to_string(k);
      const ValueId y = depthwise(b, name, b.input(), cases[k % cases.size()], variant % 2 == 0,
                                  acts[variant % std::size(acts)], variant % 4 >= 2, variant % 3 != 1, rng);
      if (y != kNoValue) outs.push_back(b.node(name + "_flat", OpKind::Flatten, {y}));
    }
    REQUIRE(outs.size() >= 2);
    graphs.push_back(b.finish(b.node("all", OpKind::Concat, outs)));
    goldens.push_back(golden_of(graphs.back()));
  }
  for (const TargetUnderTest &t : targets) {
    std::vector<BatchCase> cases;
    for (size_t s = 0; s < shapes.size(); ++s) cases.push_back({graphs[s], &goldens[s], "input " + shapes[s].str()});
    check_batch(cases, t, dir);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

// The depthwise kernel tests, three input shapes each (each its own ctest test, inside the time budget of the
// sanitizer build): channels not a multiple of the vector width everywhere.
TEST_CASE("depthwise kernels match the interpreter for every stride, kernel, padding and target: tiny planes") {
  check_depthwise_kernels({Shape{{1, 5, 1, 1}}, Shape{{1, 3, 2, 2}}, Shape{{1, 9, 3, 5}}}, 0);
}
TEST_CASE("depthwise kernels match the interpreter for every stride, kernel, padding and target: odd planes, batch 2") {
  check_depthwise_kernels({Shape{{1, 6, 7, 7}}, Shape{{2, 5, 9, 11}}, Shape{{1, 4, 17, 2}}}, 3);
}
// Wide enough for vector blocks at stride 2 (AVX2: 8 outputs read 16 + 2 inputs; AVX-512: 16 read 32 + 2 on the 40
// and 37 wide planes).
TEST_CASE("depthwise kernels match the interpreter for every stride, kernel, padding and target: wide planes") {
  check_depthwise_kernels({Shape{{1, 3, 13, 40}}, Shape{{2, 2, 20, 37}}, Shape{{1, 2, 28, 28}}}, 6);
}

namespace {

// A conv the schedule_convs pass makes a GEMM (two or more output channels per group), with optional bias,
// activation, residual (another conv of the same input, so the shapes match) and output channel map.
struct GemmCase {
  int64_t out, groups;
  std::array<int64_t, 2> kernel, stride, dilation;
  std::array<int64_t, 4> pads;  // top, left, bottom, right
};

ValueId gemm_conv(GraphBuilder &b, const std::string &name, ValueId x, const GemmCase &c, bool bias, Activation act,
                  bool residual, bool map, std::mt19937 &rng) {
  const Shape &s = b.shape(x);
  if (s[1] % c.groups != 0) return kNoValue;
  for (int i = 0; i < 2; ++i)
    if (ops::window_out(s[2 + i], c.kernel[i], c.stride[i], c.dilation[i], c.pads[i], c.pads[2 + i], false) < 1)
      return kNoValue;
  Attrs a;
  a.groups = c.groups;
  a.stride = c.stride;
  a.dilation = c.dilation;
  a.pads = c.pads;
  std::vector<ValueId> ins{x, b.constant(name + ".w", Shape{{c.out, s[1] / c.groups, c.kernel[0], c.kernel[1]}})};
  if (bias || residual) ins.push_back(b.constant(name + ".b", Shape{{c.out}}));
  if (residual) ins.push_back(b.node(name + "_res", OpKind::Conv2d, {x, ins[1]}, a));
  a.activation = act;
  if (map) {
    for (int64_t m = 0; m < c.out; ++m) a.out_channel_map.push_back(m);
    std::shuffle(a.out_channel_map.begin(), a.out_channel_map.end(), rng);
  }
  return b.node(name, OpKind::Conv2d, ins, a);
}

// Every GEMM case that fits `shape` reads the input (bias, activation, residual and channel map varying with the
// case and `variant`); the outputs are flattened and concatenated for one golden check per target.
void check_gemm_kernels(const Shape &shape, uint32_t variant_base) {
  const std::vector<GemmCase> cases = {
      {13, 1, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, {12, 3, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {16, 1, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, {10, 1, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}},
      {24, 1, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}}, {7, 1, {3, 3}, {1, 1}, {2, 2}, {2, 2, 2, 2}},
      {8, 2, {5, 5}, {2, 2}, {1, 1}, {2, 1, 0, 2}},  {9, 3, {3, 2}, {1, 2}, {1, 1}, {1, 0, 1, 1}},
  };
  const std::vector<TargetUnderTest> targets = kernel_test_targets();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("shufflec_gemm-" + std::to_string(getpid()) + "-" + std::to_string(variant_base));
  std::filesystem::create_directories(dir);
  const Activation acts[] = {Activation::None,    Activation::Relu,      Activation::Relu6, Activation::Sigmoid,
                            Activation::HardSigmoid, Activation::HardSwish, Activation::Silu};
  std::mt19937 rng(8000 + variant_base);
  GraphBuilder b(shape, 8000 + variant_base);
  std::vector<ValueId> outs;
  for (size_t k = 0; k < cases.size(); ++k) {
    const size_t variant = k + variant_base;
    const std::string name = "conv" + std::to_string(k);
    const ValueId y = gemm_conv(b, name, b.input(), cases[k], variant % 2 == 0, acts[variant % std::size(acts)],
                                variant % 4 >= 1, variant % 3 != 1, rng);
    if (y != kNoValue) outs.push_back(b.node(name + "_flat", OpKind::Flatten, {y}));
  }
  REQUIRE(outs.size() >= 2);
  const Graph g = b.finish(b.node("all", OpKind::Concat, outs));
  const Golden golden = golden_of(g);
  for (const TargetUnderTest &t : targets) {
    Graph tiled = g;
    REQUIRE(schedule_convs(tiled, PassContext{parse_target(t.spec)}));
    verify(tiled);
    INFO("target " << t.spec << " with " << t.cc << ", input " << shape.str() << "\n" << print_graph(tiled));
    CHECK(compiles_and_matches(tiled, golden, t, dir));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

// The GEMM kernel tests, one per input shape (each its own ctest test, so each stays well inside the timeout in
// the sanitizer build): every shape exercises a path of emit_gemm with every epilogue.
TEST_CASE("GEMM conv kernels: 1x1 with many input channels (K blocked, partial sums in the output)") {
  check_gemm_kernels(Shape{{1, 300, 7, 7}}, 0);
}
TEST_CASE("GEMM conv kernels: 1x1 over a big plane (pixel slabs), output channels not a multiple of MR") {
  check_gemm_kernels(Shape{{1, 264, 14, 14}}, 1);
}
TEST_CASE("GEMM conv kernels: KxK packed by whole rows (3 input channels, batch 2, odd plane)") {
  check_gemm_kernels(Shape{{2, 3, 20, 37}}, 2);
}
TEST_CASE("GEMM conv kernels: a first layer (3 input channels, 32x32)") { check_gemm_kernels(Shape{{1, 3, 32, 32}}, 3); }
TEST_CASE("GEMM conv kernels: a 1x1 plane (partial last tile)") { check_gemm_kernels(Shape{{1, 12, 1, 1}}, 4); }
TEST_CASE("GEMM conv kernels: KxK packed per tile (stride 1 and 2, dilation, asymmetric padding, groups)") {
  check_gemm_kernels(Shape{{1, 24, 9, 11}}, 5);
}
TEST_CASE("GEMM conv kernels: 256 input channels (packed slabs, one K block), a 5x7 plane") {
  check_gemm_kernels(Shape{{1, 256, 5, 7}}, 6);
}
TEST_CASE("GEMM conv kernels: KxK with many input channels on a wide plane (K-blocked row panels)") {
  // 72 channels x 9 taps on 32-pixel rows: every target's row panel is K-blocked (portable C 2 blocks, AVX2 3,
  // AVX-512 11 of 7 channels with 2-row panels), the last block partial.
  check_gemm_kernels(Shape{{1, 72, 32, 32}}, 7);
}

TEST_CASE("squeeze-excitation blocks and standalone activations match the interpreter on every target") {
  // MobileNetV3's and EfficientNet's pattern after the pipeline: expand conv + hard_swish (GEMM), depthwise + silu
  // (vector blocks), the SE branch global_avg_pool -> conv + silu -> conv + hard_sigmoid (1x1 planes: partial GEMM
  // tiles) -> per-channel mul; then activations with no producer to fuse into (after a mul), a same-shape mul, pools
  // and a dense layer with non-clamp epilogues. Odd plane width, channels not a multiple of the vector width.
  const std::vector<TargetUnderTest> targets = kernel_test_targets();
  const auto dir = std::filesystem::temp_directory_path() / ("shufflec_se-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::vector<Shape> shapes = {Shape{{1, 12, 9, 19}}, Shape{{2, 6, 5, 5}}};
  std::vector<Graph> graphs;
  std::vector<Golden> goldens;
  goldens.reserve(shapes.size());
  for (const Shape &shape : shapes) {
    GraphBuilder b(shape, 9100);
    Attrs pytorch_hs;
    pytorch_hs.alpha = 1.0 / 6.0, pytorch_hs.beta = 0.5;
    Attrs odd_hs;
    odd_hs.alpha = 0.3, odd_hs.beta = 0.4;
    const ValueId e = b.node("e_act", OpKind::HardSwish, {b.conv("e", b.input(), 20, 1, 1, 1, true)});
    const ValueId d = b.node("d_act", OpKind::Silu, {b.conv("d", e, 20, 3, 20, 1, true)});
    const ValueId gap = b.node("se_pool", OpKind::GlobalAvgPool, {d});
    const ValueId f1 = b.node("fc1_act", OpKind::Silu, {b.conv("fc1", gap, 8, 1, 1, 1, true)});
    const ValueId f2 = b.node("fc2_act", OpKind::HardSigmoid, {b.conv("fc2", f1, 20, 1, 1, 1, true)}, pytorch_hs);
    const ValueId m = b.node("se", OpKind::Mul, {d, f2});
    const ValueId sig = b.node("sig", OpKind::Sigmoid, {m});
    const ValueId hsig = b.node("hsig", OpKind::HardSigmoid, {m}, odd_hs);
    const ValueId hsw = b.node("hswish", OpKind::HardSwish, {m});
    const ValueId silu = b.node("silu", OpKind::Silu, {m});
    const ValueId prod = b.node("prod", OpKind::Mul, {sig, silu});
    Attrs pool;
    pool.kernel = {3, 3}, pool.stride = {2, 2}, pool.pads = {1, 1, 1, 1};
    const ValueId mp = b.node("mp_act", OpKind::Sigmoid, {b.node("mp", OpKind::MaxPool, {hsw}, pool)});
    const ValueId ap = b.node("ap_act", OpKind::HardSwish, {b.node("ap", OpKind::AvgPool, {hsig}, pool)});
    const ValueId flat = b.node("flat", OpKind::Flatten, {b.node("gap2", OpKind::GlobalAvgPool, {prod})});
    const ValueId fc = b.node("fc_act", OpKind::Silu, {b.node("fc", OpKind::Dense,
        {flat, b.constant("fc.w", Shape{{7, 20}}), b.constant("fc.b", Shape{{7}})})});
    std::vector<ValueId> outs{fc};
    for (ValueId v : {m, prod, mp, ap})
      outs.push_back(b.node("out" + std::to_string(outs.size()), OpKind::Flatten, {v}));
    const Graph g = b.finish(b.node("all", OpKind::Concat, outs));
    graphs.push_back(g);
    goldens.push_back(golden_of(g));
  }
  for (const TargetUnderTest &t : targets) {
    std::vector<BatchCase> batch;
    for (size_t i = 0; i < shapes.size(); ++i) {
      Graph opt = graphs[i];
      PipelineOptions popts;
      popts.context.target = parse_target(t.spec);
      run_pipeline(opt, popts);
      // Every activation after a conv, a pool or the dense layer became its epilogue; the four after a mul stay.
      size_t standalone = 0;
      for (const Node &n : opt.nodes) standalone += activation_applied_by(n).has_value();
      INFO("target " << t.spec << ", input " << shapes[i].str() << "\n" << print_graph(opt));
      CHECK(standalone == 4);
      batch.push_back({std::move(opt), &goldens[i], "input " + shapes[i].str()});
    }
    check_batch(batch, t, dir);
  }
  std::filesystem::remove_all(dir);
}

namespace {

// A pooling window straight from its attributes (dilation is max_pool's only).
struct PoolCase {
  std::array<int64_t, 2> kernel, stride, dilation;
  std::array<int64_t, 4> pads;  // top, left, bottom, right
  bool ceil_mode;
};

}  // namespace

TEST_CASE("pool kernels match the interpreter for every window, padding and target") {
  // Tiny and odd planes, batch 2, a plane too wide for the separable kernels' row buffer (the row-at-a-time
  // fallback); windows with ceil_mode overhang, asymmetric pads, strides 1 to 3, kernels 1 to 10 (past the unrolled
  // tap count), dilation for max_pool; avg_pool with count_include_pad on and off; every activation.
  const std::vector<Shape> shapes = {Shape{{1, 3, 1, 1}},  Shape{{1, 2, 2, 3}},   Shape{{1, 5, 7, 7}},
                                     Shape{{2, 3, 13, 11}}, Shape{{1, 2, 28, 28}}, Shape{{1, 1, 3, 4200}}};
  const std::vector<PoolCase> cases = {
      {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, false}, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, true},
      {{2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, true},  {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, false},
      {{5, 5}, {3, 3}, {1, 1}, {2, 2, 2, 2}, true},  {{3, 3}, {3, 3}, {1, 1}, {0, 1, 1, 0}, false},
      {{2, 3}, {1, 2}, {1, 1}, {1, 0, 0, 2}, true},  {{5, 2}, {2, 1}, {1, 1}, {4, 1, 3, 0}, false},
      {{1, 1}, {2, 3}, {1, 1}, {0, 0, 0, 0}, true},  {{9, 10}, {2, 3}, {1, 1}, {4, 5, 2, 1}, true},
      {{3, 3}, {1, 1}, {2, 2}, {2, 2, 2, 2}, false}, {{2, 3}, {2, 1}, {3, 2}, {1, 2, 0, 1}, true},
  };
  const std::vector<TargetUnderTest> targets = kernel_test_targets();
  const auto dir = std::filesystem::temp_directory_path() / ("shufflec_pools-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const Activation acts[] = {Activation::None,    Activation::Relu,      Activation::Relu6, Activation::Sigmoid,
                            Activation::HardSigmoid, Activation::HardSwish, Activation::Silu};
  std::vector<Graph> graphs;
  std::vector<Golden> goldens;
  goldens.reserve(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    // One graph per input shape: every case that fits pools the input as max_pool and as avg_pool (dilation 1,
    // count_include_pad alternating); the outputs are flattened and concatenated for one golden check.
    GraphBuilder b(shapes[i], uint32_t(8000 + i));
    std::vector<ValueId> outs;
    for (size_t k = 0; k < cases.size(); ++k) {
      const PoolCase &c = cases[k];
      Attrs a;
      a.kernel = c.kernel;
      a.stride = c.stride;
      a.pads = c.pads;
      a.ceil_mode = c.ceil_mode;
      bool fits = true;
      for (int d = 0; d < 2; ++d)
        fits &= ops::window_out(shapes[i][2 + d], c.kernel[d], c.stride[d], c.dilation[d], c.pads[d], c.pads[2 + d],
                                c.ceil_mode) >= 1;
      if (!fits) continue;
      a.dilation = c.dilation;
      a.activation = acts[(k + i) % std::size(acts)];
      const std::string name = "p" + std::to_string(k);
      outs.push_back(b.node(name + "_flat", OpKind::Flatten, {b.node(name + "max", OpKind::MaxPool, {b.input()}, a)}));
      if (c.dilation != std::array<int64_t, 2>{1, 1}) continue;
      a.count_include_pad = (k + i) % 2 == 0;
      a.activation = acts[(k + i + 1) % std::size(acts)];
      outs.push_back(b.node(name + "_aflat", OpKind::Flatten, {b.node(name + "avg", OpKind::AvgPool, {b.input()}, a)}));
    }
    REQUIRE(outs.size() >= 2);
    graphs.push_back(b.finish(b.node("all", OpKind::Concat, outs)));
    goldens.push_back(golden_of(graphs.back()));
  }
  for (const TargetUnderTest &t : targets) {
    std::vector<BatchCase> batch;
    for (size_t i = 0; i < shapes.size(); ++i) batch.push_back({graphs[i], &goldens[i], "input " + shapes[i].str()});
    check_batch(batch, t, dir);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the passes keep track of which source value each node holds (debug taps) on 200 random graphs") {
  // Every (node, source value) the passes record must be that source node's output on the graph before the passes,
  // once its channels are put back in source order: what `shufflec diff` compares (docs/debugging.md).
  int checked = 0, permuted = 0;
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    const Graph g = random_graph(seed);
    Graph opt = g;
    for (Node &n : opt.nodes) n.sources = {SourceValue{n.name, {}}};
    run_pipeline(opt, PipelineOptions{});
    const std::map<ValueId, Tensor> want = interpret_all(g, test_input(g)), got = interpret_all(opt, test_input(g));
    std::map<std::string, ValueId> source_output;
    std::map<std::string, const Node *> source_node;
    for (const Node &n : g.nodes) {
      source_output[n.name] = n.output;
      source_node[n.name] = &n;
    }
    // Rounding error is relative to the magnitude of what a node combines, not of its result: an add whose operands
    // nearly cancel has a tiny output, and the fused conv that computes it (conv + residual in one epilogue, folded
    // weights) rounds at its operands' scale. The scale is the largest magnitude among the source node's output and
    // its non-constant inputs.
    auto magnitude_scale = [&](const std::string &name) {
      double scale = 0;
      const Node &src = *source_node.at(name);
      std::vector<ValueId> values{src.output};
      for (ValueId in : src.inputs)
        if (!g.is_constant(in)) values.push_back(in);
      for (ValueId v : values)  // interpret_all keeps the graph input too
        for (float x : want.at(v).data) scale = std::max(scale, std::fabs(double(x)));
      return scale > 0 ? scale : 1.0;
    };
    INFO("seed " << seed << "\n" << print_graph(opt));
    for (const Node &n : opt.nodes)
      for (const SourceValue &s : n.sources) {
        INFO("node " << n.name << " holds " << s.node);
        REQUIRE(source_output.count(s.node));
        const Tensor &expected = want.at(source_output.at(s.node));
        Tensor held = got.at(n.output);
        REQUIRE(held.shape == expected.shape);
        if (!s.channel_map.empty()) {
          const int64_t N = held.shape[0], C = held.shape[1], plane = held.shape.elements() / (N * C);
          REQUIRE(int64_t(s.channel_map.size()) == C);
          const Tensor stored = held;
          for (int64_t b = 0; b < N; ++b)
            for (int64_t c = 0; c < C; ++c)
              std::copy_n(stored.data.begin() + ((b * C + s.channel_map[size_t(c)]) * plane), plane,
                          held.data.begin() + ((b * C + c) * plane));
          ++permuted;
        }
        double err = 0;
        for (size_t k = 0; k < held.data.size(); ++k)
          err = std::max(err, std::fabs(double(held.data[k]) - expected.data[k]));
        CHECK(err <= 1e-5 * magnitude_scale(s.node));
        ++checked;
      }
  }
  CHECK(checked > 1000);
  CHECK(permuted > 20);  // absorbed shuffles were among them
}
