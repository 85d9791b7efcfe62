// What the three fuzz targets share: a private scratch folder for the files the readers open, and the rest of the
// compiler run on whatever graph a reader accepted.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace shufflec::fuzz {

// This process's scratch folder (made on first use, removed at exit).
const std::string &scratch_dir();

// Writes `size` bytes to scratch_dir()/name and returns the path.
std::string write_scratch(const std::string &name, const uint8_t *data, size_t size);

// What `shufflec compile --emit-test` does after the frontend: the verifier-checked pass pipeline, the memory plan
// and the C printer, and the interpreter on the graph before and after the passes when the graph is small enough to
// run quickly. Every stage must accept any graph a frontend returned, or fail with a UserError.
void compile_accepted_graph(Graph g);

}  // namespace shufflec::fuzz
