// Rewrites of ONNX idioms the IR has no single node for: channel selection and relu6 (Clip to [0, 6]).
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>

#include "ir/diagnostics.h"

namespace shufflec::onnx_import {

// Part `part` of `parts` equal channel slices of x [N, C, H, W], exactly: channel_shuffle(parts) interleaves the
// parts (channel m*parts + j is part j's channel m), then a grouped 1x1 convolution with C/parts groups of `parts`
// input channels and one-hot weights picks channel j of each group (x*1 + y*0 is exact for finite values).
ValueId Converter::select_channels(const NodeProto &n, ValueId x, int64_t parts, int64_t part,
                                   const std::string &name) {
  const Shape xs = g_.shape(x);
  const int64_t C = xs[1], n_out = C / parts;
  Attrs sa;
  sa.groups = parts;
  const ValueId shuffled = emit(n, OpKind::ChannelShuffle, {x}, sa, name + "/interleave");
  ConstTensor w;
  w.dims = {n_out, parts, 1, 1};
  w.f.assign(size_t(n_out * parts), 0.0f);
  for (int64_t m = 0; m < n_out; ++m) w.f[size_t(m * parts + part)] = 1.0f;
  Attrs ca;
  ca.groups = n_out;
  return emit(n, OpKind::Conv2d, {shuffled, ir_const(n, std::move(w), name + "/select.weight")}, ca, name);
}

// relu6 placeholders (IR relu nodes made for Clip(0, 6)): fused into the producer when it has an activation
// attribute and nothing else reads it; otherwise, for [N, C, H, W], an exact depthwise 1x1 identity convolution
// carrying the relu6 (x * 1 + 0 is x).
void Converter::resolve_relu6() {
  for (const Relu6Pending &r : relu6_) {
    auto it = std::find_if(g_.nodes.begin(), g_.nodes.end(), [&](const Node &nd) { return nd.name == r.node; });
    SHUFFLEC_ASSERT(it != g_.nodes.end());
    const ValueId x = it->inputs[0], y = it->output;
    auto p = g_.producer(x);
    if (p && x != g_.output && g_.consumers(x).size() == 1) {
      Node &prod = g_.nodes[size_t(*p)];
      const auto &accepted = op_info(prod.op).attrs;
      if (std::find(accepted.begin(), accepted.end(), "activation") != accepted.end() &&
          prod.attrs.activation == Activation::None) {
        prod.attrs.activation = Activation::Relu6;
        for (Node &nd : g_.nodes)
          for (ValueId &v : nd.inputs)
            if (v == y) v = x;
        if (g_.output == y) g_.output = x;
        g_.nodes.erase(it);
        continue;
      }
    }
    const Shape xs = g_.shape(x);
    if (xs.rank() != 4)
      fail(fmt::format("{}: unsupported relu6 (Clip to [0, 6]) of {}: it must follow a Conv, Gemm, MatMul, Add or "
                       "pool whose output nothing else reads, or act on an [N, C, H, W] tensor",
                       r.where, xs.str()));
    const ValueId wv = g_.add_value(Value{unique_name(r.node + "/identity.weight"), ValueKind::Constant,
                                          Shape{{xs[1], 1, 1, 1}}, std::vector<float>(size_t(xs[1]), 1.0f)});
    Node &nd = *it;
    nd.op = OpKind::Conv2d;
    nd.inputs = {x, wv};
    nd.attrs = Attrs{};
    nd.attrs.groups = xs[1];
    nd.attrs.activation = Activation::Relu6;
  }
}

}  // namespace shufflec::onnx_import
