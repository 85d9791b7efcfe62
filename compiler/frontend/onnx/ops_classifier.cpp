// Converters for the classifier head: Gemm and MatMul (the IR's dense), Softmax.
#include "compiler/frontend/onnx/converter.h"

namespace shufflec::onnx_import {

// Gemm: Y = alpha * A * op(B) + beta * C as dense: W = alpha * op(B) as [M, K] (nn.Linear layout), bias = beta * C.
void Converter::op_gemm(const NodeProto &n) {
  if (attr_int(n, "transA", 0) != 0) unsupported(n, "transA = 1");
  const ValueId x = materialize(n, 0);
  ConstPtr b = const_in(n, 1, "B");
  ConstPtr c = const_in_opt(n, 2, "C");
  const float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
  const Shape xs = g_.shape(x);
  if (xs.rank() != 2) fail(n, fmt::format("A must be a matrix [N, K], got {}", xs.str()));
  if (b->dims.size() != 2 || !b->is_float) fail(n, fmt::format("B must be a float matrix, got {}", dims_str(b->dims)));
  const bool trans_b = attr_int(n, "transB", 0) != 0;
  ConstTensor w = trans_b ? *b : transpose_const(*b, {1, 0});
  const int64_t M = w.dims[0], K = w.dims[1];
  if (K != xs[1])
    fail(n, fmt::format("A {} and B {} (transB = {}) do not multiply", xs.str(), dims_str(b->dims), int(trans_b)));
  std::string wname = n.input(1);
  if (alpha != 1.0f) {
    for (float &v : w.f) v *= alpha;
    wname = label(n) + ".weight";
  }
  std::vector<ValueId> ins{x};
  if (alpha == 1.0f && trans_b) ins.push_back(ir_const(n, b, wname));  // B as it is, shared with other users
  else ins.push_back(ir_const(n, std::move(w), trans_b ? wname : label(n) + ".weight"));
  if (c && beta != 0.0f) {
    // C broadcasts to [N, M]; the IR's bias is one row, so C must not vary along N (unless N = 1).
    if (!c->is_float) fail(n, "C must be a float tensor");
    const std::vector<int64_t> &cd = c->dims;
    const bool row = cd.empty() || (cd.size() == 1 && (cd[0] == M || cd[0] == 1)) ||
                     (cd.size() == 2 && (cd[0] == 1 || xs[0] == 1) && (cd[1] == M || cd[1] == 1) &&
                      (cd[0] == 1 || cd[0] == xs[0]));
    if (!row) unsupported(n, fmt::format("bias C of shape {} for output [{}, {}]", dims_str(cd), xs[0], M));
    const bool per_m = !cd.empty() && cd.back() == M && M != 1;
    ConstTensor bias;
    bias.dims = {M};
    bias.f.resize(size_t(M));
    for (int64_t m = 0; m < M; ++m) bias.f[size_t(m)] = beta * c->f[size_t(per_m ? m : 0)];
    const bool same = beta == 1.0f && cd.size() == 1 && cd[0] == M;
    ins.push_back(same ? ir_const(n, c, n.input(2)) : ir_const(n, std::move(bias), label(n) + ".bias"));
  }
  set_value(n, 0, emit(n, OpKind::Dense, ins));
}

// MatMul with a constant [K, M] right operand is dense with W = B^T; a following Add of a constant is its bias.
void Converter::op_matmul(const NodeProto &n) {
  const ValueId x = materialize(n, 0);
  const Sym &bs = in(n, 1);
  if (!bs.is_const()) unsupported(n, "MatMul of two computed tensors (the right operand must be a constant weight)");
  const ConstTensor &b = *bs.c;
  const Shape xs = g_.shape(x);
  if (xs.rank() != 2 || b.dims.size() != 2 || !b.is_float)
    unsupported(n, fmt::format("MatMul of {} by {}: only [N, K] x [K, M] with a float weight", xs.str(),
                               dims_str(b.dims)));
  if (b.dims[0] != xs[1]) fail(n, fmt::format("{} and {} do not multiply", xs.str(), dims_str(b.dims)));
  set_value(n, 0, emit(n, OpKind::Dense, {x, ir_const(n, transpose_const(b, {1, 0}), label(n) + ".weight")}));
}

void Converter::op_softmax(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  int64_t axis = attr_int(n, "axis", opset_ >= 13 ? -1 : 1);
  if (axis < -rank || axis >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", axis, rank));
  if (axis < 0) axis += rank;
  // Before opset 13 Softmax flattens to [prod(d[:axis]), prod(d[axis:])]; from 13 on it runs along one axis, which
  // is the same thing when every later axis has size 1.
  bool ok = axis == 1;
  if (opset_ >= 13)
    for (int64_t k = axis + 1; k < rank; ++k) ok &= d[size_t(k)] == 1;
  if (!ok || x.is_const())
    unsupported(n, fmt::format("Softmax along axis {} of {}: shufflec supports the class axis 1 of [N, K]", axis,
                               dims_str(d)));
  int64_t K = 1;
  for (int64_t k = 1; k < rank; ++k) K *= d[size_t(k)];
  Sym flat = x;
  flat.dims = {d[0], K};
  const ValueId y = emit(n, OpKind::Softmax, {materialize(n, flat)});
  Sym s;
  s.base = y;
  s.dims = d;
  if (rank != 2) s.origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  set_sym(n, 0, std::move(s));
}

}  // namespace shufflec::onnx_import
