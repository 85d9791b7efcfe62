// The generated int8 C equals the int8 interpreter bit for bit (the harness compares the dequantized output with
// tolerance 0, and equal floats from one scale mean equal int8 values), with gcc and clang on the host and, where
// the cross compilers and qemu are installed, on aarch64 and armv7 (portable C) and aarch64+dotprod (its SIMD int8
// kernels, sdot). And the quantize_int8 pass: what it records,
// and that the int8 model stays close to the fp32 one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "compiler/compile.h"
#include "compiler/quantize/calibration.h"
#include "compiler/quantize/quant_report.h"
#include "compiler/tensor_io.h"
#include "ir/interpreter.h"
#include "ir/quant/int8_interpreter.h"
#include "targets/target.h"
#include "tests/passes/graph_builder.h"

using namespace shufflec;
using namespace shufflec::testing;

namespace {

// A ShuffleNet v1 in miniature: stem conv + BN + ReLU, max pool, a stride-2 unit (avg-pool shortcut concatenated
// with grouped 1x1 -> shuffle -> depthwise 3x3 stride 2 -> grouped 1x1), a stride-1 unit with a residual add, global
// pool, flatten, dense.
Graph mini_shufflenet(uint32_t seed, int64_t batch = 1) {
  GraphBuilder b(Shape{{batch, 3, 16, 16}}, seed);
  auto x = b.relu("stem_relu", b.batch_norm("stem_bn", b.conv("stem", b.input(), 12, 3, 1, 2)));
  Attrs mp;
  mp.kernel = {3, 3};
  mp.stride = {2, 2};
  mp.pads = {1, 1, 1, 1};
  x = b.node("maxpool", OpKind::MaxPool, {x}, mp);
  auto unit = [&](const std::string &n, ValueId in, int64_t out, int64_t stride) {
    auto y = b.relu(n + "_r1", b.batch_norm(n + "_bn1", b.conv(n + "_c1", in, 12, 1, 3)));
    y = b.shuffle(n + "_shuffle", y, 3);
    y = b.batch_norm(n + "_bn2", b.conv(n + "_dw", y, 12, 3, 12, stride));
    y = b.batch_norm(n + "_bn3", b.conv(n + "_c3", y, out, 1, 3));
    if (stride == 2) return b.relu(n + "_out", b.node(n + "_cat", OpKind::Concat, {b.avg_pool(n + "_pool", in, 2), y}));
    return b.relu(n + "_out", b.node(n + "_add", OpKind::Add, {in, y}));
  };
  x = unit("s2", x, 12, 2);
  x = unit("s1", x, 24, 1);
  x = b.node("gap", OpKind::GlobalAvgPool, {x});
  Attrs flat;
  x = b.node("flatten", OpKind::Flatten, {x}, flat);
  x = b.node("fc", OpKind::Dense, {x, b.constant("fc.w", Shape{{10, 24}}), b.constant("fc.b", Shape{{10}})});
  return b.finish(x);
}

QuantizeRequest calibration(const Graph &g, int samples, uint64_t seed) {
  QuantizeRequest r;
  for (int i = 0; i < samples; ++i) r.samples.push_back(random_tensor(g.shape(g.input), seed + uint64_t(i)));
  return r;
}

struct Toolchain {
  std::string cc, flags, runner;
  std::string target = "c";  // the --target the C is generated for
};

std::vector<Toolchain> toolchains() {
  auto has = [](const std::string &cmd) { return std::system(("command -v " + cmd + " >/dev/null 2>&1").c_str()) == 0; };
  const std::string strict = "-std=c99 -Wall -Wextra -Werror -pedantic -O2";
  std::vector<Toolchain> out{{SHUFFLEC_TEST_CC, SHUFFLEC_TEST_CFLAGS, ""}};
  // The other C compiler (gcc when the tests build with clang) builds and runs the same C: integer results must not
  // depend on the compiler. These tests run in the sanitizer build only (tools/test.sh), so the cross builds are here.
  const bool tests_use_clang =
      std::system((std::string(SHUFFLEC_TEST_CC) + " --version 2>/dev/null | grep -q clang").c_str()) == 0;
  const std::string other = tests_use_clang ? "gcc" : "clang";
  if (has(other)) out.push_back({other, strict, ""});
  if (has("aarch64-linux-gnu-gcc") && has("qemu-aarch64")) {
    out.push_back({"aarch64-linux-gnu-gcc", strict + " -static", "qemu-aarch64"});
    // qemu's "max" CPU has the dot product extension sdot needs.
    out.push_back({"aarch64-linux-gnu-gcc", strict + " -static -march=armv8.2-a+dotprod", "qemu-aarch64 -cpu max",
                   "aarch64-linux-gnu+dotprod"});
  }
  if (has("arm-linux-gnueabihf-gcc") && has("qemu-arm"))
    out.push_back({"arm-linux-gnueabihf-gcc", strict + " -static -mfpu=neon -mfloat-abi=hard", "qemu-arm"});
  return out;
}

// Compiles `g` quantized (golden: the int8 interpreter) for each toolchain's target, builds the harness with the
// toolchain and runs it with tolerance 0. Returns the quantized graph of the portable C.
Graph check_bit_exact(const Graph &g, const QuantizeRequest &request, const std::string &name) {
  const auto dir = std::filesystem::temp_directory_path() / ("shufflec_int8-" + name + "-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto compile_for = [&](const std::string &target) {
    CompileOptions options;
    options.emit.prefix = "m";
    options.emit.source_name = name + ".json";
    options.emit.target = parse_target(target);
    options.pipeline.context.target = options.emit.target;
    options.pipeline.context.quantize = &request;
    options.emit_test = true;
    options.test_input = random_tensor(g.shape(g.input), 99);
    CompiledModel compiled = compile_model(g, options);
    for (const GeneratedFile &f : compiled.files) std::ofstream(dir / f.name) << f.contents;
    return compiled.graph;
  };
  const Graph portable = compile_for("c");
  std::string emitted = "c";
  for (const Toolchain &t : toolchains()) {
    WARN(name << ": " << t.cc << " (target " << t.target << ")");
    if (t.target != emitted) compile_for(emitted = t.target);
    const std::string exe = (dir / "m_test").string();
    const std::string log = (dir / "log.txt").string();
    const std::string cmd = t.cc + " " + t.flags + " " + (dir / "m.c").string() + " " + (dir / "m_test.c").string() +
                            " -lm -o " + exe + " > " + log + " 2>&1 && " + t.runner + " " + exe +
                            " --tolerance 0 >> " + log + " 2>&1";
    const int status = std::system(cmd.c_str());
    std::ifstream in(log);
    const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(name << " with " << t.cc << " for target " << t.target << ":\n" << output);
    CHECK(status == 0);
  }
  std::filesystem::remove_all(dir);
  return portable;
}

double sqnr_db(const Tensor &reference, const Tensor &test) {
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < reference.data.size(); ++i) {
    signal += double(reference.data[i]) * reference.data[i];
    noise += std::pow(double(reference.data[i]) - test.data[i], 2);
  }
  return 10.0 * std::log10(signal / std::max(noise, 1e-30));
}

}  // namespace

