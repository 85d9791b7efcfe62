#include "compiler/debug/profile_mcu.h"

#include <algorithm>
#include <cmath>

#include "compiler/debug/profile_layers.h"

namespace shufflec {

void print_bare_metal_profile(TapRunner &runner, const Tensor &input, std::ostream &out) {
  const TapRunner::Counts c = runner.count(input);
  // SysTick runs on the processor clock, which -icount shift=0 makes 1 GHz of guest instructions; the spin loop
  // measures the instructions per tick rather than trusting the board's clock setting.
  const double per_tick = double(c.spin_instructions) / double(c.spin_ticks);
  std::vector<std::vector<int64_t>> per_tap;
  for (int64_t ticks : c.per_tap_ticks) per_tap.push_back({ticks});
  const std::vector<LayerRow> rows = layer_rows(runner.build(), per_tap);
  auto instructions = [&](int64_t ticks) { return std::llround(double(ticks) * per_tick); };

  size_t width = 5;
  for (const LayerRow &r : rows) width = std::max(width, r.title().size());
  out << fmt::format("{:<{}}  {:<16} {:>13} {:>10} {:>9} {:>12}  {}\n", "layer", width, "op", "instructions",
                     "MMAC", "MAC/instr", "arena live B", "reports (source nodes)");
  int64_t total_ticks = 0, total_macs = 0, peak_live = 0;
  for (const LayerRow &r : rows) {
    const int64_t n = instructions(r.cost[0]);
    total_ticks += r.cost[0], total_macs += r.mult_adds, peak_live = std::max(peak_live, r.live_bytes);
    out << fmt::format("{:<{}}  {:<16} {:>13} {:>10.3f} {:>9.3f} {:>12}  {}\n", r.title(), width, r.op, n,
                       r.mult_adds / 1e6, n > 0 ? double(r.mult_adds) / double(n) : 0.0, r.live_bytes, r.sources);
  }
  const int64_t total = instructions(total_ticks), untapped = instructions(c.untapped_ticks);
  out << fmt::format("{:<{}}  {:<16} {:>13} {:>10.3f} {:>9.3f} {:>12}\n", "total", width, "", total,
                     total_macs / 1e6, total > 0 ? double(total_macs) / double(total) : 0.0, peak_live);
  out << fmt::format("untapped run: {} instructions (layers sum to {:+.1f}% of it); qemu-system-arm {} "
                     "(Cortex-M4F), -icount shift=0\n",
                     untapped, untapped > 0 ? 100.0 * double(total - untapped) / double(untapped) : 0.0,
                     kBareMetalMachine);
  out << fmt::format("clock: {:.2f} instructions per SysTick tick (a spin loop of {} instructions took {} ticks); "
                     "each count is good to a tick\n",
                     per_tick, c.spin_instructions, c.spin_ticks);
}

}  // namespace shufflec
