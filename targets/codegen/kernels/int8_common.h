// Shared by the int8 kernel families (int8_*.cpp): the parameters an int8 kernel bakes into its C.
#pragma once
#include "ir/graph.h"

namespace shufflec::kernels {

inline const QuantParams &int8_params(const Graph &g, ValueId v) {
  SHUFFLEC_ASSERT(g.value(v).is_int8());
  return *g.value(v).quant;
}

}  // namespace shufflec::kernels
