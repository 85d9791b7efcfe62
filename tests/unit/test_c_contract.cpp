// The generated C's contract with firmware (docs/generated-c.md): status codes and refusals before output is
// written, the aligned arena declaration, weights placement, the byte-order check and the stack bound.
#include <fstream>
#include <regex>

#include "c_compile_helpers.h"
#include "compiler/frontend/json_frontend.h"
#include "ir/memory_plan.h"
#include "targets/c/stack_bound.h"
#include "targets/target.h"

using namespace shufflec;
using namespace shufflec::test;
using Catch::Matchers::Contains;

namespace {

bool have(const std::string &tool) { return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0; }

// The compilers to try: the configured one with the test flags, and clang with the strict flags when installed.
std::vector<std::string> compilers() {
  std::vector<std::string> out{cc()};
  if (have("clang")) out.push_back("clang -std=c99 -Wall -Wextra -Werror -pedantic -O2");
  return out;
}

// Writes the tiny sample's generated tiny.c / tiny.h into `dir`.
CModule write_tiny(const TempDir &dir) {
  const Graph g = load_json_graph(source_path("samples/hand/tiny.json"));
  const CModule m = emit_c_module(with_schedules(g), plan_memory(g), options("tiny", "tiny.json"));
  write_file(dir / "tiny.c", m.source);
  write_file(dir / "tiny.h", m.header);
  return m;
}

int64_t header_define(const std::string &header, const std::string &name) {
  std::smatch m;
  REQUIRE(std::regex_search(header, m, std::regex("#define " + name + " ([0-9]+)\n")));
  return std::stoll(m[1].str());
}

}  // namespace

TEST_CASE("c contract: the header names the status codes and offers the arena declaration", "[c_contract]") {
  TempDir dir;
  const CModule m = write_tiny(dir);
  CHECK_THAT(m.header, Contains("enum tiny_status {\n  TINY_OK = 0,\n  TINY_ERR_NULL = 1,"));
  CHECK_THAT(m.header, Contains("TINY_ERR_BYTE_ORDER = 2,"));
  CHECK_THAT(m.header, Contains("TINY_ERR_ARENA_ALIGN = 3"));
  CHECK_THAT(m.header, Contains("#define TINY_ARENA_DECLARE(name) TINY_ALIGNED unsigned char name["));
  CHECK(header_define(m.header, "TINY_STACK_BYTES") > 0);
  // The run function refuses before it computes anything; the arena is used only once known to be aligned.
  const size_t run = m.source.find("int tiny_run(");
  REQUIRE(run != std::string::npos);
  const std::string body = m.source.substr(run);
  const size_t first_layer = body.find("layer0_");
  REQUIRE(first_layer != std::string::npos);
  for (const char *refusal : {"return TINY_ERR_NULL;", "return TINY_ERR_ARENA_ALIGN;", "return TINY_ERR_BYTE_ORDER;"})
    CHECK(body.find(refusal) < first_layer);
  CHECK(body.find("return TINY_ERR_ARENA_ALIGN;") < body.find("(float *)arena"));
  // The golden-test harness declares its arena with the header's macro.
  const Graph g = load_json_graph(source_path("samples/hand/tiny.json"));
  const Tensor in{g.shape(g.input), pattern(g.shape(g.input).elements())};
  const std::string test = emit_c_test(g, options("tiny", "tiny.json"), in, interpret(g, in));
  CHECK_THAT(test, Contains("#define SC_ARENA_DECLARE TINY_ARENA_DECLARE\n"));
  CHECK_THAT(test, Contains("static SC_ARENA_DECLARE(sc_arena);"));
}

TEST_CASE("c contract: NULL pointers and a misaligned arena are refused before output is written", "[c_contract][cc]") {
  TempDir dir;
  write_tiny(dir);
  write_file(dir / "main.c", R"(/* Every refusal returns its status and leaves the output as it was. */
#include <stdint.h>
#include <stdio.h>
#include "tiny.h"

static TINY_ARENA_DECLARE(arena);
static float input[TINY_INPUT_COUNT], output[TINY_OUTPUT_COUNT];

static int untouched(void) {
  int i;
  for (i = 0; i < TINY_OUTPUT_COUNT; ++i)
    if (output[i] != -7.0f) return 0;
  return 1;
}

static int expect(const char *what, int got, int want) {
  if (got == want && untouched()) return 0;
  printf("%s: status %d, want %d; output %s\n", what, got, want, untouched() ? "untouched" : "WRITTEN");
  return 1;
}

int main(void) {
  int i, bad = 0;
  unsigned off;
  TINY_ARENA_DECLARE(local_arena);
  for (i = 0; i < TINY_INPUT_COUNT; ++i) input[i] = (float)(i % 5) * 0.25f;
  for (i = 0; i < TINY_OUTPUT_COUNT; ++i) output[i] = -7.0f;
  if ((uintptr_t)arena % TINY_ARENA_ALIGN != 0 || (uintptr_t)local_arena % TINY_ARENA_ALIGN != 0) {
    printf("TINY_ARENA_DECLARE gave a misaligned arena\n");
    return 1;
  }
  bad |= expect("NULL input", tiny_run(NULL, output, arena), TINY_ERR_NULL);
  bad |= expect("NULL arena", tiny_run(input, output, NULL), TINY_ERR_NULL);
  bad |= expect("NULL output", tiny_run(input, NULL, arena), TINY_ERR_NULL);
  for (off = 1; off < TINY_ARENA_ALIGN; off *= 2)
    bad |= expect("misaligned arena", tiny_run(input, output, arena + off), TINY_ERR_ARENA_ALIGN);
  if (bad) return 1;
  if (tiny_run(input, output, arena) != TINY_OK || untouched()) return 2;
  for (i = 0; i < TINY_OUTPUT_COUNT; ++i) output[i] = -7.0f;
  if (tiny_run(input, output, local_arena) != TINY_OK || untouched()) return 3;
  printf("contract OK\n");
  return 0;
}
)");
  for (const std::string &c : compilers()) {
    const Command build = sh(dir, fmt::format("cd '{}' && {} -o main tiny.c main.c -lm", dir.path().string(), c));
    INFO(c << "\n" << build.output);
    REQUIRE(build.status == 0);
    const Command run = sh(dir, fmt::format("'{}'", dir / "main"));
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK_THAT(run.output, Contains("contract OK"));
  }
}

