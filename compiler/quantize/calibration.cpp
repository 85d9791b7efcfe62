#include "compiler/quantize/calibration.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "compiler/tensor_io.h"
#include "ir/interpreter.h"

namespace shufflec {
namespace {

// The samples of one .npy file: [N*B, rest of the input shape] for a model input [B, ...].
void append_samples(const std::string &path, const Shape &input, std::vector<Tensor> &samples) {
  const Tensor t = read_npy(path);
  bool fits = t.shape.rank() == input.rank() && t.shape[0] > 0 && t.shape[0] % input[0] == 0;
  for (size_t d = 1; fits && d < input.rank(); ++d) fits = t.shape[d] == input[d];
  if (!fits)
    throw UserError(path, "", fmt::format("calibration data has shape {}, which is no stack of samples of the model "
                                          "input {} (expected N x {} samples on the first axis)",
                                          t.shape.str(), input.str(), input[0]));
  const size_t per_sample = static_cast<size_t>(input.elements());
  for (size_t i = 0; i < t.data.size(); ++i)
    if (!std::isfinite(t.data[i]))
      throw UserError(path, "", fmt::format("calibration data holds {} at element {} (sample {})",
                                            std::isnan(t.data[i]) ? "NaN" : "an infinity", i, i / per_sample));
  for (size_t at = 0; at < t.data.size(); at += per_sample)
    samples.push_back(
        Tensor{input, std::vector<float>(t.data.begin() + long(at), t.data.begin() + long(at + per_sample))});
}

constexpr int kBins = 2048;

// The clipping range [lo * t, hi * t] minimising the expected squared quantization error over the histogram.
ValueRange mse_range(const ValueRange &full, const std::vector<double> &histogram) {
  const double width = (full.hi - full.lo) / kBins;
  ValueRange best = full;
  double best_error = INFINITY;
  for (int step = 100; step >= 30; --step) {
    const double t = step / 100.0, lo = full.lo * t, hi = full.hi * t;
    const double scale = (hi - lo) / 255.0;
    double error = 0.0;
    for (int b = 0; b < kBins; ++b) {
      if (histogram[static_cast<size_t>(b)] == 0.0) continue;
      const double centre = full.lo + (b + 0.5) * width;
      const double clipped = centre < lo ? lo - centre : centre > hi ? centre - hi : 0.0;
      error += histogram[static_cast<size_t>(b)] * (clipped > 0.0 ? clipped * clipped : scale * scale / 12.0);
    }
    if (error < best_error) best_error = error, best = {lo, hi};
  }
  return best;
}

}  // namespace

std::vector<Tensor> load_calibration(const std::string &path, const Shape &input) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<Tensor> samples;
  if (!fs::is_directory(path, ec)) {
    append_samples(path, input, samples);
    return samples;
  }
  std::vector<std::string> files;
  for (const fs::directory_entry &e : fs::directory_iterator(path, ec))
    if (e.path().extension() == ".npy") files.push_back(e.path().string());
  if (ec) throw UserError(path, "", fmt::format("cannot read the calibration folder: {}", ec.message()));
  if (files.empty()) throw UserError(path, "", "the calibration folder holds no .npy files");
  std::sort(files.begin(), files.end());
  for (const std::string &f : files) append_samples(f, input, samples);
  return samples;
}

CalibrationMethod parse_calibration_method(const std::string &name) {
  if (name == "minmax") return CalibrationMethod::MinMax;
  if (name == "mse") return CalibrationMethod::Mse;
  throw UserError("", "", fmt::format("--calibration-method takes minmax or mse, got '{}'", name));
}

std::map<ValueId, ValueRange> calibrate(const Graph &g, const std::vector<Tensor> &samples, CalibrationMethod method) {
  SHUFFLEC_ASSERT(!samples.empty());
  std::map<ValueId, ValueRange> ranges;
  auto computed = [&](const std::map<ValueId, Tensor> &values, auto visit) {
    for (const auto &[v, t] : values)
      if (!g.is_constant(v)) visit(v, t);
  };
  // Pass 1: min and max (0 always inside: zero padding must be exact).
  for (const Tensor &sample : samples)
    computed(interpret_all(g, sample), [&](ValueId v, const Tensor &t) {
      ValueRange &r = ranges[v];
      for (float x : t.data) r.lo = std::min<double>(r.lo, x), r.hi = std::max<double>(r.hi, x);
    });
  if (method == CalibrationMethod::MinMax) return ranges;
  // Pass 2: a histogram of each tensor over its [min, max], then the range with the smallest error.
  std::map<ValueId, std::vector<double>> histograms;
  for (const Tensor &sample : samples)
    computed(interpret_all(g, sample), [&](ValueId v, const Tensor &t) {
      const ValueRange &r = ranges.at(v);
      std::vector<double> &h = histograms[v];
      h.resize(kBins, 0.0);
      if (r.hi <= r.lo) return;
      const double per_bin = kBins / (r.hi - r.lo);
      for (float x : t.data) h[static_cast<size_t>(std::clamp(int((x - r.lo) * per_bin), 0, kBins - 1))] += 1.0;
    });
  for (auto &[v, r] : ranges)
    if (r.hi > r.lo) r = mse_range(r, histograms.at(v));
  return ranges;
}

}  // namespace shufflec
