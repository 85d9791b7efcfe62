#include "ir/diagnostics.h"
#include "targets/target_desc.h"

namespace shufflec {

std::string VectorDialect::load2(std::string_view) const { internal_error("load2 on a dialect without it", __FILE__, __LINE__); }
std::string VectorDialect::load2_order(std::string_view v) const { return std::string(v); }

}  // namespace shufflec
