// Load-time evaluation of constant subgraphs (shape computations): the ops that only ever fold, Add/Sub/Mul/Div
// of constants, and the element copies behind folded Transpose, Slice, Split and Concat.
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>
#include <cmath>

namespace shufflec::onnx_import {

int64_t norm_axis(int64_t axis, int64_t rank, bool &ok) {
  if (axis < -rank || axis >= rank) {
    ok = false;
    return 0;
  }
  ok = true;
  return axis < 0 ? axis + rank : axis;
}

ConstTensor make_like(const ConstTensor &proto, std::vector<int64_t> dims) {
  ConstTensor t;
  t.dims = std::move(dims);
  t.is_float = proto.is_float;
  int64_t n = 1;
  for (int64_t d : t.dims) n *= d;
  if (t.is_float) t.f.resize(size_t(n));
  else t.i.resize(size_t(n));
  return t;
}

void copy_elem(const ConstTensor &from, int64_t k, ConstTensor &to, int64_t j) {
  if (from.is_float) to.f[size_t(j)] = from.f[size_t(k)];
  else to.i[size_t(j)] = from.i[size_t(k)];
}

ConstTensor transpose_const(const ConstTensor &x, const std::vector<int64_t> &perm) {
  std::vector<int64_t> od;
  for (int64_t p : perm) od.push_back(x.dims[size_t(p)]);
  ConstTensor y = make_like(x, od);
  const auto xs = strides_of(x.dims);
  const int64_t r = int64_t(od.size());
  std::vector<int64_t> idx(size_t(r), 0);
  for (int64_t j = 0; j < y.count(); ++j) {
    int64_t src = 0;
    for (int64_t d = 0; d < r; ++d) src += idx[size_t(d)] * xs[size_t(perm[size_t(d)])];
    copy_elem(x, src, y, j);
    for (int64_t d = r; d-- > 0;) {
      if (++idx[size_t(d)] < od[size_t(d)]) break;
      idx[size_t(d)] = 0;
    }
  }
  return y;
}

ConstTensor slice_const(const ConstTensor &x, const std::vector<int64_t> &lo, const std::vector<int64_t> &step,
                        const std::vector<int64_t> &out) {
  const int64_t rank = int64_t(x.dims.size());
  ConstTensor z = make_like(x, out);
  const auto xs = strides_of(x.dims);
  std::vector<int64_t> idx(size_t(rank), 0);
  for (int64_t j = 0; j < z.count(); ++j) {
    int64_t src = 0;
    for (int64_t k = 0; k < rank; ++k) src += (lo[size_t(k)] + idx[size_t(k)] * step[size_t(k)]) * xs[size_t(k)];
    copy_elem(x, src, z, j);
    for (int64_t k = rank; k-- > 0;) {
      if (++idx[size_t(k)] < out[size_t(k)]) break;
      idx[size_t(k)] = 0;
    }
  }
  return z;
}

ConstTensor split_part_const(const ConstTensor &x, int64_t axis, int64_t at, int64_t size) {
  const std::vector<int64_t> &d = x.dims;
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= d[size_t(k)];
  for (int64_t k = axis + 1; k < int64_t(d.size()); ++k) inner *= d[size_t(k)];
  std::vector<int64_t> od = d;
  od[size_t(axis)] = size;
  ConstTensor z = make_like(x, od);
  int64_t j = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t q = 0; q < size * inner; ++q) copy_elem(x, o * d[size_t(axis)] * inner + at * inner + q, z, j++);
  return z;
}

ConstTensor concat_const(const std::vector<const ConstTensor *> &parts, int64_t axis, const std::vector<int64_t> &out) {
  ConstTensor z = make_like(*parts[0], out);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out[size_t(d)];
  for (int64_t d = axis + 1; d < int64_t(out.size()); ++d) inner *= out[size_t(d)];
  int64_t at = 0;
  for (const ConstTensor *t : parts) {
    const int64_t block = t->dims[size_t(axis)] * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < block; ++j) copy_elem(*t, o * block + j, z, o * out[size_t(axis)] * inner + at + j);
    at += block;
  }
  return z;
}

