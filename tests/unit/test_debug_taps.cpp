// Debug taps, `shufflec diff` and the .npz reader (docs/debugging.md). The oracle is the interpreter on the graph
// as the frontend built it; tests/unit/models/taps.json is small but has every pass fire: BN folding, ReLU fused
// (also through a concat), a shuffle absorbed into a conv, a shuffle moved before a BN, a concat done in place.
#include <sstream>

#include <llvm/Support/Program.h>

#include "c_compile_helpers.h"
#include "compiler/compile.h"
#include "compiler/debug/diff.h"
#include "compiler/debug/npz.h"
#include "compiler/debug/tap_runner.h"
#include "compiler/frontend/json_frontend.h"
#include "compiler/info.h"
#include "compiler/tensor_io.h"
#include "helpers.h"
#include "npz_writer.h"
#include "targets/target.h"

namespace shufflec::test {
namespace {

const std::string kTapsModel = std::string(SHUFFLEC_SOURCE_DIR) + "/tests/unit/models/taps.json";
const std::string kTinyModel = std::string(SHUFFLEC_SOURCE_DIR) + "/samples/hand/tiny.json";

// The interpreter's value of every node of the unoptimised graph, by node name.
std::vector<std::pair<std::string, Tensor>> interpreter_arrays(const Graph &g, const Tensor &input) {
  std::map<ValueId, Tensor> values = interpret_all(g, input);
  std::vector<std::pair<std::string, Tensor>> out;
  for (const Node &n : g.nodes) out.emplace_back(n.name, values.at(n.output));
  return out;
}

bool have_programs(const std::vector<std::string> &names) {
  for (const std::string &n : names)
    if (!llvm::sys::findProgramByName(n)) return false;
  return true;
}

// diff against an npz whose array for `perturbed` (if any) is off by 0.5 in one element.
std::pair<int, std::string> diff_with_reference(const TempDir &dir, const std::string &target,
                                                const std::string &perturbed) {
  const Graph g = load_json_graph(kTapsModel);
  const Tensor input = random_tensor(g.shape(g.input), 7);
  auto arrays = interpreter_arrays(g, input);
  bool found = perturbed.empty();
  for (auto &[name, t] : arrays)
    if (name == perturbed) {
      t.data[t.data.size() / 2] += 0.5f;
      found = true;
    }
  REQUIRE(found);
  arrays.emplace_back("not_in_the_model", Tensor{S({2}), {1.0f, 2.0f}});
  write_file(dir / "ref.npz", npz_bytes(arrays));
  write_tensor(dir / "input.npy", input);
  DiffOptions options;
  options.input = dir / "input.npy";
  options.reference = dir / "ref.npz";
  options.target = parse_target(target);
  options.tolerance = 1e-5;
  std::ostringstream out;
  const int status = run_diff(g, options, out);
  return {status, out.str()};
}

}  // namespace

TEST_CASE("debug taps: off, the generated files do not depend on the taps' bookkeeping", "[taps]") {
  // Same optimised graph, once with the provenance the passes kept and once with none: byte-identical output.
  CompileOptions options;
  options.emit = CEmitOptions{"m", "taps.json", portable_c_target()};
  const CompiledModel a = compile_model(load_json_graph(kTapsModel), options);
  Graph stripped = a.graph;
  for (Node &n : stripped.nodes) n.sources.clear();
  const CModule b = emit_c_module(stripped, a.plan, options.emit);
  REQUIRE(a.files[0].contents == b.source);
  REQUIRE(a.files[1].contents == b.header);
  REQUIRE(a.files[2].contents == memory_plan_json(stripped, a.plan, nullptr, &a.footprint));
  for (const GeneratedFile &f : a.files)
    for (const char *word : {"run_with_taps", "sc_tap", "TAP_COUNT", "source_node"})
      REQUIRE(f.contents.find(word) == std::string::npos);
}

TEST_CASE("debug taps: tapped C compiles warning-free and the tap list is in the memory plan", "[taps][cc]") {
  TempDir dir;
  const Command c =
      sh(dir, cli() + " compile " + kTapsModel + " -o " + dir.path().string() + " --prefix m --debug-taps");
  REQUIRE(c.status == 0);
  const Command build = sh(dir, cc() + " -c " + dir / "m.c" + " -o " + dir / "m.o");
  INFO(build.output);
  REQUIRE(build.status == 0);
  const std::string plan = read_text(dir / "m.memplan.json");
  REQUIRE(plan.find("\"taps\"") != std::string::npos);
  REQUIRE(plan.find("\"source_node\": \"relu1\"") != std::string::npos);
  REQUIRE(read_text(dir / "m.h").find("m_run_with_taps") != std::string::npos);
}

TEST_CASE("debug taps: every tap reports its source node's tensor in the source layout", "[taps][cc]") {
  for (const std::string &model : {kTapsModel, kTinyModel}) {
    INFO(model);
    const Graph g = load_json_graph(model);
    const Tensor input = random_tensor(g.shape(g.input), 3);
    std::map<std::string, Tensor> want;
    for (auto &[name, t] : interpreter_arrays(g, input)) want[name] = t;
    TapRunner runner(g, portable_c_target(), {});
    const std::map<int, std::vector<float>> got = runner.dump(input);
    std::set<std::string> names;
    int unpermuted = 0;
    for (const TapPoint &t : runner.build().taps) {
      INFO("tap " << t.index << " " << t.source);
      REQUIRE(want.count(t.source));
      REQUIRE(t.shape == want.at(t.source).shape);
      REQUIRE(compare_tensors(got.at(t.index), want.at(t.source).data).relative <= 1e-5);
      names.insert(t.source);
      unpermuted += !t.channel_map.empty();
    }
    // Each source value the compiled graph holds is reported once, the graph output included.
    REQUIRE(names.size() == runner.build().taps.size());
    REQUIRE(names.count(g.nodes.back().name));
    REQUIRE(unpermuted >= 1);  // a shuffle was absorbed: some tap copies its channels back
    if (model == kTapsModel) {
      // conv1 + bn1 + relu1 report as relu1 (channels unshuffled) and as shuffle1 (as stored); bn2 moved after
      // shuffle2 reports both; relu2, fused into the concat's producers, reports after the in-place concat.
      for (const char *n : {"relu1", "shuffle1", "bn2", "shuffle2", "relu2", "prob"}) REQUIRE(names.count(n));
      for (const char *n : {"conv1", "bn1", "ca", "pb", "cat"}) REQUIRE(!names.count(n));
    }
  }
}

TEST_CASE("diff: names the node whose reference is perturbed, exit 0 against the unperturbed one", "[taps][cc]") {
  TempDir dir;
  auto [status, out] = diff_with_reference(dir, "c", "avg");
  INFO(out);
  REQUIRE(status == 1);
  REQUIRE(out.find("first diverging node: avg\n") != std::string::npos);
  REQUIRE(out.find("not_in_the_model") != std::string::npos);
  REQUIRE(out.find("conv1") != std::string::npos);  // folded away: listed, not compared
  auto [ok_status, ok_out] = diff_with_reference(dir, "c", "");
  INFO(ok_out);
  REQUIRE(ok_status == 0);
  REQUIRE(ok_out.find("first diverging node: none\n") != std::string::npos);
}

TEST_CASE("diff: under qemu for aarch64", "[taps][cc][cross]") {
  if (!have_programs({"aarch64-linux-gnu-gcc", "qemu-aarch64"})) {
    WARN("aarch64-linux-gnu-gcc or qemu-aarch64 missing: skipped");
    return;
  }
  TempDir dir;
  auto [status, out] = diff_with_reference(dir, "aarch64-linux-gnu", "relu1");
  INFO(out);
  REQUIRE(status == 1);
  REQUIRE(out.find("first diverging node: relu1\n") != std::string::npos);
  auto [ok_status, ok_out] = diff_with_reference(dir, "aarch64-linux-gnu", "");
  INFO(ok_out);
  REQUIRE(ok_status == 0);
}

TEST_CASE("npz: members are read by name, compressed and malformed archives are one-line errors", "[taps]") {
  TempDir dir;
  write_file(dir / "a.npz", npz_bytes({{"x", Tensor{S({2, 3}), iota(6)}}, {"y.z", Tensor{S({1}), {5.0f}}}}));
  const auto arrays = read_npz(dir / "a.npz");
  REQUIRE(arrays.size() == 2);
  REQUIRE(arrays[0].first == "x");
  REQUIRE(arrays[0].second.shape == S({2, 3}));
  REQUIRE(arrays[0].second.data == iota(6));
  REQUIRE(arrays[1].first == "y.z");
  std::string compressed = npz_bytes({{"x", Tensor{S({1}), {1.0f}}}});
  compressed[8] = 8;  // method: deflate
  write_file(dir / "c.npz", compressed);
  REQUIRE_THAT(user_error([&] { read_npz(dir / "c.npz"); }).message(), Catch::Contains("numpy.savez_compressed"));
  write_file(dir / "bad.npz", "not a zip");
  REQUIRE_THAT(user_error([&] { read_npz(dir / "bad.npz"); }).message(), Catch::Contains("not a valid .npz"));
}

}  // namespace shufflec::test
