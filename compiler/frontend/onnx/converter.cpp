// The conversion driver: the table of supported ops and the pipeline from file to verified Graph.
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>
#include <filesystem>

#include "ir/verify.h"

namespace shufflec::onnx_import {

const std::map<std::string, Converter::OpEntry> &Converter::op_table() {
  static const std::map<std::string, OpEntry> table = {
      {"Conv", {&Converter::op_conv, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}}},
      {"BatchNormalization", {&Converter::op_batch_norm, {"epsilon", "momentum", "training_mode", "spatial"}}},
      {"Relu", {&Converter::op_relu, {}}},
      {"Clip", {&Converter::op_clip, {}}},
      {"Sigmoid", {&Converter::op_sigmoid, {}}},
      {"HardSigmoid", {&Converter::op_hard_sigmoid, {"alpha", "beta"}}},
      {"HardSwish", {&Converter::op_hard_swish, {}}},
      {"Add", {&Converter::op_binary, {}}},
      {"Sub", {&Converter::op_binary, {}}},
      {"Mul", {&Converter::op_binary, {}}},
      {"Div", {&Converter::op_binary, {}}},
      {"Concat", {&Converter::op_concat, {"axis"}}},
      {"MaxPool",
       {&Converter::op_pool,
        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"}}},
      {"AveragePool",
       {&Converter::op_pool, {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads",
                              "strides"}}},
      {"GlobalAveragePool", {&Converter::op_global_avg_pool, {}}},
      {"ReduceMean", {&Converter::op_reduce_mean, {"axes", "keepdims", "noop_with_empty_axes"}}},
      {"Gemm", {&Converter::op_gemm, {"alpha", "beta", "transA", "transB"}}},
      {"MatMul", {&Converter::op_matmul, {}}},
      {"Flatten", {&Converter::op_flatten, {"axis"}}},
      {"Reshape", {&Converter::op_reshape, {"allowzero"}}},
      {"Transpose", {&Converter::op_transpose, {"perm"}}},
      {"Softmax", {&Converter::op_softmax, {"axis"}}},
      {"Identity", {&Converter::op_identity, {}}},
      {"Dropout", {&Converter::op_dropout, {"seed", "ratio"}}},
      {"Constant",
       {&Converter::op_constant, {"value", "value_float", "value_floats", "value_int", "value_ints"}}},
      {"ConstantOfShape", {&Converter::op_constant_of_shape, {"value"}}},
      {"Shape", {&Converter::op_shape, {"start", "end"}}},
      {"Gather", {&Converter::op_gather, {"axis"}}},
      {"Unsqueeze", {&Converter::op_unsqueeze, {"axes"}}},
      {"Squeeze", {&Converter::op_squeeze, {"axes"}}},
      {"Cast", {&Converter::op_cast, {"to", "saturate"}}},
      {"Slice", {&Converter::op_slice, {}}},
      {"Split", {&Converter::op_split, {"axis", "split", "num_outputs"}}},
      {"Pad", {&Converter::op_pad, {"mode"}}},
  };
  return table;
}

void Converter::convert(const NodeProto &n) {
  const OpEntry &e = op_table().at(n.op_type());
  for (const AttributeProto &a : n.attribute())
    if (std::find(e.attrs.begin(), e.attrs.end(), a.name()) == e.attrs.end())
      fail(n, fmt::format("unsupported attribute '{}'", clip_text(a.name(), 64)));
  (this->*e.fn)(n);
  for (const std::string &o : n.output())
    if (!o.empty() && consumers_.count(o) && !syms_.count(o))
      fail(n, fmt::format("unsupported: output '{}' is not computed by shufflec", clip_text(o)));
}

Graph Converter::run() {
  read_model();
  check_structure();
  prescan();
  g_.source = path_;
  g_.name = std::filesystem::path(path_).stem().string();
  // Initializers become constants; graph inputs that are initializers too (older exporters) are constants.
  for (int k : order_) {
    const NodeProto &n = model_.graph().node(k);
    for (const std::string &i : n.input())
      if (!i.empty() && !syms_.count(i) && initializers_.count(i)) {
        Sym s;
        s.c = decode_tensor(*initializers_.at(i), fmt::format("initializer '{}'", clip_text(i)));
        syms_[i] = std::move(s);
      }
  }
  setup_input();
  for (int k : order_) convert(model_.graph().node(k));
  const Sym &out = syms_.at(output_name_);
  if (out.is_const()) fail(fmt::format("the graph output '{}' is a constant", clip_text(output_name_)));
  const NodeProto &last = model_.graph().node(producer_.at(output_name_));
  g_.output = materialize(last, out);
  if (g_.output == g_.input) fail("the graph output is the graph input (the model computes nothing)");
  topo_sort(g_);
  infer_shapes(g_);
  remove_dead_code(g_);
  verify(g_);
  return std::move(g_);
}

}  // namespace shufflec::onnx_import
