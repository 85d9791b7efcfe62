// channel_slice (ir/ops/channel_slice.cpp): shape inference and its errors, the reference kernel, the memory plan's
// views (N = 1: the output lives inside the input's storage, which stays alive while the view is read; N > 1: a
// copy), and the JSON models tests/unit/models/channel_slice_n{1,2}.json compiled to C against the interpreter.
#include <sys/wait.h>

#include "compiler/frontend/json_frontend.h"
#include "compiler/passes/passes.h"
#include "helpers.h"
#include "ir/memory_plan.h"

using namespace shufflec;
using namespace shufflec::test;
using Catch::Matchers::Contains;

namespace {

Attrs channels(int64_t begin, int64_t end) {
  Attrs a;
  a.begin = begin;
  a.end = end;
  return a;
}

std::string slice_error(Shape x, int64_t begin, int64_t end) {
  GraphBuilder b(std::move(x));
  b.node("s", OpKind::ChannelSlice, {"x"}, channels(begin, end));
  const UserError e = user_error([&] { b.build(); });
  CHECK(e.node() == "s");
  return e.message();
}

const Storage &storage(const MemoryPlan &p, const Graph &g, const std::string &name) {
  return p.values.at(static_cast<size_t>(*g.find_value(name)));
}

// x -> avg_pool p -> channel_slice s (channels [2, 5)) -> relu r; then an add that reads p again, so p must outlive
// the view's last reader.
Graph pooled_slice(int64_t batch) {
  GraphBuilder b(S({batch, 6, 4, 4}));
  b.node("p", OpKind::AvgPool, {"x"}, A().pool(3, 1, 1));
  b.node("s", OpKind::ChannelSlice, {"p"}, channels(2, 5));
  b.node("r", OpKind::Relu, {"s"});
  b.node("s2", OpKind::ChannelSlice, {"p"}, channels(0, 3));
  b.node("y", OpKind::Add, {"r", "s2"});
  return b.build();
}

struct Command {
  int status;
  std::string output;
};

Command sh(const TempDir &dir, const std::string &cmd) {
  const std::string log = dir / "command.log";
  const int rc = std::system((cmd + " > '" + log + "' 2>&1").c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_text(log)};
}

}  // namespace

TEST_CASE("channel_slice: shape inference and its errors", "[ops][channel_slice]") {
  GraphBuilder b(S({2, 6, 3, 5}));
  b.node("s", OpKind::ChannelSlice, {"x"}, channels(1, 4));
  const Graph g = b.build();
  CHECK(g.shape(g.output) == S({2, 3, 3, 5}));
  CHECK_FALSE(op_info(OpKind::ChannelSlice).variadic);
  CHECK(op_info(OpKind::ChannelSlice).aliases_input);
  CHECK_THAT(slice_error(S({1, 6, 2, 2}), 3, 3), Contains("channel range [3, 3) must be non-empty"));
  CHECK_THAT(slice_error(S({1, 6, 2, 2}), 4, 2), Contains("channel range [4, 2)"));
  CHECK_THAT(slice_error(S({1, 6, 2, 2}), -1, 2), Contains("inside the 6 channels of [1, 6, 2, 2]"));
  CHECK_THAT(slice_error(S({1, 6, 2, 2}), 2, 7), Contains("inside the 6 channels"));
  CHECK_THAT(slice_error(S({1, 6}), 0, 2), Contains("must have rank 4"));
}

TEST_CASE("channel_slice reference: each image's channel range, in order", "[ops][channel_slice][reference]") {
  GraphBuilder b(S({2, 4, 1, 2}));
  b.node("s", OpKind::ChannelSlice, {"x"}, channels(1, 3));
  // Element (n, c, 0, w) holds n * 100 + c * 10 + w.
  std::vector<float> x;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 4; ++c)
      for (int w = 0; w < 2; ++w) x.push_back(float(n * 100 + c * 10 + w));
  require_close(run(b.build(), x).data, {10, 11, 20, 21, 110, 111, 120, 121});
}

