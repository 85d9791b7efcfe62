// Reading NumPy .npz archives (`shufflec diff --reference REF.npz`): a zip of .npy files, one array per name.
// numpy.savez stores its members uncompressed, which is what this reader takes; numpy.savez_compressed (deflate)
// is refused with a message saying to use savez (shufflec has no zlib).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ir/op.h"

namespace shufflec {

// The archive's arrays in file order, keyed by member name without ".npy". float32 and float64 (converted),
// little-endian, C order. Throws UserError naming the file (and the member) for anything else.
std::vector<std::pair<std::string, Tensor>> read_npz(const std::string &path);

// Parses one .npy file's bytes; `where` names it in errors. Throws UserError(file, "", ...).
Tensor parse_npy(const std::string &bytes, const std::string &file, const std::string &where);

}  // namespace shufflec
