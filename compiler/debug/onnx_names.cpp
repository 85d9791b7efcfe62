#include "compiler/debug/onnx_names.h"

#include <fstream>
#include <iterator>
#include <limits>

#include <onnx/onnx_pb.h>

namespace shufflec {

std::map<std::string, std::string> onnx_tensor_producers(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  onnx::ModelProto model;
  std::map<std::string, std::string> out;
  if (bytes.size() > size_t(std::numeric_limits<int>::max()) || !model.ParseFromArray(bytes.data(), int(bytes.size())))
    return out;
  for (const onnx::NodeProto &n : model.graph().node())
    if (n.output_size() == 1 && !n.output(0).empty()) out[n.output(0)] = n.name().empty() ? n.output(0) : n.name();
  return out;
}

}  // namespace shufflec
