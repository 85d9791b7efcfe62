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
      taps.push_back({static_cast<int>(taps.size()), i, s.node, std::move(map), g.shape(n.output)});
    }
  }
  return taps;
}

int64_t tap_scratch_floats(const std::vector<TapPoint> &taps) {
  int64_t most = 0;
  for (const TapPoint &t : taps)
    if (!t.channel_map.empty()) most = std::max(most, t.shape.elements());
  return (most + kArenaAlignFloats - 1) / kArenaAlignFloats * kArenaAlignFloats;
}

void print_tap_tables(CWriter &w, const std::vector<TapPoint> &taps) {
  w.blank();
  w.raw(runtime_files::tap_runtime_h);
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
  const std::string call = fmt::format("tap(user, {}, {}, {}, {}, {}, sc_tap_shape_{});", t.index,
                                       c_string_literal(t.source), t.channel_map.empty() ? data : scratch,
                                       t.shape.elements(), t.shape.rank(), t.index);
  if (t.channel_map.empty()) return fmt::format("if (tap) {}", call);
  int64_t plane = 1;
  for (size_t d = 2; d < t.shape.rank(); ++d) plane *= t.shape[d];
  return fmt::format("if (tap) {{ sc_tap_unpermute({}, {}, sc_tap_map_{}, {}, {}, {}); {} }}", data, scratch,
                     t.index, t.shape[0], t.shape[1], plane, call);
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