TEST_CASE("quantize_int8 records parameters on the graph and keeps the fp32 meaning close") {
  const Graph g = mini_shufflenet(7);
  const QuantizeRequest request = calibration(g, 4, 1);
  for (CalibrationMethod method : {CalibrationMethod::MinMax, CalibrationMethod::Mse}) {
    QuantizeRequest r = request;
    r.method = method;
    Graph q = g;
    PipelineOptions p;
    p.context.quantize = &r;
    const std::vector<std::string> changed = run_pipeline(q, p);
    CHECK(changed.back() == "quantize_int8");
    CHECK(q.nodes.front().op == OpKind::Quantize);
    CHECK(q.nodes.back().op == OpKind::Dequantize);
    for (const Node &n : q.nodes) {
      INFO(print_graph(q));
      if (n.op == OpKind::Quantize || n.op == OpKind::Dequantize) continue;
      CHECK(n.quant.has_value());
      CHECK(g.value(g.input).quant == std::nullopt);
      if (n.op == OpKind::Conv2d) CHECK(n.quant->weights.size() == q.value(n.inputs[1]).data.size());
    }
    CHECK(print_graph(q).find("int8") != std::string::npos);
    // The fp32 reference and the int8 interpreter on an input that is not in the calibration set.
    const Tensor input = random_tensor(g.shape(g.input), 1234);
    const double db = sqnr_db(interpret(g, input), interpret_int8(q, input));
    INFO("SQNR " << db << " dB");
    CHECK(db > 20.0);
  }
}

