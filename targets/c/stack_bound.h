// An upper bound of the stack one generated C function needs, read from the function's own text: the header's
// <PREFIX>_STACK_BYTES is the run function's bound plus the largest layer function's (layers call nothing deeper).
// It reads the printed C, not the IR, so it follows the kernels wherever they are printed.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "targets/target_desc.h"

namespace shufflec {

// Bytes of stack `function_text` (one complete C function definition as shufflec prints it) can use, counting:
// - every automatic object it declares (parameters, locals, for-loop variables, arrays) in a slot of its own, as
//   an unoptimised build allocates them, each rounded up to 16 bytes (or the vector size);
// - on SIMD targets, per call of an intrinsic of the target's vector dialect, room for its operands and result,
//   which unoptimised builds copy into the caller's frame when they inline the intrinsic;
// - for a call to a function outside `module_functions` (a libm leaf such as expf), that callee's frame (the module's
//   own functions are the caller's to add);
// - the frame's fixed cost: return address, saved registers, realignment.
// Static objects cost nothing. An object whose size is not a constant (a VLA) or whose type is unknown is a bug in
// a kernel printer (SHUFFLEC_ASSERT): the bound would not hold.
int64_t c_function_stack_bound(std::string_view function_text, const TargetDesc &target,
                               const std::set<std::string> &module_functions = {});

}  // namespace shufflec
