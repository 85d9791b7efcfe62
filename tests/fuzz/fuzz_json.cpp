// libFuzzer target: the JSON frontend with its weights file, then the rest of the compiler.
// Input layout: the JSON text, a NUL byte, the weights file's bytes (no NUL: an empty weights file). The JSON is
// written to model.json and the weights to model.weights beside it, so a seed's "weights_file" is "model.weights"
// (tests/fuzz/make_corpus.py rewrites the tests' models that way).
#include <cstring>

#include "compiler/frontend/json_frontend.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace shufflec;
  const auto *nul = static_cast<const uint8_t *>(std::memchr(data, 0, size));
  const size_t json_size = nul ? static_cast<size_t>(nul - data) : size;
  const std::string model = fuzz::write_scratch("model.json", data, json_size);
  fuzz::write_scratch("model.weights", nul ? nul + 1 : data, nul ? size - json_size - 1 : 0);
  Graph g;
  try {
    g = load_json_graph(model);
  } catch (const UserError &) {
    return 0;  // rejected with a one-line error: the expected outcome for most inputs
  }
  try {
    fuzz::compile_accepted_graph(std::move(g));
  } catch (const UserError &) {
  }
  return 0;
}
