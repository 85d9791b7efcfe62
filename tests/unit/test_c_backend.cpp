// The portable C backend (targets/c/c_backend.h): deterministic output, the header's interface, no dynamic
// allocation, and generated C that compiles, runs its golden test and links next to another model.
#include <algorithm>
#include <cmath>
#include <regex>

#include "compiler/frontend/json_frontend.h"
#include "c_compile_helpers.h"
#include "ir/memory_plan.h"
#include "targets/c/c_backend.h"

using namespace shufflec;
using namespace shufflec::test;
using Catch::Matchers::Contains;

namespace {

// C source without comments and with string and character literals emptied, to search for identifiers.
std::string strip_comments(const std::string &src) {
  std::string out;
  for (size_t i = 0; i < src.size();) {
    if (src.compare(i, 2, "/*") == 0) {
      const size_t end = src.find("*/", i + 2);
      i = end == std::string::npos ? src.size() : end + 2;
      out += ' ';
    } else if (src.compare(i, 2, "//") == 0) {
      while (i < src.size() && src[i] != '\n') ++i;
    } else if (src[i] == '"' || src[i] == '\'') {
      const char quote = src[i++];
      while (i < src.size() && src[i] != quote) i += src[i] == '\\' ? 2 : 1;
      ++i;
      out += quote;
      out += quote;
    } else {
      out += src[i++];
    }
  }
  return out;
}

bool calls_allocator(const std::string &src) {
  static const std::regex alloc(R"(\b(malloc|calloc|realloc|free|alloca|aligned_alloc|posix_memalign)\s*\()");
  return std::regex_search(strip_comments(src), alloc);
}

// Literals for embedding float values in a C test program (9 significant digits read back exactly).
std::string c_floats(const std::vector<float> &v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += fmt::format("{}{:.9g}", i ? ", " : "", v[i]);
  return out;
}

}  // namespace

TEST_CASE("c backend: emitting the same graph twice is byte-identical", "[c_backend]") {
  const Graph g = load_json_graph(source_path("samples/hand/tiny.json"));
  const CEmitOptions opts = options("tiny", "tiny.json");
  const CModule a = emit_c_module(with_schedules(g), plan_memory(g), opts);
  const CModule b = emit_c_module(with_schedules(g), plan_memory(g), opts);
  CHECK(a.source == b.source);
  CHECK(a.header == b.header);
  // Loading the model again changes nothing either.
  const Graph g2 = load_json_graph(source_path("samples/hand/tiny.json"));
  const CModule c = emit_c_module(with_schedules(g2), plan_memory(g2), opts);
  CHECK(a.source == c.source);
  CHECK(a.header == c.header);
}

TEST_CASE("c backend: the CLI writes byte-identical files on every run", "[c_backend][cli]") {
  TempDir dir;
  const std::string model = source_path("samples/hand/tiny.json");
  for (const char *out : {"one", "two"}) {
    const Command r = sh(dir, fmt::format("'{}' compile '{}' -o '{}' --emit-test", cli(), model, dir / out));
    INFO(r.output);
    REQUIRE(r.status == 0);
    CHECK(r.output.empty());  // a successful compile prints nothing
  }
  for (const auto &entry : std::filesystem::directory_iterator(dir.path() / "one")) {
    const std::string name = entry.path().filename().string();
    INFO(name);
    CHECK(read_text(entry.path().string()) == read_text((dir.path() / "two" / name).string()));
  }
  CHECK(std::filesystem::exists(dir.path() / "one" / "tiny.c"));
  CHECK(std::filesystem::exists(dir.path() / "one" / "tiny.h"));
  CHECK(std::filesystem::exists(dir.path() / "one" / "tiny_test.c"));
}

