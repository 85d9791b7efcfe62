#include "compiler/debug/quant_diff.h"

#include <cmath>
#include <cstring>

#include "ir/quant/int8_interpreter.h"

namespace shufflec {

double sqnr_db(const std::vector<float> &got, const std::vector<float> &ref) {
  SHUFFLEC_ASSERT(got.size() == ref.size());
  double signal = 0, noise = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = double(got[i]) - double(ref[i]);
    signal += double(ref[i]) * double(ref[i]);
    noise += d * d;
  }
  if (std::isnan(noise)) return NAN;
  if (noise == 0) return INFINITY;
  return 10.0 * std::log10(signal / noise);  // a zero signal with noise: -inf
}

namespace {

// The tap's floats from an int8 tensor in the compiled layout: the arithmetic of sc_tap_dequantize (targets/c/
// taps.cpp), one float multiply of a converted int, so equal bits mean equal int8 values.
std::vector<float> dequantized_source_layout(const TapPoint &t, const Int8Tensor &q) {
  const int64_t batch = t.shape.rank() >= 1 ? t.shape[0] : 1, channels = t.shape.rank() >= 2 ? t.shape[1] : 1;
  const int64_t plane = t.shape.elements() / std::max<int64_t>(batch * channels, 1);
  std::vector<float> out(q.data.size());
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t stored = t.channel_map.empty() ? c : t.channel_map[size_t(c)];
      for (int64_t i = 0; i < plane; ++i)
        out[size_t((n * channels + c) * plane + i)] =
            t.quant->scale * static_cast<float>(q.data[size_t((n * channels + stored) * plane + i)] -
                                                t.quant->zero_point);
    }
  return out;
}

}  // namespace

Int8TapCheck check_int8_taps(const TappedBuild &build, const Tensor &input,
                             const std::map<int, std::vector<float>> &tapped) {
  const Graph &g = build.compiled.graph;
  const Int8Run run = interpret_int8_all(g, input);
  Int8TapCheck check;
  for (const TapPoint &t : build.taps) {
    if (!t.quant) continue;
    const Int8Tensor &q = run.int8.at(g.nodes[t.node].output);
    const std::vector<float> expected = dequantized_source_layout(t, q);
    const std::vector<float> &got = tapped.at(t.index);
    ++check.checked;
    if (got.size() != expected.size() || std::memcmp(got.data(), expected.data(), got.size() * 4) != 0)
      check.differing.push_back(t.index);
  }
  return check;
}

}  // namespace shufflec
