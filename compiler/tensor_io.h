// Reading and writing tensors for `shufflec run`: NumPy .npy (float32, C order) or raw little-endian .bin. Also the
// one way shufflec reads an input file (model, weights, tensor).
#pragma once
#include <cstdint>
#include <string>

#include "ir/op.h"

namespace shufflec {

// Reads the whole of `path`, which must be a regular file (a FIFO or a device would block or never end) of at
// most `max_bytes`. On failure returns false and sets `error` to a message naming the path, e.g.
// "weights file 'w.bin' is not a regular file" for what = "weights file".
bool read_input_file(const std::string &path, const char *what, int64_t max_bytes, std::string &bytes,
                     std::string &error);

// Reads `path` as a tensor of `expected` shape. A .npy file's shape must match (or have the same element count);
// a raw file must hold exactly that many floats. Throws UserError.
Tensor read_tensor(const std::string &path, const Shape &expected);

// Reads a float32 .npy file with the shape its header states (calibration data: N samples of any shape).
Tensor read_npy(const std::string &path);

// Writes .npy when the path ends in .npy, raw float32 otherwise. Atomic: a temp file renamed into place.
void write_tensor(const std::string &path, const Tensor &t);

// Deterministic pseudo-random tensor, uniform in [-1, 1) (splitmix64), for test inputs.
Tensor random_tensor(const Shape &shape, uint64_t seed);

}  // namespace shufflec