TEST_CASE("c backend: the header declares the run function and the sizes", "[c_backend]") {
  const Graph g = with_schedules(load_json_graph(source_path("samples/hand/tiny.json")));
  const MemoryPlan plan = plan_memory(g);
  const CModule m = emit_c_module(g, plan, options("my_net", "tiny.json"));
  CHECK_THAT(m.header, Contains("int my_net_run(const float *input, float *output, void *arena);"));
  CHECK_THAT(m.header, Contains("#define MY_NET_INPUT_COUNT 192\n"));
  CHECK_THAT(m.header, Contains("#define MY_NET_OUTPUT_COUNT 4\n"));
  CHECK_THAT(m.header, Contains(fmt::format("#define MY_NET_ARENA_BYTES {}\n", plan.arena_bytes())));
  CHECK_THAT(m.header, Contains("#ifndef MY_NET_H"));
  CHECK_THAT(m.header, Contains("extern \"C\""));
  CHECK_THAT(m.source, Contains("#include \"my_net.h\""));
  CHECK_THAT(m.source, Contains("int my_net_run(const float *input, float *output, void *arena)"));
  // Everything else in the .c file is static, so models link side by side. Layer functions are declared with
  // SC_LAYER, which the runtime prologue defines as static (plus noinline where the compiler has it).
  const std::string code = strip_comments(m.source);
  CHECK_THAT(code, Contains("#define SC_LAYER static __attribute__((noinline))"));
  CHECK_THAT(code, Contains("#define SC_LAYER static\n"));
  std::regex external(R"(^(?!static\b|SC_LAYER\b)[A-Za-z_][A-Za-z0-9_ \*]*\b(\w+)\s*\([^;]*\)\s*\{)",
                      std::regex::multiline);
  for (std::sregex_iterator it(code.begin(), code.end(), external), end; it != end; ++it)
    CHECK((*it)[1].str() == "my_net_run");
}

TEST_CASE("c backend: no dynamic allocation in generated code", "[c_backend]") {
  for (const std::string &which : {std::string("tiny"), std::string("mini")}) {
    INFO(which);
    const Graph g = which == "tiny" ? load_json_graph(source_path("samples/hand/tiny.json")) : mini_shufflenet();
    const CEmitOptions opts = options("m", "m.json");
    const CModule m = emit_c_module(with_schedules(g), plan_memory(g), opts);
    const Tensor in{g.shape(g.input), pattern(g.shape(g.input).elements())};
    const std::string test = emit_c_test(g, opts, in, interpret(g, in));
    CHECK_FALSE(calls_allocator(m.source));
    CHECK_FALSE(calls_allocator(m.header));
    CHECK_FALSE(calls_allocator(test));
    CHECK(m.source.find("<stdlib.h>") == std::string::npos);
  }
  // The checker itself finds a call and ignores comments.
  CHECK(calls_allocator("int f(void) { return malloc (4) != 0; }"));
  CHECK_FALSE(calls_allocator("/* no malloc( here */ int x; // nor free(x)\nconst char *s = \"\\\" malloc(\";"));
}

TEST_CASE("c backend: the sample's generated C compiles and passes its golden test", "[c_backend][cc]") {
  TempDir dir;
  const std::string out = dir / "out";
  const Command compile = sh(dir, fmt::format("'{}' compile '{}' -o '{}' --emit-test", cli(),
                                              source_path("samples/hand/tiny.json"), out));
  INFO(compile.output);
  REQUIRE(compile.status == 0);
  const Command build = sh(dir, fmt::format("cd '{}' && {} -o tiny_test tiny.c tiny_test.c -lm", out, cc()));
  INFO(build.output);
  REQUIRE(build.status == 0);
  const Command run = sh(dir, fmt::format("'{}/tiny_test'", out));
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("PASS"));
}

TEST_CASE("c backend: a ShuffleNet-like graph compiles and matches the interpreter", "[c_backend][cc]") {
  TempDir dir;
  const Graph g = mini_shufflenet();
  const CEmitOptions opts = options("mini", "mini.json");
  const CModule m = emit_c_module(with_schedules(g), plan_memory(g), opts);
  const Tensor in{g.shape(g.input), pattern(g.shape(g.input).elements(), 3)};
  write_file(dir / "mini.c", m.source);
  write_file(dir / "mini.h", m.header);
  write_file(dir / "mini_test.c", emit_c_test(g, opts, in, interpret(g, in)));
  const Command build = sh(dir, fmt::format("cd '{}' && {} -o mini_test mini.c mini_test.c -lm", dir.path().string(), cc()));
  INFO(build.output);
  REQUIRE(build.status == 0);
  const Command run = sh(dir, fmt::format("'{}'", dir / "mini_test"));
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("PASS"));
}

