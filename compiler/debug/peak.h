// The peak multiply-add rate of a target's vector dialect on this host, for `shufflec profile`'s "% of peak": a
// register-only loop of independent FMAs (no loads or stores), printed as C through the target's VectorDialect,
// built with the target's flags and timed once per profile run (docs/debugging.md).
#pragma once
#include <string>

#include "targets/target_desc.h"

namespace shufflec {

// The C program: prints "peak_gmacs=<best of several timed batches>" on stdout.
std::string peak_program_source(const TargetDesc &target);

// What the program measures, for the profile's footnote: "24 chains of 16-float FMAs" and the like.
std::string peak_program_description(const TargetDesc &target);

}  // namespace shufflec
