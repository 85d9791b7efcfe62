// Converters that change how a tensor is viewed, not its values: Reshape, Flatten, Transpose (including the
// channel-shuffle pattern), Unsqueeze, Squeeze, Identity, Dropout, and zero Pad (absorbed by the next window op).
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>

namespace shufflec::onnx_import {

void Converter::reshape_to(const NodeProto &n, const Sym &x, std::vector<int64_t> dims) {
  const std::string origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  if (x.is_const()) {
    ConstTensor t = *x.c;
    t.dims = std::move(dims);
    set_const(n, 0, std::move(t));
    return;
  }
  Sym s;
  if (x.layout == Layout::Padded) materialize(n, x);  // throws
  if (x.layout == Layout::Shuffled) {
    // The channel shuffle: the transposed view read back in row-major order.
    Attrs a;
    a.groups = x.groups;
    s.base = emit(n, OpKind::ChannelShuffle, {x.base}, a);
  } else {
    s.base = x.base;
  }
  s.dims = std::move(dims);
  if (s.dims != g_.shape(s.base).dims) s.origin = origin;
  set_sym(n, 0, std::move(s));
}

void Converter::op_flatten(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  int64_t axis = attr_int(n, "axis", 1);
  if (axis < -rank || axis > rank) fail(n, fmt::format("axis {} is out of range for rank {}", axis, rank));
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < rank; ++k) (k < axis ? outer : inner) *= d[size_t(k)];
  reshape_to(n, x, {outer, inner});
}

void Converter::op_reshape(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const std::vector<int64_t> want = ints_in(n, 1, "target shape");
  const bool allowzero = attr_int(n, "allowzero", 0) != 0;
  int64_t total = 1;
  for (int64_t v : d) total *= v;
  std::vector<int64_t> out;
  int infer_at = -1;
  int64_t known = 1;
  for (size_t k = 0; k < want.size(); ++k) {
    int64_t v = want[k];
    if (v == 0 && !allowzero) {
      if (k >= d.size()) fail(n, fmt::format("target shape {} copies dimension {} of {}, which has none",
                                             dims_str(want), k, dims_str(d)));
      v = d[k];
    }
    if (v == -1) {
      if (infer_at >= 0) fail(n, fmt::format("target shape {} has more than one -1", dims_str(want)));
      infer_at = int(k);
      out.push_back(1);
      continue;
    }
    if (v < 0) fail(n, fmt::format("target shape {} has a negative dimension", dims_str(want)));
    if (v > 0 && known > kMaxElements / v) fail(n, fmt::format("target shape {} is absurdly large", dims_str(want)));
    known *= v;
    out.push_back(v);
  }
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0)
      fail(n, fmt::format("cannot reshape {} to {}", dims_str(d), dims_str(want)));
    out[size_t(infer_at)] = total / known;
  } else if (known != total) {
    fail(n, fmt::format("cannot reshape {} ({} elements) to {}", dims_str(d), total, dims_str(out)));
  }
  reshape_to(n, x, out);
}

void Converter::op_transpose(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  std::vector<int64_t> perm;
  if (auto p = attr_ints(n, "perm")) perm = *p;
  else
    for (int64_t k = rank; k-- > 0;) perm.push_back(k);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool is_perm = int64_t(perm.size()) == rank;
  for (int64_t k = 0; is_perm && k < rank; ++k) is_perm = sorted[size_t(k)] == k;
  if (!is_perm) fail(n, fmt::format("perm {} is not a permutation of the {} axes", dims_str(perm), rank));
  std::vector<int64_t> od;
  for (int64_t p : perm) od.push_back(d[size_t(p)]);
  if (x.is_const()) {
    set_const(n, 0, transpose_const(*x.c, perm));
    return;
  }
  const std::string origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  std::vector<int64_t> swap12(static_cast<size_t>(rank));
  for (int64_t k = 0; k < rank; ++k) swap12[size_t(k)] = k;
  if (rank >= 3) std::swap(swap12[1], swap12[2]);
  if (x.layout == Layout::Shuffled) {
    if (perm != swap12) unsupported(n, fmt::format("Transpose perm {} of the channel-shuffle tensor", dims_str(perm)));
    Sym s = x;  // transposing back: the plain [N, a, b, ...] view of the base
    s.layout = Layout::Plain;
    s.dims = od;
    s.origin = origin;
    set_sym(n, 0, std::move(s));
    return;
  }
  if (x.layout == Layout::Padded) materialize(n, x);  // throws
  // A transpose that keeps the order of the non-1 axes moves no data.
  std::vector<int64_t> before, after;
  for (int64_t k = 0; k < rank; ++k) {
    if (d[size_t(k)] != 1) before.push_back(k);
    if (od[size_t(k)] != 1) after.push_back(perm[size_t(k)]);
  }
  if (before == after) {
    reshape_to(n, x, od);
    return;
  }
  // The channel shuffle: the base [N, C, H, W] viewed as [N, a, b, rest...] with a * b = C, transposed to
  // [N, b, a, rest...]. Read back in row-major order it is channel_shuffle with groups = a.
  const Shape bs = g_.shape(x.base);
  int64_t rest = 1;
  for (int64_t k = 3; k < rank; ++k) rest *= d[size_t(k)];
  if (perm == swap12 && rank >= 3 && bs.rank() == 4 && d[0] == bs[0] && d[1] * d[2] == bs[1] &&
      rest == bs[2] * bs[3]) {
    Sym s;
    s.base = x.base;
    s.dims = od;
    s.layout = Layout::Shuffled;
    s.groups = d[1];
    s.origin = origin;
    set_sym(n, 0, std::move(s));
    return;
  }
  unsupported(n, fmt::format("Transpose perm {} of {} (viewing {}): shufflec supports the channel-shuffle pattern "
                             "and transposes that move no data",
                             dims_str(perm), dims_str(d), bs.str()));
}

