// Shared by the int8 kernel families (int8_*.cpp): the parameters an int8 kernel bakes into its C.
#pragma once
#include "ir/graph.h"
#include "targets/codegen/c_writer.h"
#include "targets/int8_dialect.h"

namespace shufflec::kernels {

inline const QuantParams &int8_params(const Graph &g, ValueId v) {
  SHUFFLEC_ASSERT(g.value(v).is_int8());
  return *g.value(v).quant;
}

// Prints the copy of an H x W int8 plane at `from` into the scratch `xpad` laid out as l (int8_depthwise.cpp); the
// printed code uses a loop variable `i` declared by the caller.
void emit_padded_plane_copy(CWriter &w, const Int8DepthwiseLayout &l, const ConvDims &d, const Attrs &a,
                            const std::string &from);

}  // namespace shufflec::kernels