TEST_CASE("c backend: two models with different prefixes link into one program", "[c_backend][cc]") {
  TempDir dir;
  // Model a: the sample through the CLI. Model b: the ShuffleNet-like graph through the library.
  const std::string sample = source_path("samples/hand/tiny.json");
  const Command ca = sh(dir, fmt::format("'{}' compile '{}' -o '{}' --prefix a", cli(), sample, dir.path().string()));
  INFO(ca.output);
  REQUIRE(ca.status == 0);
  const Graph gb = mini_shufflenet();
  const CModule mb = emit_c_module(with_schedules(gb), plan_memory(gb), options("b", "mini.json"));
  write_file(dir / "b.c", mb.source);
  write_file(dir / "b.h", mb.header);

  const Graph ga = load_json_graph(sample);
  const Tensor in_a{ga.shape(ga.input), pattern(ga.shape(ga.input).elements(), 1)};
  const Tensor in_b{gb.shape(gb.input), pattern(gb.shape(gb.input).elements(), 2)};
  const Tensor want_a = interpret(ga, in_a), want_b = interpret(gb, in_b);
  const std::string main_c = fmt::format(R"(/* Calls two generated models from one program. */
#include <math.h>
#include <stdio.h>
#include "a.h"
#include "b.h"

static A_ARENA_DECLARE(arena_a);
static B_ARENA_DECLARE(arena_b);
static const float in_a[A_INPUT_COUNT] = {{{}}};
static const float want_a[A_OUTPUT_COUNT] = {{{}}};
static const float in_b[B_INPUT_COUNT] = {{{}}};
static const float want_b[B_OUTPUT_COUNT] = {{{}}};
static float out_a[A_OUTPUT_COUNT], out_b[B_OUTPUT_COUNT];

static int close_enough(const float *got, const float *want, int n) {{
  int i;
  for (i = 0; i < n; ++i)
    if (!(fabs((double)got[i] - (double)want[i]) <= 1e-5)) {{
      printf("element %d: got %.9g, want %.9g\n", i, got[i], want[i]);
      return 0;
    }}
  return 1;
}}

int main(void) {{
  if (a_run(in_a, out_a, arena_a) != 0) return 10;
  if (b_run(in_b, out_b, arena_b) != 0) return 11;
  if (!close_enough(out_a, want_a, A_OUTPUT_COUNT)) return 12;
  if (!close_enough(out_b, want_b, B_OUTPUT_COUNT)) return 13;
  /* Interleaved runs do not disturb each other (no global state). */
  if (b_run(in_b, out_b, arena_b) != 0 || a_run(in_a, out_a, arena_a) != 0) return 14;
  if (!close_enough(out_a, want_a, A_OUTPUT_COUNT) || !close_enough(out_b, want_b, B_OUTPUT_COUNT)) return 15;
  /* A NULL pointer is refused. */
  if (a_run(NULL, out_a, arena_a) != A_ERR_NULL || b_run(in_b, NULL, arena_b) != B_ERR_NULL) return 16;
  printf("both models OK\n");
  return 0;
}}
)",
                                         c_floats(in_a.data), c_floats(want_a.data), c_floats(in_b.data),
                                         c_floats(want_b.data));
  write_file(dir / "main.c", main_c);
  const Command build = sh(dir, fmt::format("cd '{}' && {} -o both a.c b.c main.c -lm", dir.path().string(), cc()));
  INFO(build.output);
  REQUIRE(build.status == 0);
  const Command run = sh(dir, fmt::format("'{}'", dir / "both"));
  INFO(run.output);
  CHECK(run.status == 0);
  CHECK_THAT(run.output, Contains("both models OK"));
}