TEST_CASE("quantize_int8 keeps a layer whose epilogue is no clamp (sigmoid) in float") {
  Graph g = mini_shufflenet(7);
  std::string sigmoid_conv;
  for (Node &n : g.nodes)
    if (n.op == OpKind::Conv2d && n.attrs.activation == Activation::None) {
      n.attrs.activation = Activation::Sigmoid;
      sigmoid_conv = n.name;
      break;
    }
  REQUIRE(!sigmoid_conv.empty());
  const QuantizeRequest r = calibration(g, 4, 1);
  Graph q = g;
  PipelineOptions p;
  p.context.quantize = &r;
  run_pipeline(q, p);
  INFO(print_graph(q));
  bool found = false;
  for (const Node &n : q.nodes)
    if (n.name == sigmoid_conv) {
      found = true;
      CHECK(n.attrs.activation == Activation::Sigmoid);
      CHECK(!n.quant.has_value());
    }
  CHECK(found);
  const Tensor input = random_tensor(g.shape(g.input), 1234);
  CHECK(sqnr_db(interpret(g, input), interpret_int8(q, input)) > 20.0);
}

TEST_CASE("quantize_int8 is deterministic") {
  const Graph g = mini_shufflenet(3);
  const QuantizeRequest r = calibration(g, 2, 5);
  PipelineOptions p;
  p.context.quantize = &r;
  Graph a = g, b = g;
  run_pipeline(a, p);
  run_pipeline(b, p);
  CHECK(print_graph(a) == print_graph(b));
  for (size_t i = 0; i < a.nodes.size(); ++i) CHECK(a.nodes[i].quant == b.nodes[i].quant);
}

TEST_CASE("generated int8 C equals the int8 interpreter bit for bit: a miniature ShuffleNet") {
  const Graph g = mini_shufflenet(11);
  check_bit_exact(g, calibration(g, 3, 20), "mini_shufflenet");
}

TEST_CASE("generated int8 C equals the int8 interpreter bit for bit: batch 2 (copying concat, no views)") {
  const Graph g = mini_shufflenet(12, 2);
  check_bit_exact(g, calibration(g, 2, 30), "mini_shufflenet_b2");
}

