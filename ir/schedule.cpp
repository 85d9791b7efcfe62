#include "ir/schedule.h"

#include <fmt/format.h>

namespace shufflec {

std::string describe(const ConvSchedule &s) {
  switch (s.kernel) {
    case ConvKernel::Pointwise: return "pointwise";
    case ConvKernel::Depthwise: return "depthwise";
    case ConvKernel::DepthwiseFlat: return "depthwise_flat";
    case ConvKernel::Direct: return fmt::format("direct(channels={})", s.direct_channels);
    case ConvKernel::Gemm: break;
    case ConvKernel::Int8Rows: return fmt::format("int8_rows(workspace={})", s.workspace_floats);
    case ConvKernel::Int8Gemm: {
      static const char *const dots[] = {"i16_pairs", "u8_quads", "i16_lanes", "s8_quads"};
      const Int8GemmSchedule &q = s.int8;
      return fmt::format("int8_gemm(tile={}x{}/{}, {}{}, workspace={})", q.mr, q.nr, q.nr_tail,
                         dots[static_cast<int>(q.dot)], q.im2col_bytes ? ", im2col" : "", s.workspace_floats);
    }
  }
  const GemmSchedule &g = s.gemm;
  std::string text = fmt::format("gemm(tile={}x{}/{}", g.mr, g.nr, g.nr_tail);
  switch (g.panels) {
    case GemmPanels::InPlace: {
      const PointwiseBlocking &b = g.blocking;
      text += fmt::format(", in_place, k_block={}, channel_blocks={}, slab={}{}{}", b.k_block, b.channel_blocks,
                          b.slab_pixels, b.tile_stationary ? ", tile_stationary" : "", b.pack_slab ? ", packed" : "");
      break;
    }
    case GemmPanels::RowPanels:
      text += fmt::format(", row_panels={}", g.panel_rows);
      if (g.panel_channels > 0) text += fmt::format(", k_block_channels={}", g.panel_channels);
      break;
    case GemmPanels::TilePanels: text += ", tile_panels"; break;
  }
  if (s.workspace_floats) text += fmt::format(", workspace={}", s.workspace_floats);
  return text + ")";
}

}  // namespace shufflec
