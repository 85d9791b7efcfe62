// The ONNX frontend's public entry (onnx_frontend.h, docs/onnx.md). The model is parsed with the real protobuf/ONNX
// library, then converted node by node in topological order by the Converter (compiler/frontend/onnx/converter.h,
// one file per job); anything that cannot be expressed in the IR is a one-line UserError naming the ONNX node and
// its op type.
#include "compiler/frontend/onnx_frontend.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "compiler/frontend/onnx/converter.h"

namespace shufflec {

using onnx_import::clip_text;

bool is_onnx_path(const std::string &path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".onnx";
}

void parse_input_shape(const std::string &spec, OnnxOptions &options) {
  const size_t eq = spec.rfind('=');
  const std::string name = eq == std::string::npos ? "" : spec.substr(0, eq);
  const std::string list = eq == std::string::npos ? spec : spec.substr(eq + 1);
  auto bad = [&]() {
    throw UserError("", "", fmt::format("--input-shape '{}' must be NAME=D0,D1,... with integers >= 1 (for example "
                                        "input=1,3,224,224)",
                                        clip_text(spec)));
  };
  std::vector<int64_t> dims;
  size_t start = 0;
  while (true) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string item = list.substr(start, comma - start);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 12) bad();
    const int64_t v = std::stoll(item);
    if (v < 1) bad();
    dims.push_back(v);
    if (comma == list.size()) break;
    start = comma + 1;
  }
  if (eq != std::string::npos && name.empty()) bad();
  options.input_shapes[name] = dims;
}

Graph load_onnx_graph(const std::string &path, const OnnxOptions &options) {
  return onnx_import::Converter(path, options).run();
}

}  // namespace shufflec
