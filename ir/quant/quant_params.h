// int8 quantization parameters, recorded on the graph by the quantize_int8 pass (compiler/quantize/) and read by the
// int8 interpreter (ir/quant/int8_interpreter.h) and the int8 kernels (targets/codegen/kernels/int8_*.cpp).
// Plain data; docs/quantization.md gives the arithmetic.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace shufflec {

// A real value r is stored as int8 q with r = scale * (q - zero_point).
struct QuantParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
  bool operator==(const QuantParams &) const = default;
};

// A real factor M ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (or 0 for a factor below 2^-31).
struct Requant {
  int32_t multiplier = 0;
  int32_t shift = 0;
  bool operator==(const Requant &) const = default;
};

// How an int8 node computes (Node::quant; its presence means the node runs in int8). Fields an op does not use
// stay empty.
struct NodeQuant {
  // conv2d, dense: weights in the graph's layout, per output channel scale, int32 bias and output requantization.
  std::vector<int8_t> weights;
  std::vector<float> weight_scales;
  std::vector<int32_t> bias;
  std::vector<Requant> requant;
  // add: each input's rescale to the common 2^20 domain ([0], [1]) and the sum's to the output ([2]); conv2d with
  // a residual: the residual's rescale to the output ([0]).
  std::vector<Requant> input_rescale;
  // avg_pool, global_avg_pool: requantization of a window sum for divisor d at [d - 1].
  std::vector<Requant> divisor_requant;
  // The output clamp (the fused ReLU/ReLU6).
  int32_t act_min = -128, act_max = 127;
  bool operator==(const NodeQuant &) const = default;
};

// The left shift of add's inputs (TFLite's), giving the rescaled sum 20 bits of headroom below int32.
inline constexpr int kAddLeftShift = 20;

// "s=0.0235/z=-128": how --dump-after shows a value's parameters.
std::string describe(const QuantParams &q);
// "int8 clamp=[-128,127] w_scales=[...] requant=[...]": a node's parameters, abbreviated.
std::string describe(const NodeQuant &q);

}  // namespace shufflec
