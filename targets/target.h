// The targets shufflec compiles for, and --target parsing. Each target is described in targets/<name>/target.cpp.
#pragma once
#include <string>

#include "targets/target_desc.h"

namespace shufflec {

TargetDesc portable_c_target();
TargetDesc x86_64_target();
TargetDesc x86_64_avx512_target(bool vnni = false);  // vnni: +avx512vnni, int8 convs use vpdpbusd
TargetDesc aarch64_target(bool dotprod = false);  // dotprod: +dotprod, int8 convs use sdot
TargetDesc armv7_target();
TargetDesc cortex_m_target();

// Parses "c", "native", or an LLVM triple with optional features: "aarch64-linux-gnu",
// "aarch64-linux-gnu+dotprod", "armv7a-linux-gnueabihf+neon", "x86_64-linux-gnu+avx2,fma", "x86_64-linux-gnu+avx512f,avx512bw,avx512vl",
// "thumbv7em-none-eabihf" (bare-metal Cortex-M4F/M7). "native" is the host's best target (AVX-512 where the CPU has
// avx512f, avx512bw and avx512vl). Throws UserError for anything else.
TargetDesc parse_target(const std::string &spec);

}  // namespace shufflec
