// Converters for the windowed ops: Conv, BatchNormalization, MaxPool/AveragePool, GlobalAveragePool, ReduceMean.
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>

#include "ir/ops/common.h"

namespace shufflec::onnx_import {

// Window attributes in range before any arithmetic on them (the IR checks them again, with its own messages).
void Converter::check_window(const NodeProto &n, const Attrs &a, const std::array<int64_t, 4> &pads) const {
  for (int i = 0; i < 2; ++i) {
    if (a.stride[size_t(i)] < 1 || a.stride[size_t(i)] > kMaxElements)
      fail(n, fmt::format("stride {} is out of range", a.stride[size_t(i)]));
    if (a.dilation[size_t(i)] < 1 || a.dilation[size_t(i)] > kMaxElements)
      fail(n, fmt::format("dilation {} is out of range", a.dilation[size_t(i)]));
    if (a.kernel[size_t(i)] < 0 || a.kernel[size_t(i)] > kMaxElements)
      fail(n, fmt::format("kernel size {} is out of range", a.kernel[size_t(i)]));
  }
  for (int64_t p : pads)
    if (p < 0 || p > kMaxElements) fail(n, fmt::format("pads must be >= 0, got {}", p));
}

// Pads per auto_pad for one axis: {begin, end}. Returns false for an unknown mode.
bool auto_pads(const std::string &mode, int64_t in, int64_t k, int64_t s, int64_t d, int64_t &b, int64_t &e) {
  if (mode == "VALID") {
    b = e = 0;
    return true;
  }
  if (mode != "SAME_UPPER" && mode != "SAME_LOWER") return false;
  const int64_t out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
  b = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
  e = total - b;
  return true;
}

void Converter::op_conv(const NodeProto &n) {
  const Sym &x = in(n, 0);
  ConstPtr w = const_in(n, 1, "weight");
  ConstPtr b = const_in_opt(n, 2, "bias");
  if (w->dims.size() != 4)
    unsupported(n, fmt::format("convolution: only 2-D convolutions (a 4-D weight) are supported, the weight has "
                               "shape {}",
                               dims_str(w->dims)));
  Attrs a;
  a.groups = attr_int(n, "group", 1);
  a.stride = attr_pair(n, "strides", 1);
  a.dilation = attr_pair(n, "dilations", 1);
  if (auto ks = attr_ints(n, "kernel_shape"))
    if (ks->size() != 2 || (*ks)[0] != w->dims[2] || (*ks)[1] != w->dims[3])
      fail(n, fmt::format("kernel_shape {} does not match the weight's shape {}", dims_str(*ks), dims_str(w->dims)));
  std::array<int64_t, 4> pads{};
  if (auto p = attr_ints(n, "pads")) {
    if (p->size() != 4) fail(n, fmt::format("pads {} must have 4 values [top, left, bottom, right]", dims_str(*p)));
    pads = {(*p)[0], (*p)[1], (*p)[2], (*p)[3]};
  }
  ValueId xv;
  std::array<int64_t, 4> extra{};
  std::vector<int64_t> xdims;
  if (!x.is_const() && x.layout == Layout::Padded) {
    xv = x.base;
    extra = x.pads;
    xdims = x.dims;
  } else {
    xv = materialize(n, x);
    xdims = g_.shape(xv).dims;
  }
  if (xdims.size() != 4) fail(n, fmt::format("the input must be [N, C, H, W], got {}", dims_str(xdims)));
  const std::string mode = attr_string(n, "auto_pad", "NOTSET");
  if (mode != "NOTSET" && mode != "VALID" && a.dilation != std::array<int64_t, 2>{1, 1})
    unsupported(n, fmt::format("auto_pad {} with dilations (ONNX Runtime rejects it too)", clip_text(mode, 32)));
  check_window(n, a, pads);
  if (mode != "NOTSET") {
    for (int i = 0; i < 2; ++i) {
      if (!auto_pads(mode, xdims[size_t(2 + i)], w->dims[size_t(2 + i)], a.stride[size_t(i)],
                     a.dilation[size_t(i)], pads[size_t(i)], pads[size_t(2 + i)]))
        fail(n, fmt::format("unknown auto_pad '{}'", clip_text(mode, 32)));
    }
  }
  for (size_t i = 0; i < 4; ++i) a.pads[i] = pads[i] + extra[i];
  std::vector<ValueId> ins{xv, ir_const(n, w, n.input(1))};
  if (b) ins.push_back(ir_const(n, b, n.input(2)));
  set_value(n, 0, emit(n, OpKind::Conv2d, ins, a));
}

void Converter::op_batch_norm(const NodeProto &n) {
  if (attr_int(n, "training_mode", 0) != 0) unsupported(n, "training_mode = 1 (shufflec compiles inference graphs)");
  require_unused(n, 1);
  const ValueId x = materialize(n, 0);
  static const char *const roles[] = {"", "scale", "bias", "mean", "var"};
  std::vector<ValueId> ins{x};
  for (int k = 1; k <= 4; ++k) ins.push_back(ir_const(n, const_in(n, k, roles[k]), n.input(k)));
  Attrs a;
  a.epsilon = attr_float(n, "epsilon", 1e-5f);
  set_value(n, 0, emit(n, OpKind::BatchNorm, ins, a));
}

// MaxPool and AveragePool. ONNX Runtime's output size is the IR's (ceil_mode drops a last window that would start
// in the right padding, as PyTorch does); a zero Pad before an AveragePool is absorbed as count_include_pad padding
// and the result checked against the size ONNX Runtime gives for the padded tensor.
void Converter::op_pool(const NodeProto &n) {
  const bool is_max = n.op_type() == "MaxPool";
  require_unused(n, 1);
  const Sym &x = in(n, 0);
  Attrs a;
  auto ks = attr_ints(n, "kernel_shape");
  if (!ks) fail(n, "the attribute 'kernel_shape' is required");
  if (ks->size() != 2)
    unsupported(n, fmt::format("{}-D pooling (kernel_shape {}): only 2-D", ks->size(), dims_str(*ks)));
  a.kernel = {(*ks)[0], (*ks)[1]};
  a.stride = attr_pair(n, "strides", 1);
  a.dilation = attr_pair(n, "dilations", 1);
  a.ceil_mode = attr_int(n, "ceil_mode", 0) != 0;
  if (!is_max) {
    a.count_include_pad = attr_int(n, "count_include_pad", 0) != 0;
    if (a.dilation != std::array<int64_t, 2>{1, 1}) unsupported(n, "dilated AveragePool");
  }
  if (is_max && attr_int(n, "storage_order", 0) != 0 && n.output_size() > 1)
    unsupported(n, "storage_order = 1");
  std::array<int64_t, 4> pads{};
  if (auto p = attr_ints(n, "pads")) {
    if (p->size() != 4) fail(n, fmt::format("pads {} must have 4 values [top, left, bottom, right]", dims_str(*p)));
    pads = {(*p)[0], (*p)[1], (*p)[2], (*p)[3]};
  }
  ValueId xv;
  std::array<int64_t, 4> extra{};
  std::vector<int64_t> xdims;
  const bool padded = !x.is_const() && x.layout == Layout::Padded;
  if (padded) {
    if (is_max)
      unsupported(n, fmt::format("MaxPool of a zero-padded tensor (from {}): the IR's max_pool ignores padding",
                                 x.origin));
    xv = x.base;
    extra = x.pads;
    xdims = x.dims;
  } else {
    xv = materialize(n, x);
    xdims = g_.shape(xv).dims;
  }
  if (xdims.size() != 4) fail(n, fmt::format("the input must be [N, C, H, W], got {}", dims_str(xdims)));
  const std::string mode = attr_string(n, "auto_pad", "NOTSET");
  if (mode != "NOTSET" && mode != "VALID" && a.dilation != std::array<int64_t, 2>{1, 1})
    unsupported(n, fmt::format("auto_pad {} with dilations (ONNX Runtime pads such pools as if undilated)",
                               clip_text(mode, 32)));
  check_window(n, a, pads);
  if (mode != "NOTSET")
    for (int i = 0; i < 2; ++i) {
      if (!auto_pads(mode, xdims[size_t(2 + i)], a.kernel[size_t(i)], a.stride[size_t(i)], a.dilation[size_t(i)],
                     pads[size_t(i)], pads[size_t(2 + i)]))
        fail(n, fmt::format("unknown auto_pad '{}'", clip_text(mode, 32)));
    }
  if (padded) {
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }) && !a.count_include_pad)
      unsupported(n, fmt::format("AveragePool with count_include_pad = 0 and its own pads, of a tensor padded by {}",
                                 x.origin));
    a.count_include_pad = true;
  }
  for (size_t i = 0; i < 4; ++i) a.pads[i] = pads[i] + extra[i];
  const ValueId y = emit(n, is_max ? OpKind::MaxPool : OpKind::AvgPool, {xv}, a);
  // The output size ONNX Runtime computes for the node as written (window_out is its rule too).
  for (int i = 0; i < 2; ++i) {
    const int64_t want = ops::window_out(xdims[size_t(2 + i)], a.kernel[size_t(i)], a.stride[size_t(i)],
                                         a.dilation[size_t(i)], pads[size_t(i)], pads[size_t(2 + i)], a.ceil_mode);
    if (want != g_.shape(y)[size_t(2 + i)])
      unsupported(n, fmt::format("ceil_mode pooling of a tensor padded by {}: the last window starts in the padding, "
                                 "which the IR drops",
                                 x.origin));
  }
  set_value(n, 0, y);
}