TEST_CASE("c backend: max_pool lets a NaN win its windows and padding never win, as the interpreter", "[c_backend][cc]") {
  // The golden harness refuses NaN outputs, so this program compares NaN-ness and exact values itself. NaNs at a
  // corner (edge rows, left padding), inside and at the far corner; a -inf block where a window sees only -inf and
  // padding. Kernels 3 (unrolled taps, stride 1 and 2), 2 with dilation 2, and 9 (tap loops); one with a relu (NaN
  // gives 0).
  TempDir dir;
  GraphBuilder b(S({2, 2, 6, 7}));
  b.node("m1", OpKind::MaxPool, {"x"}, A().pool(3, 2, 1));
  b.node("m2", OpKind::MaxPool, {"x"}, A().kernel(2).stride(1).dilation(2).pads(1, 0, 0, 1).ceil_mode());
  b.node("m3", OpKind::MaxPool, {"x"}, A().pool(3, 1, 1).act(Activation::Relu));
  b.node("m4", OpKind::MaxPool, {"x"}, A().pool(9, 2, 4));
  std::vector<std::string> flats;
  for (const char *m : {"m1", "m2", "m3", "m4"}) {
    b.node(std::string(m) + "f", OpKind::Flatten, {m});
    flats.push_back(std::string(m) + "f");
  }
  b.node("all", OpKind::Concat, flats);
  const Graph g = b.build();
  std::vector<float> in = pattern(g.shape(g.input).elements(), 5);
  auto at = [&](int n, int c, int y, int x) -> float & { return in[size_t(((n * 2 + c) * 6 + y) * 7 + x)]; };
  at(0, 0, 0, 0) = NAN;
  at(0, 1, 3, 4) = NAN;
  at(1, 0, 5, 6) = NAN;
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x) at(1, 1, y, x) = -INFINITY;
  const Tensor want = interpret(g, Tensor{g.shape(g.input), in});
  REQUIRE(std::count_if(want.data.begin(), want.data.end(), [](float v) { return std::isnan(v); }) > 0);
  REQUIRE(std::count(want.data.begin(), want.data.end(), -INFINITY) > 0);
  auto literals = [](const std::vector<float> &v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i)
      out += (i ? ", " : "") + (std::isnan(v[i]) ? std::string("NAN")
                                : std::isinf(v[i]) ? std::string(v[i] < 0 ? "-INFINITY" : "INFINITY")
                                                   : fmt::format("{:.9g}", v[i]));
    return out;
  };
  const CModule m = emit_c_module(with_schedules(g), plan_memory(g), options("mp", "maxpool.json"));
  write_file(dir / "mp.c", m.source);
  write_file(dir / "mp.h", m.header);
  write_file(dir / "main.c", fmt::format(R"(/* Checks max_pool's NaN and padding behaviour against the interpreter. */
#include <math.h>
#include <stdio.h>
#include "mp.h"

static MP_ARENA_DECLARE(arena);
static const float in[MP_INPUT_COUNT] = {{{}}};
static const float want[MP_OUTPUT_COUNT] = {{{}}};
static float got[MP_OUTPUT_COUNT];

int main(void) {{
  int i;
  if (mp_run(in, got, arena) != 0) return 10;
  for (i = 0; i < MP_OUTPUT_COUNT; ++i)
    if ((got[i] != got[i]) != (want[i] != want[i]) || (want[i] == want[i] && got[i] != want[i])) {{
      printf("element %d: got %.9g, want %.9g\n", i, got[i], want[i]);
      return 11;
    }}
  printf("max_pool OK\n");
  return 0;
}}
)",
                                         literals(in), literals(want.data)));
  // The default flags, and the vectorised build the x86 targets get.
  std::vector<std::string> compilers{cc()};
  if (std::system("grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo") == 0) {
    compilers.push_back(cc() + " -O3 -mavx2 -mfma");
    if (std::system("command -v clang >/dev/null 2>&1") == 0)
      compilers.push_back("clang -std=c99 -Wall -Wextra -Werror -pedantic -O3 -mavx2 -mfma");
  }
  for (const std::string &c : compilers) {
    const Command build = sh(dir, fmt::format("cd '{}' && {} -o mp mp.c main.c -lm", dir.path().string(), c));
    INFO(c << "\n" << build.output);
    REQUIRE(build.status == 0);
    const Command run = sh(dir, fmt::format("'{}'", dir / "mp"));
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK_THAT(run.output, Contains("max_pool OK"));
  }
}

TEST_CASE("cli: an output path the system refuses is a one-line error, not a crash", "[cli]") {
  // Regression: std::filesystem::is_directory threw (ENAMETOOLONG) and the CLI aborted.
  TempDir dir;
  const Command r = sh(dir, fmt::format("'{}' compile '{}' -o '{}/{}'", cli(), source_path("samples/hand/tiny.json"),
                                        dir.path().string(), std::string(5000, 'x')));
  INFO(r.output.substr(0, 300));
  CHECK(r.status == 1);
  CHECK(r.output.rfind("shufflec: error: ", 0) == 0);
  CHECK_THAT(r.output, Contains("cannot create the output directory"));
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
}

TEST_CASE("c backend: c_identifier makes prefixes", "[c_backend]") {
  CHECK(c_identifier("shufflenet_v1_g3_1.0x") == "shufflenet_v1_g3_1_0x");
  CHECK(c_identifier("tiny") == "tiny");
  CHECK(c_identifier("1net") == "m_1net");
  CHECK(c_identifier("") == "m_");
  CHECK(c_identifier("a b-c") == "a_b_c");
}