TEST_CASE("c contract: without GNU attributes the arena is C11 _Alignas, else a named error", "[c_contract][cc]") {
  // A compiler that is neither GNU-compatible nor MSVC, imitated by undefining __GNUC__ and __clang__.
  TempDir dir;
  write_tiny(dir);
  write_file(dir / "align.c", R"(#include "tiny.h"
static TINY_ARENA_DECLARE(arena);
int main(void) { return (int)((unsigned long)(void *)arena % TINY_ARENA_ALIGN); }
)");
  const std::string c = std::string(SHUFFLEC_TEST_CC) + " -Wall -Wextra -Werror -pedantic -U__GNUC__ -U__clang__";
  const Command c11 =
      sh(dir, fmt::format("cd '{}' && {} -std=c11 -o align align.c && ./align", dir.path().string(), c));
  INFO(c11.output);
  CHECK(c11.status == 0);
  const Command c99 = sh(dir, fmt::format("cd '{}' && {} -std=c99 -c align.c", dir.path().string(), c));
  INFO(c99.output);
  CHECK(c99.status != 0);
  CHECK_THAT(c99.output, Contains("TINY_ALIGNED_is_not_defined_for_this_compiler"));
}

TEST_CASE("c contract: the weights are 64-byte aligned and go where TINY_WEIGHTS_ATTR says", "[c_contract][cc]") {
  REQUIRE(have("objdump"));  // binutils, which gcc needs anyway
  TempDir dir;
  const CModule m = write_tiny(dir);
  const int64_t weights_bytes = header_define(m.header, "TINY_WEIGHTS_BYTES");
  for (const std::string &c : compilers()) {
    for (const bool placed : {false, true}) {
      const std::string define = placed ? " -DTINY_WEIGHTS_ATTR='__attribute__((section(\".ext_flash\")))'" : "";
      const Command build = sh(dir, fmt::format("cd '{}' && {}{} -c tiny.c -o tiny.o", dir.path().string(), c, define));
      INFO(c << define << "\n" << build.output);
      REQUIRE(build.status == 0);
      // objdump -t: VALUE FLAGS SECTION SIZE NAME.
      const Command symbols = sh(dir, fmt::format("objdump -t '{}'", dir / "tiny.o"));
      INFO(symbols.output);
      std::smatch sym;
      REQUIRE(std::regex_search(symbols.output, sym,
                                std::regex(R"(([0-9a-f]+) l +O (\S+)\s+([0-9a-f]+) sc_weights\n)")));
      const std::string section = sym[2].str();
      CHECK(std::stoll(sym[3].str(), nullptr, 16) == weights_bytes);
      CHECK(std::stoll(sym[1].str(), nullptr, 16) % 64 == 0);
      if (placed) CHECK(section == ".ext_flash");
      else CHECK(section.rfind(".rodata", 0) == 0);
      // objdump -h: the section's alignment is at least 2**6.
      const Command headers = sh(dir, fmt::format("objdump -h '{}'", dir / "tiny.o"));
      INFO(headers.output);
      std::smatch sec;
      REQUIRE(std::regex_search(headers.output, sec,
                                std::regex(" " + std::regex_replace(section, std::regex(R"(\.)"), R"(\.)") +
                                           R"( +[0-9a-f]+ +[0-9a-f]+ +[0-9a-f]+ +[0-9a-f]+ +2\*\*([0-9]+))")));
      CHECK(std::stoi(sec[1].str()) >= 6);
    }
  }
}

