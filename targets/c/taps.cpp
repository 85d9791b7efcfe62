#include "targets/c/taps.h"

#include <algorithm>

#include "ir/memory_plan.h"

namespace shufflec {
namespace runtime_files {
extern const std::string_view tap_runtime_h;
}  // namespace runtime_files

std::vector<TapPoint> plan_taps(const Graph &g) {
  std::vector<TapPoint> taps;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node &n = g.nodes[i];
    for (const SourceValue &s : n.sources) {
      // An identity map is no permutation: report the stored tensor as it is.
      std::vector<int64_t> map = s.channel_map;
      bool identity = true;
      for (size_t c = 0; c < map.size(); ++c) identity = identity && map[c] == static_cast<int64_t>(c);
      if (identity) map.clear();
      SHUFFLEC_ASSERT(map.empty() || (g.shape(n.output).rank() >= 2 &&
                                      static_cast<int64_t>(map.size()) == g.shape(n.output)[1]));
      taps.push_back({static_cast<int>(taps.size()), i, s.node, std::move(map), g.shape(n.output),
                      g.value(n.output).quant});
    }
  }
  return taps;
}

int64_t tap_scratch_floats(const std::vector<TapPoint> &taps) {
  int64_t most = 0;
  for (const TapPoint &t : taps)
    if (!t.channel_map.empty() || t.quant) most = std::max(most, t.shape.elements());
  return (most + kArenaAlignFloats - 1) / kArenaAlignFloats * kArenaAlignFloats;
}

void print_tap_tables(CWriter &w, const std::vector<TapPoint> &taps) {
  w.blank();
  w.raw(runtime_files::tap_runtime_h);
  if (std::any_of(taps.begin(), taps.end(), [](const TapPoint &t) { return t.quant.has_value(); })) {
    w.line("/* An int8 tensor as the floats it stands for, scale * (q - zero_point), in the source graph's layout");
    w.line(" * (map: as sc_tap_unpermute's; NULL when the channels are in place). */");
    auto fn = w.block("static void sc_tap_dequantize(const int8_t *stored, float *source_layout, const int *map, "
                      "int batch, int channels, int plane, float scale, int zero_point)");
    w.line("int n, c, i;");
    w.line("for (n = 0; n < batch; ++n)");
    w.line("  for (c = 0; c < channels; ++c) {{");
    w.line("    const size_t stored_channel = (size_t)(map ? map[c] : c);");
    w.line("    const int8_t *from = stored + ((size_t)n * (size_t)channels + stored_channel) * (size_t)plane;");
    w.line("    float *to = source_layout + ((size_t)n * (size_t)channels + (size_t)c) * (size_t)plane;");
    w.line("    for (i = 0; i < plane; ++i) to[i] = scale * (float)(from[i] - zero_point);");
    w.line("  }}");
  }
  w.line("/* Each tap's shape (and, for a tensor stored with permuted channels, where each source channel is). */");
  for (const TapPoint &t : taps) {
    w.line("static const int sc_tap_shape_{}[{}] = {{{}}};", t.index, std::max<size_t>(t.shape.rank(), 1),
           t.shape.rank() ? fmt::format("{}", fmt::join(t.shape.dims, ", ")) : "0");
    if (!t.channel_map.empty())
      w.line("static const int sc_tap_map_{}[{}] = {{{}}};", t.index, t.channel_map.size(),
             fmt::join(t.channel_map, ", "));
  }
}

std::string tap_statement(const TapPoint &t, const std::string &data, const std::string &scratch) {
  const bool copied = !t.channel_map.empty() || t.quant;
  const std::string call = fmt::format("tap(user, {}, {}, {}, {}, {}, sc_tap_shape_{});", t.index,
                                       c_string_literal(t.source), copied ? scratch : data, t.shape.elements(),
                                       t.shape.rank(), t.index);
  if (!copied) return fmt::format("if (tap) {}", call);
  const int64_t batch = t.shape.rank() >= 1 ? t.shape[0] : 1, channels = t.shape.rank() >= 2 ? t.shape[1] : 1;
  const int64_t plane = t.shape.elements() / std::max<int64_t>(batch * channels, 1);
  const std::string map = t.channel_map.empty() ? "NULL" : fmt::format("sc_tap_map_{}", t.index);
  if (t.quant)  // the scale in hexadecimal: the C float is the calibrated one, bit for bit
    return fmt::format("if (tap) {{ sc_tap_dequantize({}, {}, {}, {}, {}, {}, {:a}f, {}); {} }}", data, scratch, map,
                       batch, channels, plane, t.quant->scale, t.quant->zero_point, call);
  return fmt::format("if (tap) {{ sc_tap_unpermute({}, {}, {}, {}, {}, {}); {} }}", data, scratch, map, batch,
                     channels, plane, call);
}

std::string c_string_literal(const std::string &text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?')
      out += ch;
    else
      out += fmt::format("\\{:03o}", c);
  }
  return out + "\"";
}

}  // namespace shufflec
