#include "compiler/debug/profile.h"

#include <algorithm>
#include <cstdlib>

#include "compiler/debug/peak.h"
#include "compiler/debug/profile_layers.h"
#include "compiler/debug/profile_mcu.h"
#include "compiler/debug/tap_runner.h"
#include "compiler/tensor_io.h"
#include "ir/op.h"

namespace shufflec {
namespace {

int64_t median(std::vector<int64_t> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The target's peak GMAC/s on this host, measured by a register-only FMA loop built like the model.
double measure_peak_gmacs(TapRunner &runner, const TargetDesc &target) {
  const std::string out = runner.run_program("peak", peak_program_source(target));
  const size_t at = out.find("peak_gmacs=");
  SHUFFLEC_ASSERT(at != std::string::npos);
  return std::strtod(out.c_str() + at + 11, nullptr);
}

double percent_of(double gmacs, double peak) { return peak > 0.0 ? 100.0 * gmacs / peak : 0.0; }

}  // namespace

void run_profile(const Graph &g, const ProfileOptions &options, std::ostream &out) {
  if (options.target.name == "aarch64" || options.target.name == "armv7")
    throw UserError("", "", fmt::format("profile times runs on this host only; target {} would run under qemu, "
                                        "whose times mean nothing (use `shufflec diff` there)", options.target.name));
  TapRunner runner(g, options.target, options.pipeline);
  if (runner.bare_metal()) {
    print_bare_metal_profile(runner, random_tensor(g.shape(g.input), 1), out);
    return;
  }
  const TapRunner::Timings t = runner.time(random_tensor(g.shape(g.input), 1), options.runs);
  const double peak = measure_peak_gmacs(runner, options.target);

  const std::vector<LayerRow> rows = layer_rows(runner.build(), t.per_tap);

  size_t width = 5;
  for (const LayerRow &r : rows) width = std::max(width, r.title().size());
  out << fmt::format("{:<{}}  {:<16} {:>10} {:>10} {:>8} {:>7} {:>12}  {}\n", "layer", width, "op", "median us",
                     "MMAC", "GMAC/s", "% peak", "arena live B", "reports (source nodes)");
  int64_t total_ns = 0, total_macs = 0, peak_live = 0;
  for (const LayerRow &r : rows) {
    const int64_t ns = median(r.cost);
    total_ns += ns, total_macs += r.mult_adds, peak_live = std::max(peak_live, r.live_bytes);
    const double gmacs = ns > 0 ? double(r.mult_adds) / ns : 0.0;
    out << fmt::format("{:<{}}  {:<16} {:>10.1f} {:>10.3f} {:>8.2f} {:>7.1f} {:>12}  {}\n", r.title(), width, r.op,
                       ns / 1e3, r.mult_adds / 1e6, gmacs, percent_of(gmacs, peak), r.live_bytes, r.sources);
  }
  const int64_t untapped = median(t.untapped);
  // The fastest runs, whole: on a busy machine the least disturbed estimate of what taps cost.
  std::vector<int64_t> tapped_runs(static_cast<size_t>(options.runs), 0);
  for (const std::vector<int64_t> &per_run : t.per_tap)
    for (size_t r = 0; r < per_run.size(); ++r) tapped_runs[r] += per_run[r];
  const int64_t fastest_tapped = *std::min_element(tapped_runs.begin(), tapped_runs.end());
  const int64_t fastest_untapped = *std::min_element(t.untapped.begin(), t.untapped.end());
  const double total_gmacs = total_ns > 0 ? double(total_macs) / total_ns : 0.0;
  out << fmt::format("{:<{}}  {:<16} {:>10.1f} {:>10.3f} {:>8.2f} {:>7.1f} {:>12}\n", "total", width, "",
                     total_ns / 1e3, total_macs / 1e6, total_gmacs, percent_of(total_gmacs, peak), peak_live);
  out << fmt::format("untapped run: median {:.1f} us over {} runs (layers sum to {:+.1f}% of it); target {} on "
                     "this host\n",
                     untapped / 1e3, options.runs, untapped > 0 ? 100.0 * (total_ns - untapped) / untapped : 0.0,
                     options.target.name);
  out << fmt::format("peak: {:.1f} GMAC/s, measured this run on this host by {} (target {}, flags {})\n", peak,
                     peak_program_description(options.target), options.target.name,
                     options.target.cflags.empty() ? "none" : fmt::format("{}", fmt::join(options.target.cflags, " ")));
  out << fmt::format("fastest run: {:.1f} us with taps, {:.1f} us without ({:+.1f}%)\n", fastest_tapped / 1e3,
                     fastest_untapped / 1e3,
                     fastest_untapped > 0 ? 100.0 * (fastest_tapped - fastest_untapped) / fastest_untapped : 0.0);
}

}  // namespace shufflec