// Add/Sub/Mul/Div of constants are folded (numpy broadcasting; integer division truncates, as ONNX Runtime does).
// A run-time Add is the IR's add, or a bias folded into the Conv/Gemm/MatMul producing its other operand.
void Converter::op_binary(const NodeProto &n) {
  const Sym &a = in(n, 0), &b = in(n, 1);
  if (!a.is_const() || !b.is_const()) {
    if (n.op_type() == "Mul") return op_mul_runtime(n);
    if (n.op_type() != "Add") unsupported(n, "on a run-time tensor (shufflec folds it only in constant computations)");
    op_add_runtime(n);
    return;
  }
  const ConstTensor &x = *a.c, &y = *b.c;
  if (x.is_float != y.is_float) fail(n, "the two inputs have different element types");
  const size_t r = std::max(x.dims.size(), y.dims.size());
  std::vector<int64_t> od(r), xd(r, 1), yd(r, 1);
  std::copy(x.dims.begin(), x.dims.end(), xd.begin() + long(r - x.dims.size()));
  std::copy(y.dims.begin(), y.dims.end(), yd.begin() + long(r - y.dims.size()));
  for (size_t k = 0; k < r; ++k) {
    if (xd[k] != yd[k] && xd[k] != 1 && yd[k] != 1)
      fail(n, fmt::format("shapes {} and {} do not broadcast", dims_str(x.dims), dims_str(y.dims)));
    od[k] = xd[k] == 1 ? yd[k] : xd[k];
  }
  if (checked_count(od, kMaxFoldElements) < 0) fail(n, "the folded result is absurdly large");
  ConstTensor z = make_like(x, od);
  const auto xs = strides_of(xd), ys = strides_of(yd);
  std::vector<int64_t> idx(r, 0);
  const char op = n.op_type() == "Add" ? '+' : n.op_type() == "Sub" ? '-' : n.op_type() == "Mul" ? '*' : '/';
  for (int64_t j = 0; j < z.count(); ++j) {
    int64_t xi = 0, yi = 0;
    for (size_t k = 0; k < r; ++k) {
      if (xd[k] != 1) xi += idx[k] * xs[k];
      if (yd[k] != 1) yi += idx[k] * ys[k];
    }
    if (z.is_float) {
      const float p = x.f[size_t(xi)], q = y.f[size_t(yi)];
      z.f[size_t(j)] = op == '+' ? p + q : op == '-' ? p - q : op == '*' ? p * q : p / q;
    } else {
      const int64_t p = x.i[size_t(xi)], q = y.i[size_t(yi)];
      int64_t v = 0;
      bool overflow = false;
      if (op == '+') overflow = __builtin_add_overflow(p, q, &v);
      else if (op == '-') overflow = __builtin_sub_overflow(p, q, &v);
      else if (op == '*') overflow = __builtin_mul_overflow(p, q, &v);
      else if (q == 0) fail(n, "integer division by zero");
      else if (p == INT64_MIN && q == -1) overflow = true;
      else v = p / q;
      if (overflow) fail(n, "integer overflow while folding constants");
      z.i[size_t(j)] = v;
    }
    for (size_t k = r; k-- > 0;) {
      if (++idx[k] < od[k]) break;
      idx[k] = 0;
    }
  }
  set_const(n, 0, std::move(z));
}

void Converter::op_constant(const NodeProto &n) {
  if (n.attribute_size() != 1) fail(n, "needs exactly one value attribute");
  const AttributeProto &a = n.attribute(0);
  ConstTensor t;
  if (a.name() == "value") {
    if (a.type() != AttributeProto::TENSOR) fail(n, "attribute 'value' must be a tensor");
    t = *decode_tensor(a.t(), fmt::format("node '{}' (Constant)", label(n)));
  } else if (a.name() == "value_float" && a.type() == AttributeProto::FLOAT) {
    t.f = {a.f()};
  } else if (a.name() == "value_floats" && a.type() == AttributeProto::FLOATS) {
    t.dims = {a.floats_size()};
    t.f.assign(a.floats().begin(), a.floats().end());
  } else if (a.name() == "value_int" && a.type() == AttributeProto::INT) {
    t.is_float = false;
    t.i = {a.i()};
  } else if (a.name() == "value_ints" && a.type() == AttributeProto::INTS) {
    t.is_float = false;
    t.dims = {a.ints_size()};
    t.i.assign(a.ints().begin(), a.ints().end());
  } else {
    fail(n, fmt::format("attribute '{}' has the wrong type", clip_text(a.name(), 64)));
  }
  set_const(n, 0, std::move(t));
}

