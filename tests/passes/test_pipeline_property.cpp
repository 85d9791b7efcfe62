// Property test: random chains of conv / depthwise conv / BN / ReLU / shuffle / add / concat / pool with random
// group counts give the same output with all passes on as with none, on the interpreter and in compiled C. And the
// final IR of every ShuffleNet variant has no shuffle, BN, ReLU, add or copying concat left.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "compiler/frontend/json_frontend.h"
#include "compiler/passes/passes.h"
#include "graph_builder.h"
#include "ir/interpreter.h"
#include "ir/memory_plan.h"
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
  const auto dir = std::filesystem::temp_directory_path() / "shufflec_pass_property";
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
  const auto dir = std::filesystem::temp_directory_path() / "shufflec_pass_zoo";
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

// Cross builds are static for qemu, which the sanitizers cannot be: they get the strict flags without them.
constexpr const char *kCrossCFlags = "-std=c99 -Wall -Wextra -Werror -pedantic -O2";

std::vector<TargetUnderTest> available_targets() {
  std::vector<TargetUnderTest> out;
  auto has = [](const std::string &cmd) { return std::system(("command -v " + cmd + " >/dev/null 2>&1").c_str()) == 0; };
  if (std::system("grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo") == 0)
    out.push_back({"x86_64-linux-gnu+avx2,fma", SHUFFLEC_TEST_CC, std::string(SHUFFLEC_TEST_CFLAGS) + " -mavx2 -mfma", ""});
  if (has("aarch64-linux-gnu-gcc") && has("qemu-aarch64"))
    out.push_back({"aarch64-linux-gnu", "aarch64-linux-gnu-gcc", std::string(kCrossCFlags) + " -static", "qemu-aarch64"});
  if (has("arm-linux-gnueabihf-gcc") && has("qemu-arm"))
    out.push_back({"armv7a-linux-gnueabihf+neon", "arm-linux-gnueabihf-gcc",
                   std::string(kCrossCFlags) + " -static -mfpu=neon -mfloat-abi=hard", "qemu-arm"});
  return out;
}

}  // namespace

TEST_CASE("SIMD kernels match the interpreter on odd shapes for every target") {
  // Channels not a multiple of the vector width, 1-pixel and tiny planes, odd sizes with stride 2.
  const std::vector<Shape> shapes = {Shape{{1, 12, 1, 1}}, Shape{{1, 24, 3, 5}}, Shape{{1, 6, 7, 7}},
                                     Shape{{1, 48, 9, 11}}, Shape{{1, 16, 17, 2}}, Shape{{2, 12, 5, 5}}};
  const auto dir = std::filesystem::temp_directory_path() / "shufflec_simd_targets";
  std::filesystem::create_directories(dir);
  const std::vector<TargetUnderTest> targets = available_targets();
  WARN("targets under test: " << targets.size());
  for (const TargetUnderTest &t : targets)
    for (size_t i = 0; i < shapes.size(); ++i)
      for (uint32_t seed = 0; seed < 3; ++seed) {
        const Graph g = random_graph(2000 + uint32_t(i) * 10 + seed, shapes[i]);
        Graph opt = g;
        PipelineOptions popts;
        popts.context.target = parse_target(t.spec);
        run_pipeline(opt, popts);
        CEmitOptions copts;
        copts.prefix = "m";
        copts.source_name = "random.json";
        copts.target = popts.context.target;
        const CModule m = emit_c_module(opt, plan_memory(opt), copts);
        std::ofstream(dir / "m.c") << m.source;
        std::ofstream(dir / "m.h") << m.header;
        std::ofstream(dir / "m_test.c") << emit_c_test(opt, copts, test_input(g), interpret(g, test_input(g)));
        const std::string exe = (dir / "m_test").string();
        const std::string cmd = t.cc + " " + t.flags + " " + (dir / "m.c").string() + " " +
                                (dir / "m_test.c").string() + " -lm -o " + exe + " && " + t.runner + " " + exe +
                                " > /dev/null";
        INFO("target " << t.spec << ", input " << shapes[i].str() << "\n" << print_graph(opt));
        CHECK(std::system(cmd.c_str()) == 0);
      }
  std::filesystem::remove_all(dir);
}
