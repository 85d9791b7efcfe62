// `shufflec diff --quantize int8` (docs/debugging.md): how far each layer of an int8 build is from the fp32
// reference (SQNR), and whether the build's int8 taps are the int8 interpreter's bit for bit.
#pragma once
#include <map>
#include <vector>

#include "compiler/debug/tap_runner.h"

namespace shufflec {

// Signal-to-quantization-noise ratio in dB, 10 log10(sum ref^2 / sum (got - ref)^2): +inf when equal, NaN when
// `got` holds a NaN.
double sqnr_db(const std::vector<float> &got, const std::vector<float> &ref);

struct Int8TapCheck {
  int checked = 0;                // taps of int8 tensors compared
  std::vector<int> differing;     // their tap indices whose floats differ from the interpreter's
};

// Runs the int8 interpreter on the compiled (quantized) graph and compares every int8 tap with its tensor there,
// dequantized and put back in the source layout as the generated C does it, bit for bit.
Int8TapCheck check_int8_taps(const TappedBuild &build, const Tensor &input,
                             const std::map<int, std::vector<float>> &tapped);

}  // namespace shufflec
