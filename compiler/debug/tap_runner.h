// Builds a model with debug taps for a target and runs it once per request: the shared half of `shufflec diff`
// and `shufflec profile`. The generated C and runtime/tap_harness.c are compiled with the host C compiler (cc), or
// for aarch64 / armv7 with Debian's cross gcc and run under qemu-user, in a temporary directory removed afterwards.
// For the bare-metal Cortex-M target: runtime/tap_harness_mcu.c with tests/baremetal's startup.c and mps2.ld,
// arm-none-eabi-gcc and newlib's semihosting library, run by qemu-system-arm on kBareMetalMachine.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "compiler/compile.h"
#include "targets/c/taps.h"

namespace shufflec {

struct TappedBuild {
  CompiledModel compiled;     // the optimised graph and its memory plan
  std::vector<TapPoint> taps;
};

// QEMU's MPS2 board with a Cortex-M4F.
inline constexpr const char *kBareMetalMachine = "mps2-an386";

class TapRunner {
 public:
  // Compiles `g` with taps for `target` and builds the harness. Throws UserError (e.g. no cross compiler).
  TapRunner(Graph g, const TargetDesc &target, const PipelineOptions &pipeline);
  ~TapRunner();
  TapRunner(const TapRunner &) = delete;
  TapRunner &operator=(const TapRunner &) = delete;

  const TappedBuild &build() const { return build_; }
  // One run on `input`: each tap's tensor, by tap index.
  std::map<int, std::vector<float>> dump(const Tensor &input);
  // `runs` timed runs: per tap, the nanoseconds since the previous tap in each run; and the untapped runs' times.
  struct Timings {
    std::vector<std::vector<int64_t>> per_tap;  // [tap][run]
    std::vector<int64_t> untapped;              // [run]
  };
  Timings time(const Tensor &input, int runs);
  // Bare metal only: one run with taps and one without under `qemu-system-arm -icount shift=0`, in SysTick ticks,
  // and the spin loop that says how many instructions a tick is.
  struct Counts {
    std::vector<int64_t> per_tap_ticks;  // [tap]: since the previous tap (or the run's start)
    int64_t untapped_ticks = 0;
    int64_t spin_instructions = 0, spin_ticks = 0;
  };
  Counts count(const Tensor &input);
  bool bare_metal() const { return bare_metal_; }
  // Builds another C program with the same compiler and the target's flags (e.g. profile's peak FMA loop) in the
  // same temporary directory, runs it on the host, and returns its stdout.
  std::string run_program(const std::string &name, const std::string &c_source);

 private:
  void run_harness(const std::vector<std::string> &args);
  bool bare_metal_ = false;
  TappedBuild build_;
  std::string dir_, runner_;  // runner_: qemu for a cross target, empty on the host
  std::string cc_;
  std::vector<std::string> cflags_;  // the target's and the toolchain's
};

}  // namespace shufflec