void Converter::op_global_avg_pool(const NodeProto &n) {
  const ValueId x = materialize(n, 0);
  if (g_.shape(x).rank() != 4) fail(n, fmt::format("the input must be [N, C, H, W], got {}", g_.shape(x).str()));
  set_value(n, 0, emit(n, OpKind::GlobalAvgPool, {x}));
}

// ReduceMean over the two spatial axes of [N, C, H, W] is global_avg_pool (keepdims = 0: viewed as [N, C]).
void Converter::op_reduce_mean(const NodeProto &n) {
  std::optional<std::vector<int64_t>> axes = attr_ints(n, "axes");
  if (has_input(n, 1)) axes = ints_in(n, 1, "axes");
  const ValueId x = materialize(n, 0);
  const Shape xs = g_.shape(x);
  std::set<int64_t> norm;
  if (axes)
    for (int64_t ax : *axes) norm.insert(ax < 0 ? ax + int64_t(xs.rank()) : ax);
  if (xs.rank() != 4 || norm != std::set<int64_t>{2, 3})
    unsupported(n, fmt::format("ReduceMean over axes {} of {}: only the spatial axes [2, 3] of [N, C, H, W] (a global "
                               "average pool)",
                               axes ? dims_str(*axes) : "(all)", xs.str()));
  const ValueId y = emit(n, OpKind::GlobalAvgPool, {x});
  Sym s;
  s.base = y;
  s.dims = g_.shape(y).dims;
  if (attr_int(n, "keepdims", 1) == 0) {
    s.dims = {xs[0], xs[1]};
    s.origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  }
  set_sym(n, 0, std::move(s));
}

}  // namespace shufflec::onnx_import
