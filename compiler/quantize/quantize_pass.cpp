// The quantize_int8 pass (docs/quantization.md): calibrates the optimised graph, decides which nodes run in int8,
// inserts quantize/dequantize at the borders and records every parameter on the graph (Value::quant, Node::quant).
// The last pass of the pipeline; without --quantize it does nothing.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "compiler/passes/passes.h"
#include "compiler/quantize/calibration.h"
#include "ir/ops/conv2d.h"
#include "ir/quant/fixed_point.h"
#include "ir/quant/int8_interpreter.h"

namespace shufflec {
namespace {

using quant::quantize_multiplier;

// Activation parameters for a range (docs/quantization.md, "Numbers").
QuantParams activation_params(ValueRange r) {
  const double lo = std::min(r.lo, 0.0), hi = std::max(r.hi, 0.0);
  const float scale = hi - lo > 0.0 ? static_cast<float>((hi - lo) / 255.0) : 1.0f / 255.0f;
  const int32_t zero = quant::clamp_int(quant::round_to_int32(-128.0 - lo / double(scale)), -128, 127);
  return {scale, zero};
}

// Ops whose output must share its input's parameters (they move bytes, or max commutes with quantization).
bool shares_input_params(OpKind op) {
  return op == OpKind::Concat || op == OpKind::ChannelShuffle || op == OpKind::Flatten ||
         op == OpKind::ChannelSlice || op == OpKind::MaxPool || op == OpKind::Relu;
}

struct UnionFind {
  std::vector<ValueId> parent;
  explicit UnionFind(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  ValueId find(ValueId v) {
    while (parent[size_t(v)] != v) v = parent[size_t(v)] = parent[size_t(parent[size_t(v)])];
    return v;
  }
  void join(ValueId a, ValueId b) { parent[size_t(find(a))] = find(b); }
};

// A new intermediate named after `base` that no value has yet, produced by a new node of the same name.
Node border_node(Graph &g, OpKind op, ValueId from, const std::string &suffix) {
  std::string name = g.value(from).name + suffix;
  for (int i = 2; g.find_value(name); ++i) name = fmt::format("{}{}.{}", g.value(from).name, suffix, i);
  Value v{name, ValueKind::Intermediate, g.shape(from), {}, std::nullopt};
  const ValueId out = g.add_value(std::move(v));
  Node n;
  n.name = name;
  n.op = op;
  n.inputs = {from};
  n.output = out;
  return n;
}

// Per output channel symmetric int8 weights, int32 bias and requantization: conv2d and dense.
void quantize_weights(const Graph &g, const Node &n, NodeQuant &q) {
  const Value &w = g.value(n.inputs[1]);
  const int64_t M = w.shape[0], K = w.shape.elements() / M;
  const double sx = g.value(n.inputs[0]).quant->scale, sy = g.value(n.output).quant->scale;
  q.weights.resize(w.data.size());
  for (int64_t m = 0; m < M; ++m) {
    float max_abs = 0.0f;
    for (int64_t k = 0; k < K; ++k) max_abs = std::max(max_abs, std::fabs(w.data[size_t(m * K + k)]));
    const float sw = max_abs > 0.0f ? static_cast<float>(double(max_abs) / 127.0) : 1.0f;
    for (int64_t k = 0; k < K; ++k)
      q.weights[size_t(m * K + k)] = static_cast<int8_t>(
          quant::clamp_int(quant::round_to_int32(double(w.data[size_t(m * K + k)]) / sw), -127, 127));
    q.weight_scales.push_back(sw);
    const double bias = n.inputs.size() > 2 ? g.value(n.inputs[2]).data[size_t(m)] : 0.0;
    q.bias.push_back(quant::round_to_int32(bias / (sx * sw)));
    q.requant.push_back(quantize_multiplier(sx * sw / sy));
  }
}

NodeQuant node_params(const Graph &g, const Node &n) {
  NodeQuant q;
  const QuantParams y = *g.value(n.output).quant;
  const bool has_activation = n.op == OpKind::Conv2d || n.op == OpKind::Dense || n.op == OpKind::Add ||
                              n.op == OpKind::MaxPool || n.op == OpKind::AvgPool;
  Activation act = has_activation ? n.attrs.activation : Activation::None;
  if (n.op == OpKind::Relu) act = n.attrs.activation == Activation::Relu6 ? Activation::Relu6 : Activation::Relu;
  if (act != Activation::None) q.act_min = std::max(-128, y.zero_point);
  if (act == Activation::Relu6) q.act_max = std::min<int64_t>(127, y.zero_point + quant::round_to_int32(6.0 / y.scale));
  auto scale_of = [&](size_t i) { return double(g.value(n.inputs[i]).quant->scale); };
  switch (n.op) {
    case OpKind::Conv2d:
      quantize_weights(g, n, q);
      if (n.inputs.size() > 3) q.input_rescale.push_back(quantize_multiplier(scale_of(3) / y.scale));
      break;
    case OpKind::Dense: quantize_weights(g, n, q); break;
    case OpKind::Add: {
      const double smax = std::max(scale_of(0), scale_of(1));
      q.input_rescale = {quantize_multiplier(scale_of(0) / (2 * smax)), quantize_multiplier(scale_of(1) / (2 * smax)),
                         quantize_multiplier(2 * smax / (double(1 << kAddLeftShift) * y.scale))};
      break;
    }
    case OpKind::AvgPool:
      for (int64_t d = 1; d <= n.attrs.kernel[0] * n.attrs.kernel[1]; ++d)
        q.divisor_requant.push_back(quantize_multiplier(scale_of(0) / (double(d) * y.scale)));
      break;
    case OpKind::GlobalAvgPool: {
      const Shape &x = g.shape(n.inputs[0]);
      q.divisor_requant.push_back(quantize_multiplier(scale_of(0) / (double(x[2] * x[3]) * y.scale)));
      break;
    }
    default: break;
  }
  return q;
}

}  // namespace

bool quantize_int8(Graph &g, const PassContext &ctx) {
  if (!ctx.quantize) return false;
  std::map<ValueId, ValueRange> ranges = calibrate(g, ctx.quantize->samples, ctx.quantize->method);

  // Borders: a float value read by an int8 node is quantized once; an int8 value read by a float node (or the
  // graph output) is dequantized once.
  std::vector<Node> nodes;
  std::map<ValueId, ValueId> quantized, dequantized;
  std::vector<bool> is_int8(g.values.size(), false);
  auto border = [&](ValueId v, bool to_int8) {
    auto &memo = to_int8 ? quantized : dequantized;
    if (auto it = memo.find(v); it != memo.end()) return it->second;
    Node b = border_node(g, to_int8 ? OpKind::Quantize : OpKind::Dequantize, v, to_int8 ? ".int8" : ".fp32");
    is_int8.resize(g.values.size(), false);
    is_int8[size_t(b.output)] = to_int8;
    if (to_int8) ranges[b.output] = ranges.at(v);
    memo[v] = b.output;
    nodes.push_back(std::move(b));
    return memo[v];
  };
  std::vector<Node> original = std::move(g.nodes);
  for (Node &n : original) {
    // An epilogue other than a clamp (sigmoid, hard_swish, ...) has no int8 form: such a layer stays in float.
    const Activation act = n.attrs.activation;
    const bool int8 = has_int8_kernel(n.op) && !ctx.quantize->keep_float.count(n.name) &&
                      (act == Activation::None || act == Activation::Relu || act == Activation::Relu6);
    for (ValueId &in : n.inputs)
      if (!g.is_constant(in) && is_int8[size_t(in)] != int8) in = border(in, int8);
    is_int8.resize(g.values.size(), false);
    is_int8[size_t(n.output)] = int8;
    if (int8) n.quant = NodeQuant{};
    nodes.push_back(std::move(n));
  }
  if (is_int8[size_t(g.output)]) g.output = border(g.output, false);
  g.nodes = std::move(nodes);

  // Parameters: values that must share them form groups with the union of their ranges.
  UnionFind groups(g.values.size());
  for (const Node &n : g.nodes)
    if (n.quant && shares_input_params(n.op))
      for (ValueId in : n.inputs) groups.join(in, n.output);
  std::map<ValueId, ValueRange> group_range;
  for (ValueId v = 0; size_t(v) < g.values.size(); ++v) {
    if (!is_int8[size_t(v)]) continue;
    const ValueRange &r = ranges.at(v);
    auto [it, fresh] = group_range.try_emplace(groups.find(v), r);
    if (!fresh) it->second = {std::min(it->second.lo, r.lo), std::max(it->second.hi, r.hi)};
  }
  for (ValueId v = 0; size_t(v) < g.values.size(); ++v)
    if (is_int8[size_t(v)]) g.value(v).quant = activation_params(group_range.at(groups.find(v)));
  for (Node &n : g.nodes) {
    if (!n.quant) continue;
    n.quant = node_params(g, n);
    // The int8 kernel: the SIMD int8 GEMM or the portable loop nest (schedule_int8_conv, schedule_convs.cpp).
    n.schedule.reset();
    if (n.op == OpKind::Conv2d) n.schedule = schedule_int8_conv(conv_dims(g, n), n.attrs, ctx);
  }
  return true;
}

}  // namespace shufflec
