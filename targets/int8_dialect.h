// The int8 extension of a target's vector dialect: how the SIMD int8 GEMM (ConvKernel::Int8Gemm, printed by
// targets/codegen/kernels/int8_gemm.cpp) packs, multiplies and requantizes. The arithmetic is fixed C text, one file
// per instruction set (runtime/shufflec_int8_<isa>.h) defining the same helpers; this class names them with typed
// methods, and says which instruction set's text the module pastes and what the C compiler must be told.
#pragma once
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "ir/ops/conv2d.h"
#include "ir/schedule.h"

namespace shufflec {

// The scratch of the int8 depthwise kernel (ConvKernel::Int8Rows, targets/codegen/kernels/int8_depthwise.cpp), one
// function so the schedule (its workspace size) and the printer agree. The channel's input is copied into `xpad`
// (rw x ph bytes, the border the zero point); the sums go into `acc`, int32, `pitch` per output row. With stride 1
// the rows are computed as one "wide" plane: sum i reads xpad[i + tap offset] for i in [0, sums), so each output row
// is a run of rw sums of which the first OW are kept (no per-row vector padding, which wastes most lanes on 7x7
// planes); with a stride, row by row over OW rounded up to whole vectors, from column phases. Then the plane is compacted to OW per row
// and requantized as one flat run of OH*OW.
// acc is a local array when it is small (the C compiler then knows it does not alias xpad, and vectorises), else it
// leads the workspace.
struct Int8DepthwiseLayout {
  static constexpr int64_t kMaxStackAccBytes = 64 << 10;
  bool wide;
  // xpad's row: rw bytes, `stride` phases of phase_width bytes; phase p holds the padded columns c with c % stride ==
  // p, at c / stride (one phase with stride 1).
  int64_t rw, phase_width, ph, pitch, sums;  // sums: int32 entries of acc, a multiple of lanes >= OH*OW
  int64_t acc_bytes() const { return sums * 4; }
  // Where tap (ky, kx) of the output at sum i (wide) or column i of an output row (rows) reads: xpad (or the row's
  // first padded input row) + i + this.
  int64_t tap_offset(const Attrs &a, int64_t ky, int64_t kx) const {
    const int64_t column = kx * a.dilation[1], s = a.stride[1];
    return ky * a.dilation[0] * rw + column % s * phase_width + column / s;
  }
  bool acc_on_stack() const { return acc_bytes() <= kMaxStackAccBytes; }
  int64_t xpad_offset() const { return acc_on_stack() ? 0 : acc_bytes(); }
  int64_t workspace_bytes() const { return xpad_offset() + rw * ph; }
};

inline Int8DepthwiseLayout int8_depthwise_layout(const ConvDims &d, const Attrs &a, int64_t lanes) {
  auto round_up = [lanes](int64_t v) { return (v + lanes - 1) / lanes * lanes; };
  Int8DepthwiseLayout l{};
  l.wide = a.stride[0] == 1 && a.stride[1] == 1;
  const int64_t cols = l.wide ? d.OW : round_up(d.OW), s = a.stride[1];  // output columns computed per row
  if (l.wide) {
    l.rw = l.phase_width = std::max(cols + (d.KW - 1) * a.dilation[1], a.pads[1] + d.W);
  } else {  // each padded row split into `s` phases, so a strided tap reads consecutive bytes
    l.phase_width = std::max(cols + (d.KW - 1) * a.dilation[1] / s, (a.pads[1] + d.W + s - 1) / s);
    l.rw = s * l.phase_width;
  }
  l.pitch = l.wide ? l.rw : cols;
  l.sums = round_up(d.OH * l.pitch);
  // The last byte read: the last sum's last tap (wide), or the last row's last column's last tap.
  const int64_t last = l.wide ? l.sums - 1 + (d.KH - 1) * a.dilation[0] * l.rw + (d.KW - 1) * a.dilation[1]
                              : ((d.OH - 1) * a.stride[0] + (d.KH - 1) * a.dilation[0]) * l.rw + l.rw - 1;
  l.ph = std::max(last / l.rw + 1, a.pads[0] + d.H);
  return l;
}

class Int8Dialect {
 public:
  // The C types of an accumulator vector, a vector of the packed tile and a broadcast weight operand (real type names,
  // which the stack bound knows: targets/c/stack_bound.cpp).
  struct Types {
    std::string_view acc, input, weight;
  };
  // runtime: the helpers' C text; guard/hint: the preprocessor condition they need and what to pass when it fails;
  // helper_stack_bytes: a bound of the stack the deepest helper call needs in an unoptimised build (measured with
  // gcc and clang -O0 -fstack-usage, doubled).
  Int8Dialect(Int8Dot dot, int64_t lanes, Types types, std::string runtime, std::string_view guard,
              std::string_view hint, int64_t helper_stack_bytes)
      : dot_(dot), lanes_(lanes), types_(types), runtime_(std::move(runtime)), guard_(guard), hint_(hint),
        helper_stack_bytes_(helper_stack_bytes) {}
  Int8Dot dot() const { return dot_; }
  int64_t lanes() const { return lanes_; }  // int32 accumulators per vector
  // Taps summed per 32-bit lane by one dot product, and the packed input tile's element type.
  int64_t k_step() const {
    return dot_ == Int8Dot::U8Quads || dot_ == Int8Dot::S8Quads ? 4 : dot_ == Int8Dot::I16Pairs ? 2 : 1;
  }
  std::string_view panel_type() const {
    return dot_ == Int8Dot::U8Quads ? "uint8_t" : dot_ == Int8Dot::S8Quads ? "int8_t" : "int16_t";
  }
  std::string_view runtime() const { return runtime_; }
  std::string_view guard() const { return guard_; }
  std::string_view guard_hint() const { return hint_; }
  int64_t helper_stack_bytes() const { return helper_stack_bytes_; }
  static bool is_helper(std::string_view name) { return name.rfind("sc_v_", 0) == 0; }

