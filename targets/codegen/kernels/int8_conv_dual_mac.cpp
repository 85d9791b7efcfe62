// int8 pointwise (1x1, stride 1) convs on ARMv7E-M with the DSP extension (TargetDesc::int8_dual_mac): SMLAD adds two
// 16 x 16-bit products per instruction. Emitted inside emit_int8_conv2d's per-output-channel loop, whose locals it
// reads (xg: the group's input planes, wm: the channel's CG weights, yp/rp: output/residual planes, m).
//
// The zero point leaves the inner loop: sum (x - zx) * w = sum x * w - zx * sum w, and the second term joins the
// bias once per channel. Integer sums are exact in any order, so the result is the portable kernel's bit for bit.
// Four pixels at a time: per 4 input channels, one word load per channel row (4 pixels) and one of the 4 weights;
// SXTB16 splits a word into the sign-extended byte pairs (0, 2) and (1, 3), PKHBT/PKHTB pair channel c with c + 2
// (and c + 1 with c + 3) at each pixel, matching the weights' split, and 8 SMLADs do the 16 multiply-adds.
#include "ir/ops/conv2d.h"
#include "targets/codegen/kernel_table.h"
#include "targets/codegen/kernels/int8_common.h"

namespace shufflec::kernels {

void emit_int8_pointwise_dual_mac(KernelEmitContext &ctx) {
  const Graph &g = ctx.graph;
  const Node &n = ctx.node;
  const ConvDims d = conv_dims(g, n);
  const NodeQuant &q = *n.quant;
  const int32_t zx = int8_params(g, n.inputs[0]).zero_point, zy = int8_params(g, n.output).zero_point;
  const bool residual = n.inputs.size() > 3;
  const int64_t plane = d.OH * d.OW, hw = d.H * d.W;
  CWriter &w = ctx.w;
  w.line("int32_t wsum = 0;");
  w.line("for (int c = 0; c < {}; ++c) wsum += wm[c];", d.CG);
  w.line("const int32_t base = bias[m] - {} * wsum;", zx);
  // The output of one pixel: requantize, the residual, clamp, store. With every channel's multiplier below 1 (shift
  // <= 0), the requantization skips the left shift and its saturation (the same result, fewer instructions).
  bool right_shifts_only = true;
  for (const Requant &r : q.requant) right_shifts_only &= r.shift <= 0;
  auto finish = [&](const std::string &acc, const std::string &pixel) {
    if (right_shifts_only)
      w.line("{0} = sc_requantize_right({0}, mult[m], -shift[m]) + {1};", acc, zy);
    else
      w.line("{0} = sc_requantize({0}, mult[m], shift[m]) + {1};", acc, zy);
    if (residual)
      w.line("{} += sc_requantize((int32_t)rp[{}] - {}, {}, {});", acc, pixel, int8_params(g, n.inputs[3]).zero_point,
             q.input_rescale[0].multiplier, q.input_rescale[0].shift);
    w.line("yp[{}] = (int8_t)sc_clamp({}, {}, {});", pixel, acc, q.act_min, q.act_max);
  };
  w.line("int p = 0;");
  if (plane >= 4) {
    auto pixels = w.block("for (; p + 4 <= {}; p += 4)", plane);
    w.line("int32_t acc0 = base, acc1 = base, acc2 = base, acc3 = base;");
    w.line("int c = 0;");
    if (d.CG >= 4) {
      auto channels = w.block("for (; c + 4 <= {}; c += 4)", d.CG);
      w.line("const int8_t *restrict xc = xg + c * {} + p;", hw);
      w.line("const uint32_t w4 = sc_load4(wm + c), w02 = sc_sx02(w4), w13 = sc_sx13(w4);");
      w.line("const uint32_t r0 = sc_load4(xc), r1 = sc_load4(xc + {}), r2 = sc_load4(xc + {}), "
             "r3 = sc_load4(xc + {});", hw, 2 * hw, 3 * hw);
      w.line("const uint32_t a02 = sc_sx02(r0), a13 = sc_sx13(r0), b02 = sc_sx02(r1), b13 = sc_sx13(r1);");
      w.line("const uint32_t c02 = sc_sx02(r2), c13 = sc_sx13(r2), d02 = sc_sx02(r3), d13 = sc_sx13(r3);");
      w.line("acc0 = sc_dual_mac(sc_lo_pair(a02, c02), w02, sc_dual_mac(sc_lo_pair(b02, d02), w13, acc0));");
      w.line("acc1 = sc_dual_mac(sc_lo_pair(a13, c13), w02, sc_dual_mac(sc_lo_pair(b13, d13), w13, acc1));");
      w.line("acc2 = sc_dual_mac(sc_hi_pair(a02, c02), w02, sc_dual_mac(sc_hi_pair(b02, d02), w13, acc2));");
      w.line("acc3 = sc_dual_mac(sc_hi_pair(a13, c13), w02, sc_dual_mac(sc_hi_pair(b13, d13), w13, acc3));");
    }
    if (d.CG % 4 != 0) {
      auto rest = w.block("for (; c < {}; ++c)", d.CG);
      w.line("const int8_t *restrict xc = xg + c * {} + p;", hw);
      w.line("const int32_t wc = wm[c];");
      w.line("acc0 += xc[0] * wc, acc1 += xc[1] * wc, acc2 += xc[2] * wc, acc3 += xc[3] * wc;");
    }
    for (int k = 0; k < 4; ++k) finish(fmt::format("acc{}", k), k ? fmt::format("p + {}", k) : "p");
  }
  if (plane % 4 != 0) {
    auto pixels = w.block("for (; p < {}; ++p)", plane);
    w.line("int32_t acc = base;");
    w.line("for (int c = 0; c < {}; ++c) acc += xg[c * {} + p] * wm[c];", d.CG, hw);
    finish("acc", "p");
  }
}

}  // namespace shufflec::kernels
