// `shufflec diff --quantize int8` (docs/debugging.md): int8 taps report dequantized floats in the source layout,
// equal bit for bit to the int8 interpreter's tensors; the diff against the fp32 reference judges each node by its
// SQNR. samples/hand/tiny.json is the healthy model; tests/unit/models/taps.json has a shuffle absorbed into a conv
// (a permuted int8 tap) and an in-place concat.
#include <cmath>
#include <sstream>

#include "c_compile_helpers.h"
#include "compiler/debug/diff.h"
#include "compiler/debug/quant_diff.h"
#include "compiler/frontend/json_frontend.h"
#include "compiler/quantize/calibration.h"
#include "compiler/tensor_io.h"
#include "helpers.h"
#include "ir/interpreter.h"
#include "npz_writer.h"
#include "ir/quant/int8_interpreter.h"

namespace shufflec::test {
namespace {

const std::string kTapsModel = std::string(SHUFFLEC_SOURCE_DIR) + "/tests/unit/models/taps.json";
const std::string kTinyModel = std::string(SHUFFLEC_SOURCE_DIR) + "/samples/hand/tiny.json";

// 16 calibration samples like the diff's input (random in [-1, 1]), that input among them: no value of the run
// falls outside its calibrated range (with other samples only, tiny.json's global average pool may clip), so a
// healthy build's error is rounding. Each is multiplied by `scale`.
QuantizeRequest calibration(const Graph &g, float scale) {
  QuantizeRequest q;
  for (uint64_t sample = 0; sample < 16; ++sample) {
    Tensor t = random_tensor(g.shape(g.input), sample == 0 ? 7 : 99 + sample);
    for (float &x : t.data) x *= scale;
    q.samples.push_back(std::move(t));
  }
  return q;
}

// run_diff of `model`'s int8 build (calibrated on samples times `calibration_scale`) against the fp32 interpreter
// or, when `scaled` names a node, against the interpreter's arrays with that node's multiplied by 1.5 (6 dB SQNR).
std::pair<int, std::string> int8_diff(const TempDir &dir, const std::string &model, float calibration_scale,
                                      const std::string &scaled = "") {
  const Graph g = load_json_graph(model);
  const Tensor input = random_tensor(g.shape(g.input), 7);
  write_tensor(dir / "input.npy", input);
  const QuantizeRequest q = calibration(g, calibration_scale);
  DiffOptions options;
  options.input = dir / "input.npy";
  if (!scaled.empty()) {
    std::map<ValueId, Tensor> values = interpret_all(g, input);
    std::vector<std::pair<std::string, Tensor>> arrays;
    for (const Node &n : g.nodes) {
      arrays.emplace_back(n.name, values.at(n.output));
      if (n.name == scaled)
        for (float &x : arrays.back().second.data) x *= 1.5f;
    }
    write_file(dir / "ref.npz", npz_bytes(arrays));
    options.reference = dir / "ref.npz";
  }
  options.pipeline.context.quantize = &q;
  std::ostringstream out;
  const int status = run_diff(g, options, out);
  return {status, out.str()};
}

}  // namespace

TEST_CASE("sqnr_db: signal power over noise power in dB", "[taps]") {
  REQUIRE(std::isinf(sqnr_db({1, 2}, {1, 2})));
  REQUIRE(sqnr_db({1.1f, 0.9f}, {1, 1}) == Approx(20.0).epsilon(1e-5));
  REQUIRE(sqnr_db({2, 2}, {1, 1}) == Approx(0.0).margin(1e-9));
  REQUIRE(std::isnan(sqnr_db({NAN, 1}, {1, 1})));
}

TEST_CASE("int8 taps: dequantized in the source layout, the int8 interpreter's bit for bit", "[taps][cc]") {
  const Graph g = load_json_graph(kTapsModel);
  const QuantizeRequest q = calibration(g, 1.0f);
  PipelineOptions pipeline;
  pipeline.context.quantize = &q;
  TapRunner runner(g, portable_c_target(), pipeline);
  const Tensor input = random_tensor(g.shape(g.input), 3);  // not a calibration sample: some values clip
  const std::map<int, std::vector<float>> got = runner.dump(input);
  const Int8TapCheck check = check_int8_taps(runner.build(), input, got);
  int permuted = 0;
  for (const TapPoint &t : runner.build().taps) permuted += t.quant && !t.channel_map.empty();
  REQUIRE(check.checked >= 5);
  REQUIRE(permuted >= 1);  // the absorbed shuffle's int8 tensor is put back in the source layout
  REQUIRE(check.differing.empty());
  // The check can fail: one flipped bit of one tap is found.
  std::map<int, std::vector<float>> damaged = got;
  for (const TapPoint &t : runner.build().taps)
    if (t.quant) {
      damaged.at(t.index)[0] = std::nextafter(damaged.at(t.index)[0], 1e9f);
      REQUIRE(check_int8_taps(runner.build(), input, damaged).differing == std::vector<int>{t.index});
      break;
    }
}

TEST_CASE("int8 taps: the tapped int8 C compiles warning-free", "[taps][cc]") {
  TempDir dir;
  const Graph g = load_json_graph(kTapsModel);
  std::vector<float> stacked;
  for (const Tensor &t : calibration(g, 1.0f).samples) stacked.insert(stacked.end(), t.data.begin(), t.data.end());
  write_tensor(dir / "cal.npy", Tensor{S({16, 3, 8, 8}), stacked});
  const Command c = sh(dir, cli() + " compile " + kTapsModel + " -o " + dir.path().string() +
                                " --prefix m --debug-taps --quantize int8 --calibration " + dir / "cal.npy");
  INFO(c.output);
  REQUIRE(c.status == 0);
  REQUIRE(read_text(dir / "m.c").find("sc_tap_dequantize(") != std::string::npos);
  const Command build = sh(dir, cc() + " -c " + dir / "m.c" + " -o " + dir / "m.o");
  INFO(build.output);
  REQUIRE(build.status == 0);
}

TEST_CASE("int8 diff: a healthy build passes, every node above the minimum SQNR", "[taps][cc]") {
  TempDir dir;
  auto [status, out] = int8_diff(dir, kTinyModel, 1.0f);
  INFO(out);
  REQUIRE(status == 0);
  REQUIRE(out.find("SQNR dB") != std::string::npos);
  REQUIRE(out.find("int8 taps equal bit for bit\n") != std::string::npos);
  REQUIRE(out.find("first diverging node: none\n") != std::string::npos);
}

TEST_CASE("int8 diff: the node whose fp32 reference is off is named, not the ones before it", "[taps][cc]") {
  TempDir dir;
  auto [status, out] = int8_diff(dir, kTinyModel, 1.0f, "avg");
  INFO(out);
  REQUIRE(status == 1);
  REQUIRE(out.find("first diverging node: avg\n") != std::string::npos);
}

TEST_CASE("int8 diff: calibrated on inputs 50 times too small, the first layer is named", "[taps][cc]") {
  // Every activation range is 50 times too narrow: relu1 (conv1 + bn1 + relu1, the first int8 layer) saturates.
  TempDir dir;
  auto [status, out] = int8_diff(dir, kTinyModel, 0.02f);
  INFO(out);
  REQUIRE(status == 1);
  REQUIRE(out.find("first diverging node: relu1\n") != std::string::npos);
  REQUIRE(out.find("differing:") == std::string::npos);  // the build still equals the int8 interpreter
}

}  // namespace shufflec::test