  // C types: an accumulator vector, a vector of the packed tile, a broadcast weight operand.
  std::string_view acc_type() const { return types_.acc; }
  std::string_view input_type() const { return types_.input; }
  std::string_view weight_type() const { return types_.weight; }
  std::string splat(std::string_view int32) const { return fmt::format("sc_v_splat({})", int32); }
  std::string load(std::string_view panel_ptr) const { return fmt::format("sc_v_load({})", panel_ptr); }
  // An accumulator vector from `lanes` int32 in memory.
  std::string load_acc(std::string_view int32_ptr) const { return fmt::format("sc_v_load_i32({})", int32_ptr); }
  // A packed weight word (k_step int8 weights of one channel) as a weight operand.
  std::string weight(std::string_view word) const { return fmt::format("sc_v_weight({})", word); }
  // acc + the k_step-tap dot products of x and w, per lane.
  std::string dot(std::string_view acc, std::string_view x, std::string_view w) const {
    return fmt::format("sc_v_dot({}, {}, {})", acc, x, w);
  }
  // Statement: packs `count` pixels (the rest of nr zero) of K input rows `plane` apart into the tile at panel.
  std::string pack(std::string_view panel, std::string_view x, int64_t plane, int64_t K, int64_t nr, int64_t count,
                   int32_t zero_point) const {
    return fmt::format("sc_v_pack({}, {}, {}, {}, {}, {}, {});", panel, x, plane, K, nr, count, zero_point);
  }
  // Statement: requantizes acc (docs/quantization.md), adds the output zero point (and the rescaled residual at
  // res, when given), clamps and stores `lanes` int8 at dst.
  std::string requantize_store(std::string_view dst, std::string_view acc, std::string_view mult,
                               std::string_view shift, int32_t zero_point, int32_t lo, int32_t hi) const {
    return fmt::format("sc_v_requantize_store({}, {}, {}, {}, {}, {}, {});", dst, acc, mult, shift, zero_point, lo, hi);
  }
  std::string requantize_residual_store(std::string_view dst, std::string_view acc, std::string_view mult,
                                        std::string_view shift, int32_t zero_point, int32_t lo, int32_t hi,
                                        std::string_view res, int32_t res_zero_point, int32_t res_mult,
                                        int32_t res_shift) const {
    return fmt::format("sc_v_requantize_residual_store({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {});", dst, acc, mult,
                       shift, zero_point, lo, hi, res, res_zero_point, res_mult, res_shift);
  }

 private:
  Int8Dot dot_;
  int64_t lanes_;
  Types types_;
  std::string runtime_;
  std::string_view guard_, hint_;
  int64_t helper_stack_bytes_;
};

}  // namespace shufflec
