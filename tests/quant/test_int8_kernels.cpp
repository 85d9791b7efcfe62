// The SIMD int8 GEMM (ConvKernel::Int8Gemm) equals the int8 interpreter bit for bit on every target: portable C,
// x86-64 AVX2, AVX-512 without and with VNNI (each skipped when this CPU lacks it), aarch64 (smlal, and sdot with
// +dotprod) and armv7 under qemu.
// 1x1 group convs with channel counts that fill no vector or tap group, planes with partial tiles, batch 2, every
// clamp, fused residuals and store maps (the absorbed shuffle), compared with tolerance 0. And the requantizing
// helpers of each instruction set against the scalar ones on edge values (ties, saturation, every shift).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "compiler/compile.h"
#include "compiler/quantize/calibration.h"
#include "compiler/tensor_io.h"
#include "tests/passes/graph_builder.h"

using namespace shufflec;
using namespace shufflec::testing;

namespace {

struct Int8Target {
  std::string spec, cc, flags, runner, runtime;  // runtime: the SIMD helper files, for the requantization check
};

bool has_command(const std::string &cmd) {
  return std::system(("command -v " + cmd + " >/dev/null 2>&1").c_str()) == 0;
}
bool cpu_has(const std::string &flags) {
  std::string cmd = "true";
  for (size_t at = 0; at < flags.size();) {
    const size_t space = std::min(flags.find(' ', at), flags.size());
    cmd += " && grep -qw " + flags.substr(at, space - at) + " /proc/cpuinfo";
    at = space + 1;
  }
  return std::system(cmd.c_str()) == 0;
}

std::vector<Int8Target> int8_targets() {
  const std::string strict = "-std=c99 -Wall -Wextra -Werror -pedantic -O2";
  std::vector<Int8Target> out{{"c", SHUFFLEC_TEST_CC, SHUFFLEC_TEST_CFLAGS, "", ""}};
  auto host = [&](const std::string &spec, const std::string &cpu, const std::string &runtime) {
    if (!cpu_has(cpu)) {
      WARN("target " << spec << " skipped: this CPU lacks one of " << cpu);
      return;
    }
    std::string flags = SHUFFLEC_TEST_CFLAGS;
    for (const std::string &f : parse_target(spec).cflags) flags += " " + f;
    out.push_back({spec, SHUFFLEC_TEST_CC, flags, "", runtime});
  };
  host("x86_64-linux-gnu+avx2,fma", "avx2 fma", "shufflec_int8_x86_i16.h shufflec_int8_avx2.h");
  host("x86_64-linux-gnu+avx512f,avx512bw,avx512vl", "avx512f avx512bw avx512vl",
       "shufflec_int8_avx512.h shufflec_int8_x86_i16.h shufflec_int8_avx512_i16.h");
  host("x86_64-linux-gnu+avx512f,avx512bw,avx512vl,avx512vnni", "avx512f avx512bw avx512vl avx512_vnni",
       "shufflec_int8_avx512.h shufflec_int8_avx512_vnni.h");
  // Static cross builds cannot take the sanitizers: they get the strict flags alone. (The quant tests run in the
  // sanitizer build only, tools/test.sh, so this is where the NEON int8 kernels are checked.)
  if (has_command("aarch64-linux-gnu-gcc") && has_command("qemu-aarch64")) {
    out.push_back({"aarch64-linux-gnu", "aarch64-linux-gnu-gcc", strict + " -static", "qemu-aarch64",
                   "shufflec_int8_neon.h shufflec_int8_neon_smlal.h"});
    // sdot needs a CPU with the dot product extension: qemu's "max" has it (a cortex-a57 would stop at SIGILL).
    std::string dotprod_flags = strict + " -static";
    for (const std::string &f : parse_target("aarch64-linux-gnu+dotprod").cflags) dotprod_flags += " " + f;
    out.push_back({"aarch64-linux-gnu+dotprod", "aarch64-linux-gnu-gcc", dotprod_flags, "qemu-aarch64 -cpu max",
                   "shufflec_int8_neon.h shufflec_int8_neon_sdot.h"});
  }
  if (has_command("arm-linux-gnueabihf-gcc") && has_command("qemu-arm"))
    out.push_back({"armv7a-linux-gnueabihf+neon", "arm-linux-gnueabihf-gcc",
                   strict + " -static -mfpu=neon -mfloat-abi=hard", "qemu-arm",
                   "shufflec_int8_neon.h shufflec_int8_neon_smlal.h"});
  return out;
}

std::string run(const std::string &cmd, int &status) {
  const std::string log = std::filesystem::temp_directory_path() / ("shufflec_int8k-log-" + std::to_string(getpid()));
  status = std::system((cmd + " > " + log + " 2>&1").c_str());
  std::ifstream in(log);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(log);
  return output;
}

// A 1x1 conv with optional bias, clamp, residual (another 1x1 conv of the same input) and store map.
ValueId pointwise(GraphBuilder &b, const std::string &name, ValueId x, int64_t out, int64_t groups, Activation act,
                  bool residual, bool map, std::mt19937 &rng) {
  Attrs a;
  a.groups = groups;
  std::vector<ValueId> ins{x, b.constant(name + ".w", Shape{{out, b.shape(x)[1] / groups, 1, 1}}),
                           b.constant(name + ".b", Shape{{out}})};
  if (residual) ins.push_back(b.node(name + "_res", OpKind::Conv2d, {x, ins[1]}, a));
  a.activation = act;
  if (map) {
    for (int64_t m = 0; m < out; ++m) a.out_channel_map.push_back(m);
    std::shuffle(a.out_channel_map.begin(), a.out_channel_map.end(), rng);
  }
  return b.node(name, OpKind::Conv2d, ins, a);
}

// A chain of 1x1 convs over `input`: grouped with K and MG that fill no tap group or register tile, a residual
// with a store map, relu6, and a wide K; every output feeds the next, so the golden sees them all.
Graph pointwise_chain(const Shape &input, uint32_t seed) {
  GraphBuilder b(input, seed);
  std::mt19937 rng(seed);
  auto x = pointwise(b, "g3", b.input(), 21, 3, Activation::Relu, false, false, rng);     // K 5, MG 7
  x = pointwise(b, "res_map", x, 21, 1, Activation::Relu, true, true, rng);              // K 21, residual, map
  x = pointwise(b, "wide", x, 38, 1, Activation::Relu6, false, false, rng);              // MG 38
  x = pointwise(b, "g2_map", x, 38, 2, Activation::None, false, true, rng);              // K 19, store map
  x = pointwise(b, "g19", x, 38, 19, Activation::Relu, true, false, rng);                // K 2, MG 2, residual
  return b.finish(x);
}

// A conv of any window straight from its attributes.
ValueId windowed(GraphBuilder &b, const std::string &name, ValueId x, int64_t out, int64_t groups, int64_t k,
                 int64_t stride, int64_t dilation, int64_t pad, Activation act, bool residual, bool map,
                 std::mt19937 &rng) {
  Attrs a;
  a.groups = groups;
  a.stride = {stride, stride};
  a.dilation = {dilation, dilation};
  a.pads = {pad, pad, pad, pad};
  std::vector<ValueId> ins{x, b.constant(name + ".w", Shape{{out, b.shape(x)[1] / groups, k, k}}),
                           b.constant(name + ".b", Shape{{out}})};
  if (residual) ins.push_back(b.node(name + "_res", OpKind::Conv2d, {x, ins[1]}, a));
  a.activation = act;
  if (map) {
    for (int64_t m = 0; m < out; ++m) a.out_channel_map.push_back(m);
    std::shuffle(a.out_channel_map.begin(), a.out_channel_map.end(), rng);
  }
  return b.node(name, OpKind::Conv2d, ins, a);
}

ValueId pool(GraphBuilder &b, const std::string &name, OpKind op, ValueId x, int64_t k, int64_t stride, int64_t pad,
             bool count_include_pad) {
  Attrs a;
  a.kernel = {k, k};
  a.stride = {stride, stride};
  a.pads = {pad, pad, pad, pad};
  a.count_include_pad = count_include_pad;
  return b.node(name, op, {x}, a);
}

// KxK convs (the int8 GEMM over an im2col matrix: a stem, a grouped dilated conv), depthwise convs (the row kernel:
// strides 1 and 2, 5x5, a residual with a store map) and the pools, on planes with partial vectors and edges.
Graph spatial_chain(const Shape &input, uint32_t seed) {
  GraphBuilder b(input, seed);
  std::mt19937 rng(seed);
  auto x = windowed(b, "stem", b.input(), 12, 1, 3, 2, 1, 1, Activation::Relu, false, false, rng);  // K 135
  x = windowed(b, "dw_res_map", x, 12, 12, 3, 1, 1, 1, Activation::None, true, true, rng);
  x = windowed(b, "dw5", x, 12, 12, 5, 1, 1, 2, Activation::Relu6, false, false, rng);
  x = pool(b, "max", OpKind::MaxPool, x, 3, 1, 1, false);
  x = windowed(b, "g3_dilated", x, 12, 3, 3, 1, 2, 2, Activation::Relu, false, true, rng);         // K 36, MG 4
  x = pool(b, "avg_pad", OpKind::AvgPool, x, 3, 1, 1, true);
  x = pool(b, "avg", OpKind::AvgPool, x, 3, 1, 1, false);
  x = windowed(b, "dw_s2", x, 12, 12, 3, 2, 1, 1, Activation::Relu, false, false, rng);
  x = pool(b, "avg_s2", OpKind::AvgPool, x, 3, 2, 1, true);  // ShuffleNet's shortcut pool
  x = pool(b, "max_s2", OpKind::MaxPool, x, 3, 2, 1, false);  // and its stem pool
  return b.finish(x);
}

QuantizeRequest calibration(const Graph &g, int samples, uint64_t seed) {
  QuantizeRequest r;
  for (int i = 0; i < samples; ++i) r.samples.push_back(random_tensor(g.shape(g.input), seed + uint64_t(i)));
  return r;
}

// Compiles g quantized for t (the harness's golden is the int8 interpreter) and runs it with tolerance 0.
void check_bit_exact(const Graph &g, const Int8Target &t, const std::filesystem::path &dir, int expected_gemms,
                     int expected_rows) {
  const QuantizeRequest request = calibration(g, 3, 7);
  CompileOptions options;
  options.emit.prefix = "m";
  options.emit.source_name = "int8_kernels.json";
  options.emit.target = parse_target(t.spec);
  options.pipeline.context.target = options.emit.target;
  options.pipeline.context.quantize = &request;
  options.emit_test = true;
  options.test_input = random_tensor(g.shape(g.input), 99);
  const CompiledModel compiled = compile_model(g, options);
  int gemms = 0, rows = 0;
  for (const Node &n : compiled.graph.nodes) {
    gemms += n.schedule && n.schedule->kernel == ConvKernel::Int8Gemm;
    rows += n.schedule && n.schedule->kernel == ConvKernel::Int8Rows;
  }
  CHECK(gemms == (t.spec == "c" ? 0 : expected_gemms));
  CHECK(rows == (t.spec == "c" ? 0 : expected_rows));
  for (const GeneratedFile &f : compiled.files) std::ofstream(dir / f.name) << f.contents;
  const std::string exe = (dir / "m_test").string();
  int status = 0;
  const std::string output = run(t.cc + " " + t.flags + " " + (dir / "m.c").string() + " " +
                                     (dir / "m_test.c").string() + " -lm -o " + exe + " && " + t.runner + " " + exe +
                                     " --tolerance 0",
                                 status);
  INFO("target " << t.spec << " (" << t.cc << ", input " << g.shape(g.input).str() << "):\n" << output);
  CHECK(status == 0);
}

void check_shapes(const std::vector<Shape> &shapes, uint32_t seed, bool spatial = false) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("shufflec_int8_kernels-" + std::to_string(getpid()) + "-" + std::to_string(seed));
  std::filesystem::create_directories(dir);
  for (const Int8Target &t : int8_targets())
    for (size_t i = 0; i < shapes.size(); ++i) {
      const uint32_t graph_seed = seed + uint32_t(i);
      if (spatial)
        check_bit_exact(spatial_chain(shapes[i], graph_seed), t, dir, 2, 4);
      else
        check_bit_exact(pointwise_chain(shapes[i], graph_seed), t, dir, 7, 0);
    }
  std::filesystem::remove_all(dir);
}

}  // namespace

