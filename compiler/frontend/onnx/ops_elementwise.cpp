// Converters for activations and tensor joins on run-time tensors: Relu, Clip, Sigmoid, HardSigmoid, HardSwish, Add,
// Mul (with the SiLU and hard-swish idioms), Concat.
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>
#include <cmath>

namespace shufflec::onnx_import {

void Converter::op_relu(const NodeProto &n) { set_value(n, 0, emit(n, OpKind::Relu, {materialize(n, 0)})); }

// Clip(0, 6) is relu6 (the IR's relu with activation relu6, which the fuse_activation pass moves into its producer
// like any relu), Clip(0, +inf) is relu.
void Converter::op_clip(const NodeProto &n) {
  auto bound = [&](int k, double def) {
    ConstPtr c = const_in_opt(n, k, k == 1 ? "min" : "max");
    if (!c) return def;
    if (c->count() != 1) fail(n, fmt::format("the {} bound must be a scalar", k == 1 ? "min" : "max"));
    return c->at(0);
  };
  const double lo = bound(1, -INFINITY), hi = bound(2, INFINITY);
  const ValueId x = materialize(n, 0);
  Attrs a;
  if (lo == 0.0 && hi == 6.0) a.activation = Activation::Relu6;
  else if (!(lo == 0.0 && hi == INFINITY))
    unsupported(n, fmt::format("Clip to [{}, {}]: shufflec supports [0, 6] (relu6) and [0, inf) (relu)", lo, hi));
  set_value(n, 0, emit(n, OpKind::Relu, {x}, a));
}

void Converter::op_sigmoid(const NodeProto &n) { set_value(n, 0, emit(n, OpKind::Sigmoid, {materialize(n, 0)})); }

void Converter::op_hard_sigmoid(const NodeProto &n) {
  Attrs a;
  a.alpha = attr_float(n, "alpha", 0.2f);
  a.beta = attr_float(n, "beta", 0.5f);
  if (!std::isfinite(a.alpha) || !std::isfinite(a.beta))
    fail(n, fmt::format("alpha and beta must be finite, got {} and {}", a.alpha, a.beta));
  set_value(n, 0, emit(n, OpKind::HardSigmoid, {materialize(n, 0)}, a));
}

void Converter::op_hard_swish(const NodeProto &n) {
  if (opset_ < 14) fail(n, fmt::format("HardSwish is an opset 14 op, but the model imports opset {}", opset_));
  set_value(n, 0, emit(n, OpKind::HardSwish, {materialize(n, 0)}));
}

// Mul of two computed tensors. Exporters write SiLU as x * Sigmoid(x) and (before opset 14) hard-swish as
// x * HardSigmoid(x) with alpha 1/6 and beta 1/2: those become the one activation (so it can fuse into x's producer;
// the sigmoid left unread is dead code). Otherwise the IR's mul: the same shapes, or the squeeze-excitation scale
// [N, C, 1, 1] of an [N, C, H, W] tensor, in either order.
void Converter::op_mul_runtime(const NodeProto &n) {
  if (in(n, 0).is_const() || in(n, 1).is_const())
    unsupported(n, "Mul of a constant and a computed tensor (shufflec multiplies two computed tensors)");
  const ValueId a = materialize(n, 0), b = materialize(n, 1);
  // The activation x * gate(x) is, when `gate` is computed from x by an activation node.
  auto gated = [&](ValueId x, ValueId gate) -> std::optional<OpKind> {
    const auto p = g_.producer(gate);
    if (!p) return std::nullopt;
    const Node &gn = g_.nodes[size_t(*p)];
    if (gn.inputs.size() != 1 || gn.inputs[0] != x) return std::nullopt;
    if (gn.op == OpKind::Sigmoid) return OpKind::Silu;
    if (gn.op == OpKind::HardSigmoid && gn.attrs.alpha == double(1.0f / 6.0f) && gn.attrs.beta == 0.5)
      return OpKind::HardSwish;
    return std::nullopt;
  };
  for (auto [x, gate] : {std::pair{a, b}, std::pair{b, a}})
    if (auto op = gated(x, gate)) {
      set_value(n, 0, emit(n, *op, {x}));
      return;
    }
  const Shape &sa = g_.shape(a), &sb = g_.shape(b);
  auto scales = [](const Shape &x, const Shape &s) {
    return x.rank() == 4 && s == Shape{{x[0], x[1], 1, 1}};
  };
  if (sa == sb || scales(sa, sb)) set_value(n, 0, emit(n, OpKind::Mul, {a, b}));
  else if (scales(sb, sa)) set_value(n, 0, emit(n, OpKind::Mul, {b, a}));
  else
    unsupported(n, fmt::format("broadcasting Mul ({} * {}): shufflec multiplies tensors of the same shape, or an "
                               "[N, C, H, W] tensor by an [N, C, 1, 1] scale",
                               sa.str(), sb.str()));
}

void Converter::op_add_runtime(const NodeProto &n) {
  const Sym &a = in(n, 0), &b = in(n, 1);
  if (a.is_const() != b.is_const()) {
    // A per-channel bias after a Conv (or after the dense from Gemm/MatMul) whose output only this Add reads.
    const Sym &x = a.is_const() ? b : a;
    const ConstTensor &c = a.is_const() ? *a.c : *b.c;
    const std::string why =
        "Add of a constant to a computed tensor is supported only as a bias right after a Conv, Gemm or MatMul "
        "whose output nothing else reads";
    if (x.layout != Layout::Plain || x.dims != g_.shape(x.base).dims || base_refs_[x.base] != 1)
      unsupported(n, why);
    auto p = g_.producer(x.base);
    if (!p) unsupported(n, why);
    Node &prod = g_.nodes[size_t(*p)];
    if (prod.op != OpKind::Conv2d && prod.op != OpKind::Dense) unsupported(n, why);
    const Shape ys = g_.shape(x.base);
    const int64_t M = ys[1];
    // The constant, right-aligned against the output, may vary along the channel axis only.
    if (c.dims.size() > ys.rank()) unsupported(n, why);
    const size_t off = ys.rank() - c.dims.size();
    bool ok = true, along_channel = false;
    for (size_t k = 0; k < c.dims.size(); ++k) {
      const size_t axis = off + k;
      if (axis == 1 && c.dims[k] == M && M != 1) along_channel = true;
      else if (c.dims[k] != 1) ok = false;
    }
    if (!ok || !c.is_float) unsupported(n, why);
    // Right-aligned, every axis after the channel axis has size 1, so channel m is element m (or 0: broadcast).
    ConstTensor bias;
    bias.dims = {M};
    bias.f.assign(size_t(M), 0.0f);
    if (prod.inputs.size() > 2) bias.f = g_.value(prod.inputs[2]).data;
    for (int64_t m = 0; m < M; ++m) bias.f[size_t(m)] += c.f[along_channel ? size_t(m) : 0];
    const ValueId bv = ir_const(n, std::move(bias), prod.name + ".bias");
    if (prod.inputs.size() > 2) prod.inputs[2] = bv;
    else prod.inputs.push_back(bv);
    Sym y = x;
    set_sym(n, 0, y);
    return;
  }
  const ValueId x = materialize(n, 0), y = materialize(n, 1);
  if (g_.shape(x) != g_.shape(y))
    unsupported(n, fmt::format("broadcasting Add ({} + {}): the IR adds tensors of the same shape",
                               g_.shape(x).str(), g_.shape(y).str()));
  set_value(n, 0, emit(n, OpKind::Add, {x, y}));
}

void Converter::op_concat(const NodeProto &n) {
  if (!attr(n, "axis")) fail(n, "the attribute 'axis' is required");
  const int64_t axis_attr = attr_int(n, "axis", 1);
  bool all_const = true, any_const = false;
  for (int k = 0; k < n.input_size(); ++k) {
    const bool c = in(n, k).is_const();
    all_const &= c;
    any_const |= c;
  }
  if (n.input_size() == 0) fail(n, "needs at least one input");
  if (all_const) {
    const ConstTensor &first = *in(n, 0).c;
    bool ok;
    const int64_t rank = int64_t(first.dims.size());
    const int64_t axis = norm_axis(axis_attr, rank, ok);
    if (!ok || rank == 0) fail(n, fmt::format("axis {} is out of range for rank {}", axis_attr, rank));
    std::vector<int64_t> od = first.dims;
    od[size_t(axis)] = 0;
    for (int k = 0; k < n.input_size(); ++k) {
      const ConstTensor &t = *in(n, k).c;
      if (t.dims.size() != first.dims.size() || t.is_float != first.is_float)
        fail(n, "the inputs differ in rank or element type");
      for (size_t d = 0; d < t.dims.size(); ++d)
        if (int64_t(d) != axis && t.dims[d] != first.dims[d]) fail(n, "the inputs' shapes do not match");
      od[size_t(axis)] += t.dims[size_t(axis)];
    }
    if (checked_count(od, kMaxFoldElements) < 0) fail(n, "the folded result is absurdly large");
    std::vector<const ConstTensor *> parts;
    for (int k = 0; k < n.input_size(); ++k) parts.push_back(in(n, k).c.get());
    set_const(n, 0, concat_const(parts, axis, od));
    return;
  }
  if (any_const) unsupported(n, "Concat of constants with computed tensors");
  std::vector<ValueId> ins;
  for (int k = 0; k < n.input_size(); ++k) ins.push_back(materialize(n, k));
  const int64_t rank = int64_t(g_.shape(ins[0]).rank());
  bool ok;
  const int64_t axis = norm_axis(axis_attr, rank, ok);
  if (!ok) fail(n, fmt::format("axis {} is out of range for rank {}", axis_attr, rank));
  if (axis != 1) unsupported(n, fmt::format("Concat along axis {}: the IR concatenates channels (axis 1)", axis));
  if (ins.size() == 1) {
    set_value(n, 0, ins[0]);
    return;
  }
  set_value(n, 0, emit(n, OpKind::Concat, ins));
}

}  // namespace shufflec::onnx_import
