// The footprint contract (docs/generated-c.md): the flash a compiled model needs (code + weights + other constants +
// initialised data) and its RAM (the arena + the stack bound the header states + any static data). Flash is measured
// from the generated C compiled to an object by the target's toolchain when it is on PATH, and estimated (labelled
// so) otherwise. Shown by `info --memory`, written to NAME.memplan.json, checked by --flash-budget.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/graph.h"
#include "targets/c/c_backend.h"

namespace shufflec {

struct LayerFlash {
  size_t node = 0;
  int64_t weights_bytes = 0, code_bytes = 0;
  int64_t bytes() const { return weights_bytes + code_bytes; }
};

struct Footprint {
  std::string target;  // the target's name
  bool measured = false;
  std::string method;  // how flash was found: the compiler command, or the estimate's rule and why
  int64_t code_bytes = 0, weights_bytes = 0, other_constant_bytes = 0, data_bytes = 0, bss_bytes = 0;
  int64_t external_weights_bytes = 0;  // --weights=external: NAME.weights.bin, in flash of the caller's choosing
  int64_t arena_bytes = 0, stack_bytes = 0;
  std::vector<LayerFlash> layers;  // the layers that print a function, in order

  int64_t flash_bytes() const { return code_bytes + weights_bytes + other_constant_bytes + data_bytes; }
  int64_t ram_bytes() const { return arena_bytes + stack_bytes + data_bytes + bss_bytes; }
  // The layer whose code and weights take the most flash (nullptr for a model without layer functions).
  const LayerFlash *largest_layer() const;
};

// measure: compile `module` with the target's toolchain (gcc for the target's triple, else clang --target) and read
// the object; without a toolchain, or when it fails, or with measure false: the estimate.
Footprint model_footprint(const CModule &module, const CEmitOptions &emit, bool measure);

// The lines `info --memory` prints, and the "footprint" object of NAME.memplan.json.
std::string footprint_table(const Graph &g, const Footprint &f);
nlohmann::ordered_json footprint_json(const Graph &g, const Footprint &f);

// A byte count with an optional binary suffix: "65536", "64K", "64KiB", "1M", "1MiB". Throws UserError naming
// `option` otherwise.
int64_t parse_byte_size(const std::string &text, const std::string &option);

}  // namespace shufflec
