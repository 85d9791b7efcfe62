// The memory plan (ir/memory_plan.h): arena reuse, no overlap between values alive at the same time (also after
// the pass pipeline introduces aliases), 64-byte alignment, the liveness lower bound, flatten aliasing its input.
#include "compiler/frontend/json_frontend.h"
#include "compiler/passes/passes.h"
#include "helpers.h"
#include "ir/memory_plan.h"

using namespace shufflec;
using namespace shufflec::test;

namespace {

const Storage &storage(const MemoryPlan &p, const Graph &g, const std::string &name) {
  return p.values.at(static_cast<size_t>(*g.find_value(name)));
}

bool lifetimes_overlap(const Storage &a, const Storage &b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

bool bytes_overlap(const Storage &a, const Storage &b) {
  return a.offset < b.offset + b.size && b.offset < a.offset + a.size;
}

// The arena values that own storage (not aliases), with a lifetime.
std::vector<ValueId> arena_roots(const Graph &g, const MemoryPlan &p) {
  std::vector<ValueId> out;
  for (ValueId v = 0; static_cast<size_t>(v) < g.values.size(); ++v) {
    const Storage &s = p.values[static_cast<size_t>(v)];
    if (s.kind == StorageKind::Arena && s.alias_of == kNoValue && s.first_use >= 0) out.push_back(v);
  }
  return out;
}

// The value whose storage v lives in.
ValueId root_of(const MemoryPlan &p, ValueId v) {
  while (p.values[static_cast<size_t>(v)].alias_of != kNoValue) v = p.values[static_cast<size_t>(v)].alias_of;
  return v;
}

// True when a lives inside b's storage by design (b is on a's alias chain) or the other way round.
bool alias_related(const MemoryPlan &p, ValueId a, ValueId b) {
  for (ValueId v = a; v != kNoValue; v = p.values[static_cast<size_t>(v)].alias_of)
    if (v == b) return true;
  for (ValueId v = b; v != kNoValue; v = p.values[static_cast<size_t>(v)].alias_of)
    if (v == a) return true;
  return false;
}

// The invariants every plan must satisfy, checked pair by pair: two values computed by nodes whose lifetimes
// overlap and that live in the same buffer (arena, input or output) never share bytes, unless one is an alias of
// the other (flatten; a concat's inputs written into their slices of its output).
void check_plan_invariants(const Graph &g, const MemoryPlan &p) {
  REQUIRE(p.values.size() == g.values.size());
  std::vector<ValueId> computed;
  for (const Node &n : g.nodes) computed.push_back(n.output);
  for (ValueId v : computed) {
    const Storage &s = p.values[static_cast<size_t>(v)];
    INFO("value " << g.value(v).name);
    CHECK(s.size == g.shape(v).elements());
    CHECK(s.offset >= 0);
    CHECK(s.first_use <= s.last_use);
    const Storage &r = p.values[static_cast<size_t>(root_of(p, v))];
    CHECK(s.kind == r.kind);
    CHECK(s.offset >= r.offset);
    CHECK(s.offset + s.size <= r.offset + r.size);
    if (s.kind == StorageKind::Arena) CHECK(s.offset + s.size <= p.arena_floats);
    if (s.kind == StorageKind::GraphOutput) CHECK(s.offset + s.size <= g.shape(g.output).elements());
    if (s.kind == StorageKind::GraphInput) CHECK(s.offset + s.size <= g.shape(g.input).elements());
  }
  for (ValueId v : arena_roots(g, p)) {
    INFO("value " << g.value(v).name);
    CHECK(p.values[static_cast<size_t>(v)].offset % kArenaAlignFloats == 0);  // 64 bytes
  }
  for (size_t i = 0; i < computed.size(); ++i)
    for (size_t j = i + 1; j < computed.size(); ++j) {
      const Storage &a = p.values[static_cast<size_t>(computed[i])], &b = p.values[static_cast<size_t>(computed[j])];
      if (a.kind != b.kind || !lifetimes_overlap(a, b) || alias_related(p, computed[i], computed[j])) continue;
      INFO(g.value(computed[i]).name << " [" << a.first_use << ", " << a.last_use << "] at " << a.offset << "+"
                                     << a.size << " and " << g.value(computed[j]).name << " [" << b.first_use << ", "
                                     << b.last_use << "] at " << b.offset << "+" << b.size);
      CHECK_FALSE(bytes_overlap(a, b));
    }
  // Each node's operands are alive at the node (nothing is overwritten before its last reader).
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (ValueId in : g.nodes[i].inputs) {
      const Storage &s = p.values[static_cast<size_t>(in)];
      if (s.kind != StorageKind::Arena) continue;
      INFO("node " << g.nodes[i].name << " reads " << g.value(in).name);
      CHECK(s.first_use <= static_cast<int>(i));
      CHECK(s.last_use >= static_cast<int>(i));
    }
  // A layer's scratch is aligned, inside the arena, and shares no bytes with any arena value live at its layer.
  REQUIRE(p.workspaces.size() == g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Storage &ws = p.workspaces[i];
    if (ws.size == 0) continue;
    INFO("scratch of " << g.nodes[i].name);
    CHECK(ws.offset % kArenaAlignFloats == 0);
    CHECK(ws.offset + ws.size <= p.arena_floats);
    CHECK(ws.first_use == static_cast<int>(i));
    CHECK(ws.last_use == static_cast<int>(i));
    for (ValueId v = 0; static_cast<size_t>(v) < g.values.size(); ++v) {
      const Storage &s = p.values[static_cast<size_t>(v)];
      if (s.kind == StorageKind::Arena && s.first_use >= 0 && lifetimes_overlap(s, ws)) {
        INFO("overlaps " << g.value(v).name);
        CHECK_FALSE(bytes_overlap(s, ws));
      }
    }
  }
  CHECK(p.arena_floats % kArenaAlignFloats == 0);
  CHECK(p.arena_bytes() == p.arena_floats * 4);
  CHECK(p.arena_floats >= p.lower_bound_floats);
}

}  // namespace

TEST_CASE("memory plan: a conv -> relu -> conv chain reuses arena bytes", "[memory_plan]") {
  GraphBuilder b(S({1, 4, 8, 8}));
  b.constant("w1", S({8, 4, 3, 3})).constant("w2", S({8, 8, 3, 3})).constant("w3", S({4, 8, 1, 1}));
  b.node("c1", OpKind::Conv2d, {"x", "w1"}, A().pads(1));  // [1, 8, 8, 8]: 512 floats
  b.node("r1", OpKind::Relu, {"c1"});
  b.node("c2", OpKind::Conv2d, {"r1", "w2"}, A().pads(1));
  b.node("r2", OpKind::Relu, {"c2"});
  b.node("c3", OpKind::Conv2d, {"r2", "w3"});  // the graph output
  const Graph g = b.build();
  const MemoryPlan p = plan_memory(g);
  check_plan_invariants(g, p);

  CHECK(storage(p, g, "x").kind == StorageKind::GraphInput);
  CHECK(storage(p, g, "w1").kind == StorageKind::Constant);
  CHECK(storage(p, g, "c3").kind == StorageKind::GraphOutput);
  for (const char *n : {"c1", "r1", "c2", "r2"}) CHECK(storage(p, g, n).kind == StorageKind::Arena);
  // Four 512-float intermediates, at most two alive at once: the arena holds two, not four.
  int64_t total = 0;
  for (const char *n : {"c1", "r1", "c2", "r2"}) total += storage(p, g, n).size;
  CHECK(total == 4 * 512);
  CHECK(p.arena_floats == 2 * 512);
  CHECK(p.lower_bound_floats == 2 * 512);
  CHECK(p.arena_floats < total);
  // c1 dies when r1 is computed, so c2 may take its bytes; a node's output never shares with its input.
  CHECK(bytes_overlap(storage(p, g, "c1"), storage(p, g, "c2")));
  CHECK_FALSE(bytes_overlap(storage(p, g, "c1"), storage(p, g, "r1")));
  CHECK_FALSE(bytes_overlap(storage(p, g, "r1"), storage(p, g, "c2")));
  // Lifetimes in node indices.
  CHECK(storage(p, g, "c1").first_use == 0);
  CHECK(storage(p, g, "c1").last_use == 1);
  CHECK(storage(p, g, "r2").first_use == 3);
  CHECK(storage(p, g, "r2").last_use == 4);
}

TEST_CASE("memory plan: values alive at the same time never overlap (ShuffleNet-like graph)", "[memory_plan]") {
  const Graph g = mini_shufflenet();
  const MemoryPlan p = plan_memory(g);
  check_plan_invariants(g, p);
  // The stride-1 unit's shortcut (a.relu) stays alive across the whole branch, up to the add.
  const Storage &shortcut = storage(p, g, "a.relu");
  for (const char *n : {"b.g1", "b.shuffle", "b.dw", "b.g2"}) {
    INFO(n);
    CHECK(lifetimes_overlap(shortcut, storage(p, g, n)));
    CHECK_FALSE(bytes_overlap(shortcut, storage(p, g, n)));
  }
  // pool1 feeds both branches of the stride-2 unit, so it lives until its last reader.
  const Storage &pool1 = storage(p, g, "pool1");
  CHECK(pool1.last_use >= storage(p, g, "a.g1").first_use);
  CHECK(pool1.last_use >= storage(p, g, "a.short").first_use);
  // Reuse happens: the arena is smaller than all intermediates together.
  int64_t total = 0;
  for (ValueId v : arena_roots(g, p)) total += p.values[static_cast<size_t>(v)].size;
  CHECK(p.arena_floats < total);
  CHECK(p.peak_node >= 0);
  CHECK(static_cast<size_t>(p.peak_node) < g.nodes.size());
}

TEST_CASE("memory plan: the sample model satisfies every invariant", "[memory_plan]") {
  const Graph g = load_json_graph(source_path("samples/hand/tiny.json"));
  check_plan_invariants(g, plan_memory(g));
}

TEST_CASE("memory plan: plans are deterministic", "[memory_plan]") {
  const Graph g = mini_shufflenet();
  const MemoryPlan a = plan_memory(g), b = plan_memory(g);
  REQUIRE(a.values.size() == b.values.size());
  for (size_t i = 0; i < a.values.size(); ++i) {
    CHECK(a.values[i].offset == b.values[i].offset);
    CHECK(a.values[i].kind == b.values[i].kind);
  }
  CHECK(a.arena_floats == b.arena_floats);
}

TEST_CASE("memory plan: flatten aliases its input", "[memory_plan][flatten]") {
  const Graph g = mini_shufflenet();
  const MemoryPlan p = plan_memory(g);
  const Storage &flat = storage(p, g, "flat"), &gap = storage(p, g, "gap");
  CHECK(flat.alias_of == *g.find_value("gap"));
  CHECK(flat.kind == gap.kind);
  CHECK(flat.offset == gap.offset);
  // The aliased value lives as long as the alias is read (fc reads flat).
  const int fc = [&] {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].name == "fc") return static_cast<int>(i);
    return -1;
  }();
  CHECK(gap.last_use >= fc);

  SECTION("a flatten that is the graph output gets the output buffer, not an alias") {
    GraphBuilder b(S({1, 2, 3, 3}));
    b.node("g", OpKind::GlobalAvgPool, {"x"}).node("f", OpKind::Flatten, {"g"});
    const Graph h = b.build();
    const MemoryPlan q = plan_memory(h);
    CHECK(storage(q, h, "f").kind == StorageKind::GraphOutput);
    CHECK(storage(q, h, "f").alias_of == kNoValue);
    check_plan_invariants(h, q);
  }
  SECTION("a flatten of the graph input reads the input buffer") {
    GraphBuilder b(S({1, 2, 3, 3}));
    b.constant("w", S({4, 18})).node("f", OpKind::Flatten, {"x"}).node("fc", OpKind::Dense, {"f", "w"});
    const Graph h = b.build();
    const MemoryPlan q = plan_memory(h);
    CHECK(storage(q, h, "f").kind == StorageKind::GraphInput);
    CHECK(q.arena_floats == 0);
    check_plan_invariants(h, q);
  }
}