TEST_CASE("generated int8 C equals the int8 interpreter bit for bit: float islands, odd windows, relu6") {
  // An unfolded BN (its input is the graph input) stays float between quantize and dequantize; a softmax ends in
  // float; strided/dilated/padded windows with partial edges; relu6 as a clamp; an unabsorbed shuffle.
  GraphBuilder b(Shape{{1, 4, 11, 9}}, 5);
  auto x = b.batch_norm("bn_in", b.input());
  Attrs c;
  c.stride = {2, 1};
  c.dilation = {1, 2};
  c.pads = {1, 2, 0, 1};
  c.activation = Activation::Relu6;
  x = b.node("conv", OpKind::Conv2d, {x, b.constant("conv.w", Shape{{6, 4, 3, 3}}, -1.0f, 1.0f)}, c);
  Attrs ap;
  ap.kernel = {3, 2};
  ap.stride = {2, 2};
  ap.pads = {1, 1, 1, 0};
  ap.ceil_mode = true;
  ap.count_include_pad = false;
  auto pooled = b.node("avg", OpKind::AvgPool, {x}, ap);
  auto shuffled = b.shuffle("shuffle", pooled, 2);
  Attrs mp;
  mp.kernel = {2, 2};
  mp.dilation = {1, 1};
  mp.pads = {1, 1, 0, 0};
  auto m = b.node("max", OpKind::MaxPool, {shuffled}, mp);
  auto gp = b.node("gap", OpKind::GlobalAvgPool, {m});
  Attrs flat;
  auto fc = b.node("fc", OpKind::Dense, {b.node("flat", OpKind::Flatten, {gp}, flat), b.constant("fc.w", Shape{{5, 6}})});
  Attrs sm;
  const Graph g = b.finish(b.node("softmax", OpKind::Softmax, {fc}, sm));
  // The softmax runs in float (expf in C, exp in the interpreter): check everything before it exactly.
  Graph without_softmax = g;
  without_softmax.output = g.nodes.back().inputs[0];
  remove_dead_code(without_softmax);
  const Graph q = check_bit_exact(without_softmax, calibration(g, 3, 40), "float_islands");
  CHECK(q.nodes[0].op == OpKind::BatchNorm);
  CHECK(q.nodes[1].op == OpKind::Quantize);
}

TEST_CASE("info --quantize: every int8 layer's scale, zero point and a finite SQNR") {
  const Graph g = mini_shufflenet(9);
  const QuantizeRequest r = calibration(g, 2, 50);
  Graph q = g;
  PipelineOptions p;
  p.context.quantize = &r;
  run_pipeline(q, p);
  const std::string table = quantization_table(q, r.samples);
  INFO(table);
  for (const Node &n : q.nodes)
    if (q.value(n.output).is_int8()) {
      const size_t at = table.find("\n" + n.name + " ");
      REQUIRE(at != std::string::npos);
      const std::string line = table.substr(at + 1, table.find('\n', at + 1) - at - 1);
      CHECK(line.find(fmt::format(" {} ", q.value(n.output).quant->zero_point)) != std::string::npos);
      const double db = std::strtod(line.substr(line.find_last_of(' ') + 1).c_str(), nullptr);
      CHECK((db > 10.0 || line.find("exact") != std::string::npos));
    }
}

TEST_CASE("keep-float: the named layers stay fp32 between dequantize and quantize, and the C still equals the oracle") {
  const Graph g = mini_shufflenet(13);
  QuantizeRequest r = calibration(g, 3, 60);
  r.keep_float = {"maxpool", "s1_c1"};
  Graph q = g;
  PipelineOptions p;
  p.context.quantize = &r;
  run_pipeline(q, p);
  INFO(print_graph(q));
  for (const std::string name : {"maxpool", "s1_c1"}) {
    const auto it = std::find_if(q.nodes.begin(), q.nodes.end(), [&](const Node &n) { return n.name == name; });
    REQUIRE(it != q.nodes.end());
    CHECK(!it->quant.has_value());
    CHECK(!q.value(it->output).is_int8());
    const std::optional<NodeId> producer = q.producer(it->inputs[0]);
    REQUIRE(producer.has_value());
    CHECK(q.nodes[size_t(*producer)].op == OpKind::Dequantize);
    bool requantized = false;  // a quantize node reads the float output
    for (const Node &n : q.nodes) requantized |= n.op == OpKind::Quantize && n.inputs[0] == it->output;
    CHECK(requantized);
  }
  const Tensor input = random_tensor(g.shape(g.input), 4321);
  CHECK(sqnr_db(interpret(g, input), interpret_int8(q, input)) > 20.0);
  // Bit for bit in C: a float max pool computes the same maxima in any order (the float conv's sums are not
  // ordered like the interpreter's, so only the max pool is kept float here).
  QuantizeRequest exact = calibration(g, 3, 60);
  exact.keep_float = {"maxpool"};
  const Graph compiled = check_bit_exact(g, exact, "keep_float");
  for (const Node &n : compiled.nodes)
    if (n.name == "maxpool") CHECK(!n.quant.has_value());
}