TEST_CASE("memory plan: with N = 1 a channel_slice is a view that keeps its input alive",
          "[memory_plan][channel_slice]") {
  const Graph g = pooled_slice(1);
  const MemoryPlan p = plan_memory(g);
  const Storage &pool = storage(p, g, "p"), &s = storage(p, g, "s"), &s2 = storage(p, g, "s2");
  CHECK(s.alias_of == *g.find_value("p"));
  CHECK(s.alias_offset == 2 * 16);  // channel 2 of [1, 6, 4, 4]
  CHECK(s.offset == pool.offset + 2 * 16);
  CHECK(s2.alias_of == *g.find_value("p"));
  CHECK(s2.alias_offset == 0);
  CHECK(s2.offset == pool.offset);
  // p is read through its views until y: nothing else may take its bytes before then.
  CHECK(pool.last_use == 4);
  const Storage &r = storage(p, g, "r");
  CHECK((r.offset >= pool.offset + pool.size || r.offset + r.size <= pool.offset));
  // A view of the graph input points into the caller's buffer.
  GraphBuilder b(S({1, 6, 4, 4}));
  b.node("s", OpKind::ChannelSlice, {"x"}, channels(3, 6)).node("r", OpKind::Relu, {"s"});
  const Graph gi = b.build();
  const MemoryPlan pi = plan_memory(gi);
  CHECK(storage(pi, gi, "s").kind == StorageKind::GraphInput);
  CHECK(storage(pi, gi, "s").offset == 3 * 16);
}

TEST_CASE("memory plan: with N > 1, or as the graph output, a channel_slice is a copy",
          "[memory_plan][channel_slice]") {
  const Graph g = pooled_slice(2);
  const MemoryPlan p = plan_memory(g);
  CHECK(storage(p, g, "s").alias_of == kNoValue);
  CHECK(storage(p, g, "s").kind == StorageKind::Arena);
  GraphBuilder b(S({1, 6, 4, 4}));
  b.node("r", OpKind::Relu, {"x"}).node("s", OpKind::ChannelSlice, {"r"}, channels(0, 2));
  const Graph go = b.build();
  const MemoryPlan po = plan_memory(go);
  CHECK(storage(po, go, "s").alias_of == kNoValue);
  CHECK(storage(po, go, "s").kind == StorageKind::GraphOutput);
}

TEST_CASE("channel_slice JSON models compile to C that matches the interpreter, N = 1 and N = 2",
          "[channel_slice][cc]") {
  for (const char *name : {"channel_slice_n1", "channel_slice_n2"}) {
    INFO(name);
    TempDir dir;
    const std::string model = source_path(std::string("tests/unit/models/") + name + ".json");
    const Graph g = load_json_graph(model);
    int slices = 0;
    for (const Node &n : g.nodes) slices += n.op == OpKind::ChannelSlice;
    CHECK(slices == 4);
    const Command compile = sh(dir, fmt::format("'{}' compile '{}' -o '{}' --prefix m --emit-test", SHUFFLEC_CLI_PATH,
                                                model, dir / "out"));
    INFO(compile.output);
    REQUIRE(compile.status == 0);
    // After the passes, N = 1: the three slices read by other layers are views (the backend emits no code for
    // an aliased layer), the graph output's slice is a copy. N = 2: every slice is a copy.
    Graph optimized = g;
    run_pipeline(optimized, PipelineOptions{});
    const MemoryPlan plan = plan_memory(optimized);
    int views = 0;
    for (const Node &n : optimized.nodes)
      views += n.op == OpKind::ChannelSlice && plan.values[static_cast<size_t>(n.output)].alias_of != kNoValue;
    CHECK(views == (std::string(name) == "channel_slice_n1" ? 3 : 0));
    const Command build = sh(dir, fmt::format("cd '{}' && {} {} -o m_test m.c m_test.c -lm", dir / "out",
                                              SHUFFLEC_TEST_CC, SHUFFLEC_TEST_CFLAGS));
    INFO(build.output);
    REQUIRE(build.status == 0);
    const Command test = sh(dir, "'" + dir / "out/m_test" + "'");
    INFO(test.output);
    CHECK(test.status == 0);
    CHECK_THAT(test.output, Contains("PASS"));
  }
}
