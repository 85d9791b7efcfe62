// The JSON frontend: reads a shufflec-graph file (docs/format.md) and its weights file into a verified Graph.
#pragma once
#include <string>

#include "ir/graph.h"

namespace shufflec {

// Throws UserError (naming `path` and, where it applies, the node) for anything malformed.
Graph load_json_graph(const std::string &path);

}  // namespace shufflec
