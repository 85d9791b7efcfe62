// The footprint contract (compiler/footprint/): byte sizes with K/M suffixes, flash measured from the object the host
// compiler makes of the generated C (and the estimate when not measured), and --weights=external: the model run
// from a weights file equals the compiled-in build, and a misaligned or foreign weights blob is refused.
#include "c_compile_helpers.h"
#include "compiler/footprint/footprint.h"
#include "compiler/frontend/json_frontend.h"
#include "ir/memory_plan.h"
#include "targets/target.h"

using namespace shufflec;
using namespace shufflec::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

CModule tiny_module(const std::string &prefix, bool external) {
  const Graph g = load_json_graph(source_path("samples/hand/tiny.json"));
  CEmitOptions o = options(prefix, "tiny.json");
  o.external_weights = external;
  return emit_c_module(with_schedules(g), plan_memory(g), o);
}

}  // namespace

TEST_CASE("footprint: byte counts take K and M suffixes (1024-based)", "[footprint]") {
  CHECK(parse_byte_size("65536", "--ram-budget") == 65536);
  CHECK(parse_byte_size("64K", "--ram-budget") == 65536);
  CHECK(parse_byte_size("64k", "--ram-budget") == 65536);
  CHECK(parse_byte_size("64KiB", "--ram-budget") == 65536);
  CHECK(parse_byte_size("1M", "--flash-budget") == 1048576);
  CHECK(parse_byte_size("2MiB", "--flash-budget") == 2097152);
  CHECK(parse_byte_size("0", "--flash-budget") == 0);
  for (const char *bad : {"", "K", "64KB", "1.5M", "-1", "64 K", "1G", "99999999999999"})
    CHECK_THAT(user_error([&] { parse_byte_size(bad, "--ram-budget"); }).what(),
               Contains("--ram-budget needs a byte count such as 65536, 64K or 1M"));
}

TEST_CASE("footprint: measured from the host compiler's object, estimated when not", "[footprint][cc]") {
  const CModule m = tiny_module("tiny", false);
  const CEmitOptions o = options("tiny", "tiny.json");
  const Footprint measured = model_footprint(m, o, true);
  INFO(measured.method);
  REQUIRE(measured.measured);
  CHECK_THAT(measured.method, StartsWith("measured: cc -std=c99 -O2"));
  CHECK(measured.weights_bytes == m.weights_bytes);  // the blob object is the header's WEIGHTS_BYTES
  CHECK(measured.code_bytes > 0);
  CHECK(measured.arena_bytes == m.arena_bytes);
  CHECK(measured.stack_bytes == m.stack_bytes);
  CHECK(measured.ram_bytes() == m.arena_bytes + m.stack_bytes + measured.data_bytes + measured.bss_bytes);
  REQUIRE(!measured.layers.empty());
  int64_t layer_code = 0;
  for (const LayerFlash &l : measured.layers) {
    CHECK(l.code_bytes > 0);  // each layer function is noinline, found by its symbol
    layer_code += l.code_bytes;
  }
  CHECK(layer_code <= measured.code_bytes);
  int64_t layer_weights = 0;
  for (const CLayer &l : m.layers) layer_weights += l.weights_bytes;
  CHECK(layer_weights + 64 == m.weights_bytes);  // every byte but the sentinel block belongs to a layer

  const Footprint estimated = model_footprint(m, o, false);
  CHECK_FALSE(estimated.measured);
  CHECK_THAT(estimated.method, StartsWith("estimated"));
  CHECK(estimated.weights_bytes == m.weights_bytes);
  CHECK(estimated.code_bytes > 0);
}

