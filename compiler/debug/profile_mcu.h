// `shufflec profile` on the bare-metal Cortex-M target: per-layer guest instructions counted under
// `qemu-system-arm -icount shift=0`, where virtual time is a function of instructions executed (docs/debugging.md).
#pragma once
#include <ostream>

#include "compiler/debug/tap_runner.h"

namespace shufflec {

// One run with taps and one without on `input`; prints the table to `out`. Throws UserError.
void print_bare_metal_profile(TapRunner &runner, const Tensor &input, std::ostream &out);

}  // namespace shufflec
