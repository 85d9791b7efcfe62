// `shufflec info --quantize int8`: per int8 layer, its output's scale and zero point and the SQNR of the int8 result
// against fp32 on the calibration data, so the user sees which layer loses accuracy.
#pragma once
#include <string>
#include <vector>

#include "ir/op.h"

namespace shufflec {

// `quantized` is the graph after the quantize_int8 pass; its fp32 meaning (the fp32 interpreter) is the reference.
std::string quantization_table(const Graph &quantized, const std::vector<Tensor> &samples);

}  // namespace shufflec
