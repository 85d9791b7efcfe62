// `shufflec diff`: runs a model compiled with debug taps and compares every tapped source node with a reference,
// to name the first layer that goes wrong (docs/debugging.md).
#pragma once
#include <ostream>
#include <string>

#include "compiler/passes/passes.h"
#include "ir/graph.h"
#include "targets/target_desc.h"

namespace shufflec {

struct DiffOptions {
  std::string input;                      // the model input: .npy or raw float32 file
  std::string reference = "interpreter";  // or a .npz of arrays keyed by source node (or ONNX tensor) names
  TargetDesc target;
  double tolerance = 1e-4;  // a node diverges when max|err| / max|ref| exceeds it
  // With pipeline.context.quantize set, the int8 build is diffed against the fp32 reference: a node diverges when
  // its SQNR is below this (20 dB: the noise's RMS a tenth of the signal's; docs/debugging.md).
  double min_sqnr_db = 20.0;
  PipelineOptions pipeline;
};

// Prints the table and the "first diverging node:" line to `out`; returns 1 if any node diverges, else 0.
// Throws UserError (bad input, reference, or toolchain) before printing anything.
int run_diff(const Graph &g, const DiffOptions &options, std::ostream &out);

// How one tensor compares with its reference.
struct TensorError {
  double max_abs = 0, relative = 0, cosine = 1;
};
TensorError compare_tensors(const std::vector<float> &got, const std::vector<float> &ref);

}  // namespace shufflec
