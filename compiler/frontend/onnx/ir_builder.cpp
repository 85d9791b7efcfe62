// Building the IR: nodes (shape-inferred as they are added), constants, and pending views made real.
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>
#include <cmath>

#include "ir/diagnostics.h"

namespace shufflec::onnx_import {

std::string Converter::unique_name(const std::string &want) {
  std::string name = want.empty() ? "node" : want;
  if (names_.insert(name).second) return name;
  for (int k = 2;; ++k) {
    std::string alt = fmt::format("{}_{}", name, k);
    if (names_.insert(alt).second) return alt;
  }
}

ValueId Converter::emit(const NodeProto &n, OpKind op, std::vector<ValueId> inputs, Attrs attrs,
                        const std::string &name) {
  Node node;
  node.name = unique_name(name);
  node.op = op;
  node.inputs = std::move(inputs);
  node.attrs = std::move(attrs);
  node.output = g_.add_value(Value{node.name, ValueKind::Intermediate, {}, {}});
  g_.nodes.push_back(node);
  const Node &ref = g_.nodes.back();
  try {
    Shape s = op_info(op).infer(g_, ref);
    check_shape_size(g_, ref, s);
    g_.value(ref.output).shape = std::move(s);
  } catch (const UserError &e) {
    fail(n, e.message());
  }
  return ref.output;
}

ValueId Converter::ir_const(const NodeProto &n, const ConstPtr &c, const std::string &name) {
  if (auto it = ir_consts_.find(c.get()); it != ir_consts_.end()) return it->second;
  if (!c->is_float) fail(n, fmt::format("the weight '{}' must be a float tensor", clip_text(name)));
  if (c->dims.empty() || std::any_of(c->dims.begin(), c->dims.end(), [](int64_t d) { return d < 1; }))
    fail(n, fmt::format("the weight '{}' has shape {}; weights need every dimension >= 1", clip_text(name),
                        dims_str(c->dims)));
  for (size_t k = 0; k < c->f.size(); ++k)
    if (!std::isfinite(c->f[k]))
      fail(n, fmt::format("the weight '{}' holds {} at index {} (weights must be finite)", clip_text(name),
                          std::isnan(c->f[k]) ? "NaN" : "Inf", k));
  Value v{unique_name(name), ValueKind::Constant, Shape{c->dims}, c->f};
  const ValueId id = g_.add_value(std::move(v));
  ir_consts_[c.get()] = id;
  keep_alive_.push_back(c);
  return id;
}

// The IR value holding a symbol's data in the layout its ONNX shape says.
ValueId Converter::materialize(const NodeProto &n, const Sym &s) {
  if (s.is_const())
    fail(n, "unsupported: an input that is a constant where shufflec needs a tensor computed from the graph input");
  if (s.layout == Layout::Shuffled)
    fail(n, fmt::format("unsupported: its input is the transposed 5-D tensor made by {}; only the channel-shuffle "
                        "pattern (Reshape, Transpose perm [0, 2, 1, 3, 4], Reshape back) is supported",
                        s.origin));
  if (s.layout == Layout::Padded)
    fail(n, fmt::format("unsupported: its input is padded by {}; zero padding is supported only directly before a "
                        "Conv or an AveragePool",
                        s.origin));
  const Shape bs = g_.shape(s.base);
  if (s.dims == bs.dims) return s.base;
  if (s.dims.size() == 2 && bs.rank() >= 2 && s.dims[0] == bs[0]) {
    auto key = std::make_pair(s.base, s.dims);
    if (auto it = flattened_.find(key); it != flattened_.end()) return it->second;
    const ValueId v = emit(n, OpKind::Flatten, {s.base}, {}, g_.value(s.base).name + "/flatten");
    flattened_[key] = v;
    return v;
  }
  fail(n, fmt::format("unsupported: its input is {} viewed as {} by {}; shufflec supports reshapes that keep the "
                      "shape, flatten to [N, K], or form the channel shuffle",
                      bs.str(), dims_str(s.dims), s.origin.empty() ? "a reshape" : s.origin));
}

}  // namespace shufflec::onnx_import