TEST_CASE("footprint: external weights run from a file equal to the compiled-in weights", "[footprint][cc]") {
  TempDir dir;
  const CModule embedded = tiny_module("tiny", false), external = tiny_module("tinyx", true);
  write_file(dir / "tiny.c", embedded.source);
  write_file(dir / "tiny.h", embedded.header);
  write_file(dir / "tinyx.c", external.source);
  write_file(dir / "tinyx.h", external.header);
  write_file(dir / "tinyx.weights.bin", external.weights_file);
  REQUIRE(int64_t(external.weights_file.size()) == external.weights_bytes);
  CHECK(external.source.find("sc_weights = {") == std::string::npos);  // no blob compiled in
  CHECK_THAT(external.header, Contains("int tinyx_run(const float *input, float *output, void *arena, "
                                       "const void *weights);"));
  CHECK_THAT(external.header, Contains("#define TINYX_WEIGHTS_ALIGN 64"));
  CHECK_THAT(external.header, Contains("TINYX_ERR_WEIGHTS_ALIGN = 4,"));
  CHECK_THAT(external.header, Contains("TINYX_ERR_WEIGHTS_MISMATCH = 5"));
  CEmitOptions external_options = options("tinyx", "tiny.json");
  external_options.external_weights = true;
  const Footprint f = model_footprint(external, external_options, false);
  CHECK(f.external_weights_bytes == external.weights_bytes);
  CHECK(f.weights_bytes == 0);  // not in the model's flash
  write_file(dir / "main.c", R"(/* tinyx from tinyx.weights.bin against tiny with its weights compiled in. */
#include <stdio.h>
#include <string.h>
#include "tiny.h"
#include "tinyx.h"

static TINY_ARENA_DECLARE(arena);
static TINYX_ALIGNED unsigned char weights[TINYX_WEIGHTS_BYTES + TINYX_WEIGHTS_ALIGN];
static TINYX_ALIGNED unsigned char foreign[TINYX_WEIGHTS_BYTES];
static float input[TINY_INPUT_COUNT], want[TINY_OUTPUT_COUNT], got[TINY_OUTPUT_COUNT];

int main(int argc, char **argv) {
  FILE *f = fopen(argc > 1 ? argv[1] : "", "rb");
  int i;
  if (!f || fread(weights, 1, TINYX_WEIGHTS_BYTES, f) != TINYX_WEIGHTS_BYTES || fgetc(f) != EOF) return 10;
  fclose(f);
  for (i = 0; i < TINY_INPUT_COUNT; ++i) input[i] = (float)(i % 7) * 0.25f - 0.5f;
  if (tiny_run(input, want, arena) != TINY_OK) return 11;
  if (tinyx_run(input, got, arena, weights) != TINYX_OK) return 12;
  if (memcmp(want, got, sizeof got) != 0) return 13;
  if (tinyx_run(input, got, arena, NULL) != TINYX_ERR_NULL) return 14;
  for (i = 1; i < TINYX_WEIGHTS_ALIGN; i *= 2) {
    memmove(weights + i, weights, TINYX_WEIGHTS_BYTES);
    if (tinyx_run(input, got, arena, weights + i) != TINYX_ERR_WEIGHTS_ALIGN) return 15;
    memmove(weights, weights + i, TINYX_WEIGHTS_BYTES);
  }
  memcpy(foreign, weights, TINYX_WEIGHTS_BYTES);
  foreign[9] ^= 1u; /* the fingerprint word */
  if (tinyx_run(input, got, arena, foreign) != TINYX_ERR_WEIGHTS_MISMATCH) return 16;
  memcpy(foreign, weights, TINYX_WEIGHTS_BYTES);
  foreign[4] ^= 1u; /* the size word */
  if (tinyx_run(input, got, arena, foreign) != TINYX_ERR_WEIGHTS_MISMATCH) return 17;
  printf("external weights OK\n");
  return 0;
}
)");
  std::vector<std::string> compilers{cc()};
  if (std::system("command -v clang >/dev/null 2>&1") == 0)
    compilers.push_back("clang -std=c99 -Wall -Wextra -Werror -pedantic -O2");
  for (const std::string &c : compilers) {
    const Command build =
        sh(dir, fmt::format("cd '{}' && {} -o main tiny.c tinyx.c main.c -lm", dir.path().string(), c));
    INFO(c << "\n" << build.output);
    REQUIRE(build.status == 0);
    const Command run = sh(dir, fmt::format("'{}' '{}'", dir / "main", dir / "tinyx.weights.bin"));
    INFO(run.output);
    CHECK(run.status == 0);
    CHECK_THAT(run.output, Contains("external weights OK"));
  }
}

TEST_CASE("footprint: compile --weights=external writes NAME.weights.bin, reported apart from flash", "[footprint]") {
  TempDir dir;
  const Command c = sh(dir, cli() + " compile " + source_path("samples/hand/tiny.json") + " -o " + dir.path().string() +
                                " --prefix net --weights=external");
  INFO(c.output);
  REQUIRE(c.status == 0);
  const std::string header = read_text(dir / "net.h"), weights = read_text(dir / "net.weights.bin");
  CHECK_THAT(header, Contains(fmt::format("#define NET_WEIGHTS_BYTES {}\n", weights.size())));
  CHECK_THAT(read_text(dir / "net.memplan.json"), Contains(fmt::format("\"external_weights_bytes\": {}", weights.size())));
  float sentinel;
  std::memcpy(&sentinel, weights.data(), 4);
  CHECK(sentinel == 1.0f);
  uint32_t size;
  std::memcpy(&size, weights.data() + 4, 4);
  CHECK(size == weights.size());
}
