// The ONNX frontend: reads an ONNX model (onnx::ModelProto, parsed by the real protobuf library) into a verified
// Graph, and writes a Graph back out as a shufflec JSON graph + weights file (`shufflec convert`). docs/onnx.md lists
// the supported ops and how each maps to the IR.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace shufflec {

struct OnnxOptions {
  // --input-shape NAME=1,3,224,224: the full shape of a graph input (needed when the model leaves a dimension
  // dynamic). The key "" means "the model's only input".
  std::map<std::string, std::vector<int64_t>> input_shapes;
};

// Parses one --input-shape value, "NAME=1,3,224,224" or "1,3,224,224", into `options`. Throws UserError.
void parse_input_shape(const std::string &spec, OnnxOptions &options);

// True when `path` names an ONNX model (extension .onnx, any case).
bool is_onnx_path(const std::string &path);

// Reads an ONNX model. Throws UserError (one line naming `path` and the ONNX node) for anything malformed or
// unsupported; a model using unsupported ops gets one error listing all of them.
Graph load_onnx_graph(const std::string &path, const OnnxOptions &options = {});

// A graph as a shufflec JSON graph (docs/format.md, version 1) plus its weights file: every constant a node uses,
// at 64-byte aligned offsets. `weights_file` is the name recorded in the JSON (relative to the JSON's folder);
// `weights` is empty, and no weights_file is recorded, when the graph has no constants.
struct JsonGraphFiles {
  std::string json;
  std::string weights;
};
JsonGraphFiles graph_to_json(const Graph &g, const std::string &weights_file);

}  // namespace shufflec