void Converter::op_unsqueeze(const NodeProto &n) {
  const Sym &x = in(n, 0);
  std::vector<int64_t> axes;
  if (opset_ >= 13) axes = ints_in(n, 1, "axes");
  else if (auto a = attr_ints(n, "axes")) axes = *a;
  else fail(n, "the attribute 'axes' is required");
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size() + axes.size());
  std::vector<bool> at(size_t(rank), false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
    if (at[size_t(a < 0 ? a + rank : a)]) fail(n, "an axis is repeated");
    at[size_t(a < 0 ? a + rank : a)] = true;
  }
  std::vector<int64_t> od;
  size_t k = 0;
  for (int64_t r = 0; r < rank; ++r) od.push_back(at[size_t(r)] ? 1 : d[k++]);
  reshape_to(n, x, od);
}

void Converter::op_squeeze(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  std::optional<std::vector<int64_t>> axes;
  if (opset_ >= 13) {
    if (has_input(n, 1)) axes = ints_in(n, 1, "axes");
  } else {
    axes = attr_ints(n, "axes");
  }
  std::vector<bool> drop(size_t(rank), false);
  if (axes) {
    for (int64_t a : *axes) {
      if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
      const int64_t k = a < 0 ? a + rank : a;
      if (d[size_t(k)] != 1) fail(n, fmt::format("axis {} of {} has size {}, not 1", a, dims_str(d), d[size_t(k)]));
      drop[size_t(k)] = true;
    }
  } else {
    for (int64_t k = 0; k < rank; ++k) drop[size_t(k)] = d[size_t(k)] == 1;
  }
  std::vector<int64_t> od;
  for (int64_t k = 0; k < rank; ++k)
    if (!drop[size_t(k)]) od.push_back(d[size_t(k)]);
  reshape_to(n, x, od);
}

void Converter::op_identity(const NodeProto &n) { set_sym(n, 0, in(n, 0)); }

void Converter::op_dropout(const NodeProto &n) {
  if (has_input(n, 2)) {
    ConstPtr t = const_in(n, 2, "training_mode");
    if (t->count() != 1 || t->at(0) != 0.0) unsupported(n, "training_mode = true");
  }
  require_unused(n, 1);
  set_sym(n, 0, in(n, 0));
}

// Pad with zeros on H and W of a run-time [N, C, H, W] tensor: a pending view that the next Conv or AveragePool
// absorbs into its own padding.
void Converter::op_pad(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::string mode = attr_string(n, "mode", "constant");
  if (mode != "constant") unsupported(n, fmt::format("Pad mode '{}' (only zero padding)", clip_text(mode, 32)));
  if (ConstPtr v = const_in_opt(n, 2, "constant_value"))
    if (v->count() != 1 || v->at(0) != 0.0) unsupported(n, "Pad with a non-zero value (only zero padding)");
  if (x.is_const()) unsupported(n, "Pad of a constant");
  const std::vector<int64_t> d = x.dims;
  const int64_t rank = int64_t(d.size());
  std::vector<int64_t> p = ints_in(n, 1, "pads");
  std::vector<int64_t> axes;
  if (has_input(n, 3)) axes = ints_in(n, 3, "axes");
  else
    for (int64_t k = 0; k < rank; ++k) axes.push_back(k);
  if (int64_t(p.size()) != 2 * int64_t(axes.size()))
    fail(n, fmt::format("pads {} must hold two values per axis", dims_str(p)));
  std::vector<int64_t> begin(size_t(rank), 0), end(size_t(rank), 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    int64_t a = axes[k];
    if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
    if (a < 0) a += rank;
    begin[size_t(a)] = p[k];
    end[size_t(a)] = p[k + axes.size()];
  }
  const bool spatial_only = rank == 4 && begin[0] == 0 && end[0] == 0 && begin[1] == 0 && end[1] == 0;
  if (!spatial_only || std::any_of(p.begin(), p.end(), [](int64_t v) { return v < 0 || v > kMaxElements; }))
    unsupported(n, fmt::format("Pad {} of {}: only non-negative zero padding of H and W", dims_str(p), dims_str(d)));
  Sym s;
  std::array<int64_t, 4> have{};
  if (x.layout == Layout::Padded) {
    s.base = x.base;
    have = x.pads;
  } else {
    s.base = materialize(n, x);
  }
  s.layout = Layout::Padded;
  s.pads = {have[0] + begin[2], have[1] + begin[3], have[2] + end[2], have[3] + end[3]};
  s.dims = {d[0], d[1], d[2] + begin[2] + end[2], d[3] + begin[3] + end[3]};
  s.origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  set_sym(n, 0, std::move(s));
}

}  // namespace shufflec::onnx_import
