#include "compiler/debug/peak.h"

#include <algorithm>

#include <fmt/format.h>

namespace shufflec {
namespace {

// Each chain is acc = acc * b + a (it converges to a / (1 - b): no overflow, no denormals; the product depends on
// the previous step, so no compiler can hoist it out of the loop). Independent chains: enough to cover the FMA
// latency times the FMA ports of current cores (4 cycles x 2 ports on Zen 4/5 and Intel cores), leaving registers
// for the two multiplicands and the compiler.
int64_t chains_of(const TargetDesc &target) {
  return target.simd ? std::min<int64_t>(target.vector_registers - 4, 24) : 12;
}

// Lanes of one chain: the dialect's vector, or for the portable C a 4-float lane loop the compiler may vectorise.
int64_t lanes_of(const TargetDesc &target) { return target.simd ? target.simd->width() : 4; }

}  // namespace

std::string peak_program_description(const TargetDesc &target) {
  if (target.simd)
    return fmt::format("{} independent chains of {}-float FMAs in registers", chains_of(target), lanes_of(target));
  return fmt::format("{} independent chains of 4-float multiply-adds in plain C, as cc -O2 compiles them",
                     chains_of(target));
}

std::string peak_program_source(const TargetDesc &target) {
  const int64_t chains = chains_of(target), lanes = lanes_of(target);
  const VectorDialect *v = target.simd;
  std::string c;
  c += "#define _POSIX_C_SOURCE 199309L\n#include <stdio.h>\n#include <time.h>\n";
  if (v) c += fmt::format("#include {}\n", v->header());
  c += "static double now_s(void) {\n  struct timespec t;\n  clock_gettime(CLOCK_MONOTONIC, &t);\n"
       "  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;\n}\n";
  c += "static volatile float sink_value;\nstatic volatile float seed = 1e-7f;\n";
  // One batch: `iterations` rounds of one FMA per chain; returns the seconds taken.
  c += "static double batch(long iterations) {\n";
  if (v) {
    c += fmt::format("  const {} a = {}, b = {};\n", v->type(), v->splat("seed"), v->splat("1.0f - seed"));
    for (int64_t k = 0; k < chains; ++k)
      c += fmt::format("  {} acc{} = {};\n", v->type(), k, v->splat(fmt::format("seed * {}.0f", k)));
    c += fmt::format("  float out[{}];\n  long i;\n  int l;\n  const double t0 = now_s();\n", lanes);
    c += "  for (i = 0; i < iterations; ++i) {\n";
    for (int64_t k = 0; k < chains; ++k)
      c += fmt::format("    acc{} = {};\n", k, v->fma(fmt::format("acc{}", k), "b", "a"));
    c += "  }\n";
    for (int64_t k = 1; k < chains; ++k) c += fmt::format("  acc0 = {};\n", v->add("acc0", fmt::format("acc{}", k)));
    c += "  {\n    const double t1 = now_s();\n    " + v->store("out", "acc0") + ";\n";
    c += fmt::format("    for (l = 0; l < {}; ++l) sink_value += out[l];\n    return t1 - t0;\n  }}\n}}\n", lanes);
  } else {
    c += fmt::format("  float acc[{}][{}];\n  const float a = seed, b = 1.0f - seed;\n  long i;\n  int k, l;\n",
                     chains, lanes);
    c += fmt::format("  double t0, t1;\n  for (k = 0; k < {}; ++k)\n    for (l = 0; l < {}; ++l) acc[k][l] = seed * "
                     "(float)(k + l);\n  t0 = now_s();\n", chains, lanes);
    c += fmt::format("  for (i = 0; i < iterations; ++i)\n    for (k = 0; k < {}; ++k)\n      for (l = 0; l < {}; "
                     "++l) acc[k][l] = acc[k][l] * b + a;\n  t1 = now_s();\n", chains, lanes);
    c += fmt::format("  for (k = 0; k < {}; ++k)\n    for (l = 0; l < {}; ++l) sink_value += acc[k][l];\n"
                     "  return t1 - t0;\n}}\n", chains, lanes);
  }
  // Calibrate to ~1 ms a batch and keep the best of 300: a shared machine only ever slows a batch down, and a batch
  // well inside the scheduler's time slice often runs undisturbed.
  c += fmt::format(
      "int main(void) {{\n  const double macs_per_iteration = {}.0;\n  long iterations = 100000;\n"
      "  double best = 1e30;\n  int r;\n"
      "  while (batch(iterations) < 0.001 && iterations < 1000000000L) iterations *= 2;\n"
      "  for (r = 0; r < 300; ++r) {{\n    const double s = batch(iterations);\n    if (s < best) best = s;\n  }}\n"
      "  printf(\"peak_gmacs=%.3f\\n\", macs_per_iteration * (double)iterations / best * 1e-9);\n  return 0;\n}}\n",
      chains * lanes);
  return c;
}

}  // namespace shufflec
