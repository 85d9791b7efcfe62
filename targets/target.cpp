#include "targets/target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/ADT/Triple.h>
#include <llvm/Support/Host.h>

#include <set>

#include "ir/diagnostics.h"

namespace shufflec {
namespace {

std::set<std::string> split_features(const std::string &list) {
  std::set<std::string> out;
  size_t start = 0;
  while (start < list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) out.insert(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

constexpr const char *kAvx512Features = "avx512f,avx512bw,avx512vl";

// x86-64 has two ISA levels: AVX-512 (F, BW and VL, all three or none; with VNNI, +avx512vnni, int8 convs use
// vpdpbusd) and AVX2 + FMA.
TargetDesc x86_64_from_features(const std::set<std::string> &features, const std::string &spec) {
  const int avx512 = int(features.count("avx512f") + features.count("avx512bw") + features.count("avx512vl"));
  if (avx512 == 3) return x86_64_avx512_target(features.count("avx512vnni") > 0);
  if (avx512 > 0)
    throw UserError("", "", fmt::format("target '{}': the AVX-512 target needs all of the features {} (e.g. "
                                        "x86_64-linux-gnu+{})", spec, kAvx512Features, kAvx512Features));
  if (!features.count("avx2") || !features.count("fma"))
    throw UserError("", "", fmt::format("target '{}': x86-64 needs the features avx2,fma (e.g. "
                                        "x86_64-linux-gnu+avx2,fma) or {}; use --target c for older CPUs", spec,
                                        kAvx512Features));
  return x86_64_target();
}

TargetDesc from_triple(const llvm::Triple &triple, const std::set<std::string> &features, const std::string &spec) {
  TargetDesc t;
  switch (triple.getArch()) {
    case llvm::Triple::x86_64: t = x86_64_from_features(features, spec); break;
    case llvm::Triple::aarch64: t = aarch64_target(features.count("dotprod") > 0); break;
    case llvm::Triple::thumb:
      if (triple.getSubArch() == llvm::Triple::ARMSubArch_v7em) {
        if (triple.getEnvironment() != llvm::Triple::EABIHF)
          throw UserError("", "", fmt::format("target '{}': Cortex-M targets need the hard-float ABI "
                                              "(thumbv7em-none-eabihf); M0/M0+ without an FPU are not supported yet",
                                              spec));
        t = cortex_m_target();
        break;
      }
      [[fallthrough]];
    case llvm::Triple::arm:
      if (triple.getSubArch() != llvm::Triple::ARMSubArch_v7 && triple.getArchName() != "arm")
        throw UserError("", "", fmt::format("target '{}': only ARMv7-A with NEON is supported on 32-bit ARM", spec));
      t = armv7_target();
      break;
    default:
      throw UserError("", "", fmt::format("unknown target '{}' (targets: c, native, x86_64-linux-gnu+avx2,fma, "
                                          "x86_64-linux-gnu+{}, aarch64-linux-gnu[+dotprod], armv7a-linux-gnueabihf+neon, "
                                          "thumbv7em-none-eabihf)",
                                          spec, kAvx512Features));
  }
  t.triple = triple.str();
  return t;
}

}  // namespace

TargetDesc parse_target(const std::string &spec) {
  if (spec == "c" || spec.empty()) return portable_c_target();
  if (spec == "native") {
    llvm::StringMap<bool> host;
    std::set<std::string> features;
    if (llvm::sys::getHostCPUFeatures(host))
      for (const auto &f : host)
        if (f.getValue()) features.insert(f.getKey().str());
    const llvm::Triple triple(llvm::sys::getProcessTriple());
    if (triple.getArch() == llvm::Triple::x86_64) {
      // The best ISA level the host has all of (LLVM also checks that the OS saves the AVX-512 registers).
      if (!(features.count("avx512f") && features.count("avx512bw") && features.count("avx512vl")))
        for (const char *f : {"avx512f", "avx512bw", "avx512vl"}) features.erase(f);
      if (!features.count("avx512f") && !(features.count("avx2") && features.count("fma"))) return portable_c_target();
    }
    return from_triple(triple, features, spec + " (" + triple.str() + ")");
  }
  const size_t plus = spec.find('+');
  const llvm::Triple triple(llvm::Triple::normalize(spec.substr(0, plus)));
  if (triple.getArch() == llvm::Triple::UnknownArch)
    throw UserError("", "", fmt::format("target '{}' is not an LLVM triple (e.g. aarch64-linux-gnu)", spec));
  return from_triple(triple, plus == std::string::npos ? std::set<std::string>{} : split_features(spec.substr(plus + 1)),
                     spec);
}

}  // namespace shufflec
