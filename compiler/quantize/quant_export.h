// `shufflec run --quantize int8 --export-int8 FILE.json`: the quantized graph and one run of the int8 interpreter in
// a machine-readable form, for checks outside shufflec (tests/quant/check_fake_quant_torch.py simulates the same
// scheme in PyTorch and compares it layer by layer).
#pragma once
#include <string>

#include "ir/op.h"

namespace shufflec {

struct Int8Export {
  std::string json;  // nodes (op, inputs, output, attributes, clamp, weight scales) and values (shape, scale, zero point)
  std::string data;  // little-endian float32: every constant, and every value the run computed (int8 values as floats)
};

// `quantized` is the graph after the quantize_int8 pass; `input` is run through the int8 interpreter. The JSON names
// the data file as `data_file` and locates each tensor in it by `offset` (in floats).
Int8Export export_int8(const Graph &quantized, const Tensor &input, const std::string &data_file);

}  // namespace shufflec
