// Converters for Slice and Split: folded on constants; on run-time tensors, channel ranges.
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>

namespace shufflec::onnx_import {

// Channels [begin, end) of x [N, C, H, W]: the IR's channel_slice, which moves no data when N = 1 (the memory plan
// makes it a view); all channels are x itself.
ValueId Converter::channel_range(const NodeProto &n, ValueId x, int64_t begin, int64_t end, const std::string &name) {
  if (begin == 0 && end == g_.shape(x)[1]) return x;
  Attrs a;
  a.begin = begin;
  a.end = end;
  return emit(n, OpKind::ChannelSlice, {x}, a, name);
}

// Slice: folded on constants; on a run-time [N, C, H, W] tensor, a range of channels.
void Converter::op_slice(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  const std::vector<int64_t> starts = ints_in(n, 1, "starts"), ends = ints_in(n, 2, "ends");
  std::vector<int64_t> axes, steps;
  if (has_input(n, 3)) axes = ints_in(n, 3, "axes");
  else
    for (int64_t k = 0; k < int64_t(starts.size()); ++k) axes.push_back(k);
  if (has_input(n, 4)) steps = ints_in(n, 4, "steps");
  else steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    fail(n, "starts, ends, axes and steps must have the same length");
  std::vector<int64_t> lo(size_t(rank), 0), hi = d, st(size_t(rank), 1);
  std::vector<bool> seen(size_t(rank), false);
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t a = axes[k];
    if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
    if (a < 0) a += rank;
    if (seen[size_t(a)]) fail(n, "an axis is repeated");
    seen[size_t(a)] = true;
    const int64_t dim = d[size_t(a)], step = steps[k];
    if (step == 0 || step < -kMaxElements || step > kMaxElements) fail(n, fmt::format("step {} is 0 or absurd", step));
    int64_t s = starts[k], e = ends[k];
    if (s < 0) s = s < -dim ? 0 : s + dim;
    if (e < 0) e = e < -dim ? -1 : e + dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    lo[size_t(a)] = s;
    hi[size_t(a)] = e;
    st[size_t(a)] = step;
  }
  std::vector<int64_t> od(static_cast<size_t>(rank));
  for (int64_t k = 0; k < rank; ++k) {
    const int64_t span = st[size_t(k)] > 0 ? hi[size_t(k)] - lo[size_t(k)] : lo[size_t(k)] - hi[size_t(k)];
    const int64_t step = std::abs(st[size_t(k)]);
    od[size_t(k)] = span <= 0 ? 0 : 1 + (span - 1) / step;
  }
  if (x.is_const()) {
    set_const(n, 0, slice_const(*x.c, lo, st, od));
    return;
  }
  const ValueId xv = materialize(n, x);
  const Shape xs = g_.shape(xv);
  bool only_channels = xs.rank() == 4;
  for (int64_t k = 0; k < rank && only_channels; ++k)
    if (k != 1 && (lo[size_t(k)] != 0 || od[size_t(k)] != d[size_t(k)] || st[size_t(k)] != 1)) only_channels = false;
  const int64_t len = only_channels ? od[1] : 0;
  if (!only_channels || st[1] != 1 || len < 1)
    unsupported(n, fmt::format("Slice of {} to {}: on computed tensors shufflec supports only a range of channels "
                               "(axis 1, step 1)",
                               dims_str(d), dims_str(od)));
  set_value(n, 0, channel_range(n, xv, lo[1], lo[1] + len, label(n)));
}

// Split: folded on constants; on a run-time [N, C, H, W] tensor, channel ranges (ShuffleNet v2's chunk).
void Converter::op_split(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  bool ok;
  const int64_t axis = norm_axis(attr_int(n, "axis", 0), rank, ok);
  if (!ok) fail(n, fmt::format("axis is out of range for rank {}", rank));
  std::vector<int64_t> sizes;
  if (has_input(n, 1)) sizes = ints_in(n, 1, "split");
  else if (auto s = attr_ints(n, "split")) sizes = *s;
  else {
    const int64_t parts = n.output_size();
    if (parts < 1 || d[size_t(axis)] % parts != 0)
      unsupported(n, fmt::format("Split of {} into {} uneven parts", dims_str(d), parts));
    sizes.assign(size_t(parts), d[size_t(axis)] / parts);
  }
  if (int64_t(sizes.size()) != n.output_size()) fail(n, "the number of split sizes differs from the outputs");
  int64_t sum = 0;
  for (int64_t s : sizes) {
    if (s < 0 || s > d[size_t(axis)]) fail(n, fmt::format("split size {} is out of range", s));
    sum += s;
  }
  if (sum != d[size_t(axis)])
    fail(n, fmt::format("split sizes {} do not add up to {}", dims_str(sizes), d[size_t(axis)]));
  if (x.is_const()) {
    int64_t at = 0;
    for (size_t p = 0; p < sizes.size(); ++p) {
      set_const(n, int(p), split_part_const(*x.c, axis, at, sizes[p]));
      at += sizes[p];
    }
    return;
  }
  const ValueId xv = materialize(n, x);
  if (g_.shape(xv).rank() != 4 || axis != 1)
    unsupported(n, fmt::format("Split of {} along axis {}: on computed tensors shufflec supports channel parts "
                               "(axis 1)",
                               dims_str(d), axis));
  int64_t at = 0;
  for (int p = 0; p < n.output_size(); at += sizes[size_t(p)], ++p) {
    if (n.output(p).empty() || !consumers_.count(n.output(p))) continue;
    if (sizes[size_t(p)] < 1) unsupported(n, fmt::format("output {} is empty (split size 0) and is used", p));
    set_value(n, p, channel_range(n, xv, at, at + sizes[size_t(p)], clip_text(n.output(p))));
  }
}

}  // namespace shufflec::onnx_import