// One shape per test (each builds and runs it on every target, inside the ~60 s budget). Planes: one pixel; 63 at
// batch 2 (one partial tile everywhere); 9 x 19 = 171 (whole tiles and a tail on every target).
TEST_CASE("int8 GEMM kernels equal the int8 interpreter on every target: one pixel") {
  check_shapes({Shape{{1, 15, 1, 1}}}, 100);
}
TEST_CASE("int8 GEMM kernels equal the int8 interpreter on every target: partial tiles, batch 2") {
  check_shapes({Shape{{2, 15, 7, 9}}}, 101);
}
TEST_CASE("int8 GEMM kernels equal the int8 interpreter on every target: whole tiles and tails") {
  check_shapes({Shape{{1, 15, 9, 19}}}, 200);
}

// The stem-like conv is 15 x 3 x 3 taps over 4 x 5 and 12 x 14 output planes.
TEST_CASE("int8 KxK GEMM, depthwise row kernels and pools equal the int8 interpreter on every target: small") {
  check_shapes({Shape{{1, 15, 7, 9}}}, 300, true);
}
TEST_CASE("int8 KxK GEMM, depthwise row kernels and pools equal the int8 interpreter on every target: batch 2") {
  check_shapes({Shape{{2, 15, 23, 27}}}, 301, true);
}

