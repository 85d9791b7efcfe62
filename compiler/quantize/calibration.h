// int8 calibration (docs/quantization.md): the samples from --calibration FILE.npy|DIR, and each tensor's value
// range on them, measured with the fp32 reference interpreter on the optimised graph.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/op.h"

namespace shufflec {

enum class CalibrationMethod {
  MinMax,  // the smallest and largest value seen
  Mse,     // the clipping range with the smallest expected quantization error (the default)
};

// What --quantize int8 asks of the quantize_int8 pass (PassContext::quantize).
struct QuantizeRequest {
  std::vector<Tensor> samples;  // each shaped like the graph input
  CalibrationMethod method = CalibrationMethod::Mse;
  // --keep-float NODE,...: layers (names as the model gives them; a BN or ReLU fused into a conv goes with the conv)
  // left in fp32, between dequantize and quantize.
  std::set<std::string> keep_float;
};

// Reads FILE.npy (samples stacked on the batch axis) or every *.npy of a folder (in name order) and splits them into
// tensors shaped like `input`. Throws UserError naming the file: a shape that holds no whole number of samples, an
// empty folder, NaN or infinity in the data.
std::vector<Tensor> load_calibration(const std::string &path, const Shape &input);

// Parses --calibration-method (minmax, mse); throws UserError for anything else.
CalibrationMethod parse_calibration_method(const std::string &name);

struct ValueRange {
  double lo = 0.0, hi = 0.0;
};

// The range of every value the graph computes (and of its input), over all samples, chosen by `method`.
std::map<ValueId, ValueRange> calibrate(const Graph &g, const std::vector<Tensor> &samples, CalibrationMethod method);

}  // namespace shufflec
