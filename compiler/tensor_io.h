// Reading and writing tensors for `shufflec run`: NumPy .npy (float32, C order) or raw little-endian .bin.
#pragma once
#include <string>

#include "ir/op.h"

namespace shufflec {

// Reads `path` as a tensor of `expected` shape. A .npy file's shape must match (or have the same element count);
// a raw file must hold exactly that many floats. Throws UserError.
Tensor read_tensor(const std::string &path, const Shape &expected);

// Writes .npy when the path ends in .npy, raw float32 otherwise. Atomic: a temp file renamed into place.
void write_tensor(const std::string &path, const Tensor &t);

// Deterministic pseudo-random tensor, uniform in [-1, 1) (splitmix64), for test inputs.
Tensor random_tensor(const Shape &shape, uint64_t seed);

}  // namespace shufflec
