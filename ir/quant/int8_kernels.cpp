// The int8 reference kernels (docs/quantization.md, "Each op"): plain loops over int32 sums, the oracle of the
// generated int8 C.
#include "ir/ops/common.h"
#include "ir/ops/conv2d.h"
#include "ir/ops/pool.h"
#include "ir/quant/fixed_point.h"
#include "ir/quant/int8_interpreter.h"

namespace shufflec {
namespace {

using quant::clamp_int;
using quant::requantize;

QuantParams params(const Graph &g, ValueId v) {
  SHUFFLEC_ASSERT(g.value(v).is_int8());
  return *g.value(v).quant;
}

void conv2d(const Graph &g, const Node &n, const std::vector<const Int8Tensor *> &in, Int8Tensor &out) {
  const ConvDims d = conv_dims(g, n);
  const Attrs &a = n.attrs;
  const NodeQuant &q = *n.quant;
  const int32_t zx = params(g, n.inputs[0]).zero_point, zy = params(g, n.output).zero_point;
  const int8_t *x = in[0]->data.data(), *w = q.weights.data();
  const Int8Tensor *residual = n.inputs.size() > 3 ? in[3] : nullptr;
  const int32_t zr = residual ? params(g, n.inputs[3]).zero_point : 0;
  for (int64_t nn = 0; nn < d.N; ++nn)
    for (int64_t m = 0; m < d.M; ++m) {
      const int64_t group = m / d.MG, stored = stored_channel(a, m);
      for (int64_t oy = 0; oy < d.OH; ++oy)
        for (int64_t ox = 0; ox < d.OW; ++ox) {
          int32_t acc = q.bias[static_cast<size_t>(m)];
          for (int64_t c = 0; c < d.CG; ++c)
            for (int64_t ky = 0; ky < d.KH; ++ky)
              for (int64_t kx = 0; kx < d.KW; ++kx) {
                const int64_t iy = oy * a.stride[0] - a.pads[0] + ky * a.dilation[0];
                const int64_t ix = ox * a.stride[1] - a.pads[1] + kx * a.dilation[1];
                if (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W) continue;  // zero padding: q = z, adds 0
                acc += (int32_t{x[((nn * d.C + group * d.CG + c) * d.H + iy) * d.W + ix]} - zx) *
                       int32_t{w[((m * d.CG + c) * d.KH + ky) * d.KW + kx]};
              }
          const int64_t o = ((nn * d.M + stored) * d.OH + oy) * d.OW + ox;
          int32_t y = requantize(acc, q.requant[static_cast<size_t>(m)]) + zy;
          if (residual) y += requantize(int32_t{residual->data[static_cast<size_t>(o)]} - zr, q.input_rescale[0]);
          out.data[static_cast<size_t>(o)] = static_cast<int8_t>(clamp_int(y, q.act_min, q.act_max));
        }
    }
}

void dense(const Graph &g, const Node &n, const std::vector<const Int8Tensor *> &in, Int8Tensor &out) {
  const NodeQuant &q = *n.quant;
  const int64_t N = g.shape(n.inputs[0])[0], K = g.shape(n.inputs[0])[1], M = g.shape(n.inputs[1])[0];
  const int32_t zx = params(g, n.inputs[0]).zero_point, zy = params(g, n.output).zero_point;
  for (int64_t b = 0; b < N; ++b)
    for (int64_t m = 0; m < M; ++m) {
      int32_t acc = q.bias[static_cast<size_t>(m)];
      for (int64_t k = 0; k < K; ++k)
        acc += (int32_t{in[0]->data[static_cast<size_t>(b * K + k)]} - zx) *
               int32_t{q.weights[static_cast<size_t>(m * K + k)]};
      const int32_t y = requantize(acc, q.requant[static_cast<size_t>(m)]) + zy;
      out.data[static_cast<size_t>(b * M + m)] = static_cast<int8_t>(clamp_int(y, q.act_min, q.act_max));
    }
}

void add(const Graph &g, const Node &n, const std::vector<const Int8Tensor *> &in, Int8Tensor &out) {
  const NodeQuant &q = *n.quant;
  const int32_t za = params(g, n.inputs[0]).zero_point, zb = params(g, n.inputs[1]).zero_point;
  const int32_t zy = params(g, n.output).zero_point;
  for (size_t i = 0; i < out.data.size(); ++i) {
    const int32_t a = requantize((int32_t{in[0]->data[i]} - za) * (1 << kAddLeftShift), q.input_rescale[0]);
    const int32_t b = requantize((int32_t{in[1]->data[i]} - zb) * (1 << kAddLeftShift), q.input_rescale[1]);
    out.data[i] = static_cast<int8_t>(clamp_int(requantize(a + b, q.input_rescale[2]) + zy, q.act_min, q.act_max));
  }
}

// avg_pool and max_pool: one loop over the windows; `average` picks the op.
void pool(const Graph &g, const Node &n, const Int8Tensor &x, Int8Tensor &out, bool average) {
  const NodeQuant &q = *n.quant;
  const Shape &xs = x.shape, &ys = g.shape(n.output);
  const Attrs &a = n.attrs;
  const int32_t zx = params(g, n.inputs[0]).zero_point, zy = params(g, n.output).zero_point;
  for (int64_t p = 0; p < xs[0] * xs[1]; ++p)
    for (int64_t oy = 0; oy < ys[2]; ++oy)
      for (int64_t ox = 0; ox < ys[3]; ++ox) {
        int32_t result;
        if (average) {
          const ops::WindowSpan sy = ops::window_span(oy, a.kernel[0], a.stride[0], a.pads[0], a.pads[2], xs[2]);
          const ops::WindowSpan sx = ops::window_span(ox, a.kernel[1], a.stride[1], a.pads[1], a.pads[3], xs[3]);
          int32_t sum = 0;
          for (int64_t iy = sy.lo; iy < sy.hi; ++iy)
            for (int64_t ix = sx.lo; ix < sx.hi; ++ix)
              sum += int32_t{x.data[static_cast<size_t>((p * xs[2] + iy) * xs[3] + ix)]} - zx;
          const int64_t divisor = a.count_include_pad ? sy.padded * sx.padded : (sy.hi - sy.lo) * (sx.hi - sx.lo);
          result = requantize(sum, q.divisor_requant[static_cast<size_t>(divisor - 1)]) + zy;
        } else {
          result = -128;
          for (int64_t ky = 0; ky < a.kernel[0]; ++ky)
            for (int64_t kx = 0; kx < a.kernel[1]; ++kx) {
              const int64_t iy = oy * a.stride[0] - a.pads[0] + ky * a.dilation[0];
              const int64_t ix = ox * a.stride[1] - a.pads[1] + kx * a.dilation[1];
              if (iy < 0 || iy >= xs[2] || ix < 0 || ix >= xs[3]) continue;
              result = std::max<int32_t>(result, x.data[static_cast<size_t>((p * xs[2] + iy) * xs[3] + ix)]);
            }
        }
        out.data[static_cast<size_t>((p * ys[2] + oy) * ys[3] + ox)] =
            static_cast<int8_t>(clamp_int(result, q.act_min, q.act_max));
      }
}

void global_avg_pool(const Graph &g, const Node &n, const Int8Tensor &x, Int8Tensor &out) {
  const NodeQuant &q = *n.quant;
  const int64_t plane = x.shape[2] * x.shape[3];
  const int32_t zx = params(g, n.inputs[0]).zero_point, zy = params(g, n.output).zero_point;
  for (int64_t p = 0; p < x.shape[0] * x.shape[1]; ++p) {
    int32_t sum = 0;
    for (int64_t i = 0; i < plane; ++i) sum += int32_t{x.data[static_cast<size_t>(p * plane + i)]} - zx;
    out.data[static_cast<size_t>(p)] =
        static_cast<int8_t>(clamp_int(requantize(sum, q.divisor_requant[0]) + zy, q.act_min, q.act_max));
  }
}

// Ops that only move bytes (their input and output share parameters): the fp32 reference kernel on the int8 values
// (exact in float), so the int8 interpreter has one definition of each permutation.
void move_bytes(const Graph &g, const Node &n, const std::vector<const Int8Tensor *> &in, Int8Tensor &out) {
  std::vector<Tensor> as_float;
  as_float.reserve(in.size());
  std::vector<const Tensor *> ptrs;
  for (const Int8Tensor *t : in) {
    as_float.push_back(Tensor{t->shape, std::vector<float>(t->data.begin(), t->data.end())});
    ptrs.push_back(&as_float.back());
  }
  Tensor result{out.shape, std::vector<float>(out.data.size())};
  op_info(n.op).reference(g, n, ptrs, result);
  for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = static_cast<int8_t>(result.data[i]);
}

}  // namespace

void int8_reference(const Graph &g, const Node &n, const std::vector<const Int8Tensor *> &in, Int8Tensor &out) {
  SHUFFLEC_ASSERT(n.quant.has_value());
  switch (n.op) {
    case OpKind::Conv2d: return conv2d(g, n, in, out);
    case OpKind::Dense: return dense(g, n, in, out);
    case OpKind::Add: return add(g, n, in, out);
    case OpKind::AvgPool: return pool(g, n, *in[0], out, true);
    case OpKind::MaxPool: return pool(g, n, *in[0], out, false);
    case OpKind::GlobalAvgPool: return global_avg_pool(g, n, *in[0], out);
    case OpKind::Relu:
      for (size_t i = 0; i < out.data.size(); ++i)
        out.data[i] = static_cast<int8_t>(clamp_int(in[0]->data[i], n.quant->act_min, n.quant->act_max));
      return;
    case OpKind::Concat:
    case OpKind::ChannelShuffle:
    case OpKind::Flatten:
    case OpKind::ChannelSlice: return move_bytes(g, n, in, out);
    default: SHUFFLEC_ASSERT(!"no int8 kernel for this op (the quantize_int8 pass keeps it in float)");
  }
}

// Whether an op has an int8 kernel (the quantize_int8 pass keeps the others in float).
bool has_int8_kernel(OpKind op) {
  switch (op) {
    case OpKind::Conv2d: case OpKind::Dense: case OpKind::Add: case OpKind::AvgPool: case OpKind::MaxPool:
    case OpKind::GlobalAvgPool: case OpKind::Relu: case OpKind::Concat: case OpKind::ChannelShuffle:
    case OpKind::Flatten: case OpKind::ChannelSlice: return true;
    default: return false;
  }
}

}  // namespace shufflec