TEST_CASE("c contract: a compiler that says the target is big-endian refuses the model", "[c_contract][cc]") {
  TempDir dir;
  write_tiny(dir);
  const std::string c = cc();
  const Command big = sh(dir, fmt::format("cd '{}' && {} -U__BYTE_ORDER__ -D__BYTE_ORDER__=__ORDER_BIG_ENDIAN__ "
                                          "-c tiny.c", dir.path().string(), c));
  INFO(big.output);
  CHECK(big.status != 0);
  CHECK_THAT(big.output, Contains("this target is big-endian"));
  // A compiler that does not say leaves the check to the run (the sentinel), and the file compiles.
  const Command silent = sh(dir, fmt::format("cd '{}' && {} -U__BYTE_ORDER__ -c tiny.c", dir.path().string(), c));
  INFO(silent.output);
  CHECK(silent.status == 0);
  // A real big-endian target, where clang can compile for one (the #error comes before any system header).
  if (have("clang")) {
    const Command ppc = sh(dir, fmt::format("cd '{}' && clang --target=powerpc64-linux-gnu -std=c99 -fsyntax-only "
                                            "tiny.c", dir.path().string()));
    INFO(ppc.output);
    CHECK(ppc.status != 0);
    CHECK_THAT(ppc.output, Contains("this target is big-endian"));
  }
}

TEST_CASE("c contract: the stack bound counts what a function declares", "[c_contract]") {
  const TargetDesc portable = portable_c_target(), x86 = x86_64_target();
  auto bound = [&](const std::string &body, const TargetDesc &t = portable_c_target()) {
    return c_function_stack_bound("static void f(float *restrict y) {\n" + body + "}\n", t);
  };
  const int64_t empty = bound("");
  CHECK(empty > 0);
  // Arrays take their size; static ones take none.
  CHECK(bound("  float b[1000];\n  b[0] = 1.0f;\n") >= empty + 4000);
  CHECK(bound("  static const float t[1000] = {1.0f, 2.0f};\n  y[0] = t[0];\n") == empty);
  CHECK(bound("  float acc[6][16];\n") >= empty + 6 * 16 * 4);
  // Each declarator is a slot: one statement declaring two costs what two statements do, and loop variables count.
  const int64_t one = bound("  const int lo = 1;\n");
  CHECK(one > empty);
  CHECK(bound("  const int lo = 1, hi = (2 > 1 ? 2 : 1);\n") == 2 * one - empty);
  CHECK(bound("  for (int i = 0; i < 4; ++i) y[i] = 0.0f;\n") == one);
  CHECK(bound("  const float *restrict r0 = y, *restrict r1 = y + 1;\n") == 2 * one - empty);
  // Statements that declare nothing cost nothing.
  CHECK(bound("  y[0] = y[1] * y[2];\n  if (y[0] > 0.0f) y[0] = 0.0f;\n  else y[1] = 1.0f;\n") == empty);
  // A library call adds the callee's frame; the module's own functions are the caller's to count.
  CHECK(bound("  y[0] = expf(y[1]);\n") > empty);
  CHECK(c_function_stack_bound("int run(void) {\n  layer0(y);\n  return 0;\n}\n", portable, {"layer0"}) ==
        c_function_stack_bound("int run(void) {\n  return 0;\n}\n", portable));
  // SIMD: vector locals take their width, intrinsics their operands' copies.
  const int64_t vec = bound("  __m256 v;\n", x86);
  CHECK(vec >= bound("", x86) + 32);
  CHECK(bound("  __m256 v = _mm256_set1_ps(y[0]);\n", x86) > vec);
}

TEST_CASE("c contract: the stated stack bound covers gcc's -fstack-usage of a small ShuffleNet", "[c_contract][cc]") {
  // The e2e test e2e.stack_bound does the same for zoo models with every compiler; this is the quick version.
  TempDir dir;
  const Graph g = mini_shufflenet();
  const CModule m = emit_c_module(with_schedules(g), plan_memory(g), options("mini", "mini.json"));
  write_file(dir / "mini.c", m.source);
  write_file(dir / "mini.h", m.header);
  const int64_t bound = header_define(m.header, "MINI_STACK_BYTES");
  for (const char *level : {"-O0", "-O2"}) {
    const Command build = sh(dir, fmt::format("cd '{}' && {} -std=c99 {} -fstack-usage -c mini.c -o mini.o",
                                              dir.path().string(), SHUFFLEC_TEST_CC, level));
    INFO(level << "\n" << build.output);
    REQUIRE(build.status == 0);
    // mini.su: FILE:LINE[:COL]:FUNCTION <tab> BYTES <tab> static
    std::ifstream su(dir / "mini.su");
    REQUIRE(su);
    int64_t run = -1, deepest = 0;
    for (std::string line; std::getline(su, line);) {
      INFO(line);
      std::smatch f;
      REQUIRE(std::regex_match(line, f, std::regex(R"(.*:([A-Za-z0-9_.]+)\t([0-9]+)\t(\S+))")));
      CHECK(f[3].str() == "static");
      const std::string fn = f[1].str().substr(0, f[1].str().find('.'));
      CHECK(std::regex_match(fn, std::regex(R"(mini_run|layer[0-9]+_\w+|sc_\w+)")));
      const int64_t bytes = std::stoll(f[2].str());
      if (fn == "mini_run") run = bytes;
      else deepest = std::max(deepest, bytes);
    }
    REQUIRE(run > 0);
    CHECK(deepest > 0);
    CHECK(run + deepest <= bound);
  }
}
