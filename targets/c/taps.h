// Debug taps (`shufflec compile --debug-taps`, docs/generated-c.md): after each layer the generated code hands the
// values of the source graph that the layer's output holds to a user hook, each in the source graph's layout and
// under its source node's name (Node::sources, kept up to date by the passes).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/quant/quant_params.h"
#include "targets/codegen/c_writer.h"

namespace shufflec {

struct TapPoint {
  int index = 0;            // the hook's `index`: position in run order
  size_t node = 0;          // the compiled node after which it fires
  std::string source;       // the source node's name
  std::vector<int64_t> channel_map;  // source channel c is stored at channel_map[c] (empty: source layout)
  Shape shape;
  std::optional<QuantParams> quant;  // an int8 tensor: the tap hands the hook its dequantized floats
};

// Every tap of a compiled graph, in run order.
std::vector<TapPoint> plan_taps(const Graph &g);

// Floats of arena scratch the taps need beyond the memory plan (a permuted tensor is copied back there, an int8
// one dequantized there), rounded up to the arena alignment.
int64_t tap_scratch_floats(const std::vector<TapPoint> &taps);

// File-scope C: the unpermute helper (and the dequantize helper when a tap is int8) and each tap's shape (and
// channel map) as static const arrays.
void print_tap_tables(CWriter &w, const std::vector<TapPoint> &taps);

// The statement calling the hook for one tap after its layer: `data` is the C expression of the layer's output,
// `scratch` the scratch's (a float pointer; used when the tap's channels are permuted or its tensor is int8).
std::string tap_statement(const TapPoint &t, const std::string &data, const std::string &scratch);

// A C string literal holding `text`.
std::string c_string_literal(const std::string &text);

}  // namespace shufflec
