// libFuzzer target: the ONNX frontend (the bytes are the .onnx file), then the rest of the compiler, and
// `shufflec convert`'s round trip: a graph the ONNX frontend accepted, written as JSON + weights, must read back.
#include <cstdio>
#include <cstdlib>

#include "compiler/frontend/json_frontend.h"
#include "compiler/frontend/onnx_frontend.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace shufflec;
  const std::string model = fuzz::write_scratch("model.onnx", data, size);
  Graph g;
  try {
    g = load_onnx_graph(model);
  } catch (const UserError &) {
    return 0;  // rejected with a one-line error: the expected outcome for most inputs
  }
  const JsonGraphFiles files = graph_to_json(g, "converted.weights");
  fuzz::write_scratch("converted.weights", reinterpret_cast<const uint8_t *>(files.weights.data()),
                      files.weights.size());
  const std::string json = fuzz::write_scratch(
      "converted.json", reinterpret_cast<const uint8_t *>(files.json.data()), files.json.size());
  try {
    load_json_graph(json);
  } catch (const UserError &e) {
    std::fprintf(stderr, "the converted model does not read back: %s\n", e.what());
    std::abort();
  }
  try {
    fuzz::compile_accepted_graph(std::move(g));
  } catch (const UserError &) {
  }
  return 0;
}