TEST_CASE("memory plan: a graph with no intermediates needs no arena", "[memory_plan]") {
  GraphBuilder b(S({1, 8}));
  b.node("y", OpKind::Softmax, {"x"});
  const Graph g = b.build();
  const MemoryPlan p = plan_memory(g);
  CHECK(p.arena_floats == 0);
  CHECK(p.arena_bytes() == 0);
  CHECK(p.lower_bound_floats == 0);
}

TEST_CASE("memory plan: after the pass pipeline (aliases, in-place concat) live values still never share bytes",
          "[memory_plan][passes]") {
  for (const std::string &which : {std::string("mini"), std::string("tiny")}) {
    INFO(which);
    Graph g = which == "mini" ? mini_shufflenet() : load_json_graph(source_path("samples/hand/tiny.json"));
    const Tensor in{g.shape(g.input), pattern(g.shape(g.input).elements(), 4)};
    const Tensor before = interpret(g, in);
    run_pipeline(g, PipelineOptions{});
    const MemoryPlan p = plan_memory(g);
    check_plan_invariants(g, p);
    require_close(interpret(g, in).data, before.data, 1e-4);
    // Both graphs have a dense KxK conv, a GEMM that packs its input into scratch.
    int64_t scratch = 0;
    for (const Storage &ws : p.workspaces) scratch += ws.size;
    CHECK(scratch > 0);
  }
}