void Converter::op_constant_of_shape(const NodeProto &n) {
  const std::vector<int64_t> dims = ints_in(n, 0, "shape");
  if (checked_count(dims, kMaxFoldElements) < 0)
    fail(n, fmt::format("shape {} is negative or absurdly large", dims_str(dims)));
  ConstTensor fill;
  fill.f = {0.0f};
  if (const AttributeProto *a = attr(n, "value")) {
    if (a->type() != AttributeProto::TENSOR) fail(n, "attribute 'value' must be a tensor");
    fill = *decode_tensor(a->t(), fmt::format("node '{}' (ConstantOfShape)", label(n)));
    if (fill.count() != 1) fail(n, "attribute 'value' must hold one element");
  }
  ConstTensor t = make_like(fill, dims);
  for (int64_t k = 0; k < t.count(); ++k) copy_elem(fill, 0, t, k);
  set_const(n, 0, std::move(t));
}

void Converter::op_shape(const NodeProto &n) {
  const std::vector<int64_t> d = sym_dims(in(n, 0));
  const int64_t rank = int64_t(d.size());
  auto clamp = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = clamp(attr_int(n, "start", 0)), end = clamp(attr_int(n, "end", rank));
  ConstTensor t;
  t.is_float = false;
  for (int64_t k = start; k < end; ++k) t.i.push_back(d[size_t(k)]);
  t.dims = {int64_t(t.i.size())};
  set_const(n, 0, std::move(t));
}

void Converter::op_gather(const NodeProto &n) {
  const ConstTensor &x = *const_in(n, 0, "data");
  const ConstTensor &idx = *const_in(n, 1, "indices");
  if (idx.is_float) fail(n, "indices must be integers");
  const int64_t rank = int64_t(x.dims.size());
  bool ok;
  const int64_t axis = norm_axis(attr_int(n, "axis", 0), rank, ok);
  if (!ok) fail(n, fmt::format("axis is out of range for rank {}", rank));
  std::vector<int64_t> od(x.dims.begin(), x.dims.begin() + axis);
  od.insert(od.end(), idx.dims.begin(), idx.dims.end());
  od.insert(od.end(), x.dims.begin() + axis + 1, x.dims.end());
  if (checked_count(od, kMaxFoldElements) < 0) fail(n, "the folded result is absurdly large");
  ConstTensor z = make_like(x, od);
  const int64_t dim = x.dims[size_t(axis)];
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= x.dims[size_t(k)];
  for (int64_t k = axis + 1; k < rank; ++k) inner *= x.dims[size_t(k)];
  int64_t j = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t q = 0; q < idx.count(); ++q) {
      int64_t v = idx.i[size_t(q)];
      if (v < -dim || v >= dim) fail(n, fmt::format("index {} is out of range for a dimension of size {}", v, dim));
      if (v < 0) v += dim;
      for (int64_t r = 0; r < inner; ++r) copy_elem(x, (o * dim + v) * inner + r, z, j++);
    }
  set_const(n, 0, std::move(z));
}

void Converter::op_cast(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const int64_t to = attr_int(n, "to", 0);
  const bool to_float = to == TensorProto::FLOAT || to == TensorProto::DOUBLE;
  const bool to_int = to == TensorProto::INT64 || to == TensorProto::INT32 || to == TensorProto::INT16 ||
                      to == TensorProto::INT8 || to == TensorProto::UINT8 || to == TensorProto::UINT16 ||
                      to == TensorProto::UINT32 || to == TensorProto::UINT64 || to == TensorProto::BOOL;
  if (!to_float && !to_int) unsupported(n, fmt::format("Cast to {}", data_type_name(int(to))));
  if (!x.is_const()) {
    if (to != TensorProto::FLOAT)
      unsupported(n, fmt::format("Cast of a computed tensor to {}", data_type_name(int(to))));
    set_sym(n, 0, x);
    return;
  }
  const ConstTensor &c = *x.c;
  ConstTensor t;
  t.dims = c.dims;
  t.is_float = to_float;
  for (int64_t k = 0; k < c.count(); ++k) {
    if (to_float) {
      t.f.push_back(float(c.at(k)));
    } else {
      const double v = c.at(k);
      if (to == TensorProto::BOOL) t.i.push_back(v != 0.0);
      else if (!c.is_float) t.i.push_back(c.i[size_t(k)]);
      else if (!(std::fabs(v) < 9.2e18)) fail(n, "a value does not fit the integer type");
      else t.i.push_back(int64_t(v));  // truncation toward zero
    }
  }
  set_const(n, 0, std::move(t));
}

}  // namespace shufflec::onnx_import