// The requantizing helpers of each instruction set (runtime/shufflec_int8_<isa>.h) against the scalar sc_requantize
// on values near every rounding tie and the int32 limits, for every shift the compiler can choose and the
// multipliers' extremes: a C program per target, compared lane by lane.
TEST_CASE("int8 SIMD requantization equals the scalar one on ties, saturation and every shift") {
  const auto dir = std::filesystem::temp_directory_path() / ("shufflec_int8_requant-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string source = std::string(SHUFFLEC_SOURCE_DIR) + "/tests/quant/requantize_check.c";
  for (const Int8Target &t : int8_targets()) {
    if (t.runtime.empty()) continue;
    std::string includes;
    for (size_t at = 0; at < t.runtime.size();) {
      const size_t space = std::min(t.runtime.find(' ', at), t.runtime.size());
      includes += " -include " + std::string(SHUFFLEC_SOURCE_DIR) + "/runtime/" + t.runtime.substr(at, space - at);
      at = space + 1;
    }
    const bool neon = t.runtime.find("neon") != std::string::npos;
    const std::string prologue = (dir / "prologue.h").string();
    std::ofstream(prologue) << "#include <stdint.h>\n#include <string.h>\n#include <stdio.h>\n"
                            << (neon ? "#include <arm_neon.h>\n" : "#include <immintrin.h>\n") << "#include \""
                            << SHUFFLEC_SOURCE_DIR << "/runtime/shufflec_int8.h\"\n";
    const std::string exe = (dir / "check").string();
    int status = 0;
    const std::string output = run(t.cc + " " + t.flags + " -include " + prologue + includes + " " + source +
                                       " -o " + exe + " && " + t.runner + " " + exe,
                                   status);
    INFO("target " << t.spec << ":\n" << output);
    CHECK(status == 0);
  }
  std::filesystem::remove_all(dir);
}
