// Target specs: what each --target spelling parses to, what `native` picks on this host, and the flags
// `shufflec flags` prints from the description.
#include <algorithm>
#include <catch2/catch.hpp>

#include "c_compile_helpers.h"
#include "ir/diagnostics.h"
#include "targets/target.h"

using namespace shufflec;
using namespace shufflec::test;
using Catch::Matchers::Contains;

namespace {

std::string user_error(const std::string &spec) {
  try {
    parse_target(spec);
  } catch (const UserError &e) {
    return e.what();
  }
  return "(no error)";
}

bool cpu_has(const std::string &flags) {
  std::string cmd = "true";
  size_t at = 0;
  while (at < flags.size()) {
    const size_t space = std::min(flags.find(' ', at), flags.size());
    cmd += " && grep -qw " + flags.substr(at, space - at) + " /proc/cpuinfo";
    at = space + 1;
  }
  return std::system(cmd.c_str()) == 0;
}

}  // namespace

TEST_CASE("targets: x86-64 specs pick the AVX2 or the AVX-512 description", "[targets]") {
  const TargetDesc avx2 = parse_target("x86_64-linux-gnu+avx2,fma");
  CHECK(avx2.name == "x86-64");
  CHECK(avx2.simd->width() == 8);
  CHECK(avx2.cflags == std::vector<std::string>{"-mavx2", "-mfma"});

  // AVX-512 needs F, BW and VL, in any order, with or without the AVX2 features beside them.
  for (const std::string spec :
       {"x86_64-linux-gnu+avx512f,avx512bw,avx512vl", "x86_64-linux-gnu+avx2,fma,avx512vl,avx512bw,avx512f",
        "x86_64-unknown-linux-gnu+avx512f,avx512vl,avx512bw"}) {
    INFO(spec);
    const TargetDesc t = parse_target(spec);
    CHECK(t.name == "x86-64-avx512");
    CHECK(t.triple.rfind("x86_64-", 0) == 0);
    REQUIRE(t.simd != nullptr);
    CHECK(t.simd->width() == 16);
    CHECK(t.vector_floats == 16);
    CHECK(t.vector_registers == 32);
    CHECK(t.simd->type() == "__m512");
    CHECK(t.cflags == std::vector<std::string>{"-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx2", "-mfma"});
    CHECK(t.gemm_pixel_vectors == 4);  // the tile that measured fastest on Zen 5 (docs/targets.md)
  }

  CHECK_THAT(user_error("x86_64-linux-gnu+avx512f"), Contains("needs all of the features avx512f,avx512bw,avx512vl"));
  CHECK_THAT(user_error("x86_64-linux-gnu+avx2,fma,avx512f,avx512bw"), Contains("needs all of the features"));
  CHECK_THAT(user_error("x86_64-linux-gnu"), Contains("x86-64 needs the features avx2,fma"));
  CHECK_THAT(user_error("x86_64-linux-gnu+avx2"), Contains("x86-64 needs the features avx2,fma"));
  CHECK_THAT(user_error("sparc-linux-gnu"), Contains("x86_64-linux-gnu+avx512f,avx512bw,avx512vl"));
}

TEST_CASE("targets: native is the best x86 level this CPU has", "[targets]") {
  const TargetDesc native = parse_target("native");
  if (std::system("uname -m | grep -qx x86_64") != 0) {
    WARN("not an x86-64 host: native is " << native.name);
    CHECK(native.name != "x86-64-avx512");
  } else if (cpu_has("avx512f avx512bw avx512vl")) {
    CHECK(native.name == "x86-64-avx512");
  } else if (cpu_has("avx2 fma")) {
    WARN("no AVX-512 F/BW/VL on this CPU: native is the AVX2 target");
    CHECK(native.name == "x86-64");
  } else {
    CHECK(native.name == "c");
  }
}

TEST_CASE("targets: shufflec flags prints each target's C compiler flags", "[targets][cli]") {
  const TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"c", ""},
      {"x86_64-linux-gnu+avx2,fma", "-mavx2 -mfma"},
      {"x86_64-linux-gnu+avx512f,avx512bw,avx512vl", "-mavx512f -mavx512bw -mavx512vl -mavx2 -mfma"},
      {"aarch64-linux-gnu", ""},
      {"armv7a-linux-gnueabihf+neon", "-mfpu=neon -mfloat-abi=hard"},
  };
  for (const auto &[spec, want] : cases) {
    const Command r = sh(dir, "'" + cli() + "' flags --target " + spec);
    INFO(spec << ": " << r.output);
    CHECK(r.status == 0);
    CHECK(r.output == want + "\n");
  }
  const Command native = sh(dir, "'" + cli() + "' flags --target native");
  CHECK(native.status == 0);
  std::string want;
  for (const std::string &f : parse_target("native").cflags) want += (want.empty() ? "" : " ") + f;
  CHECK(native.output == want + "\n");
}
