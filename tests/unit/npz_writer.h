// Test helper: an .npz as numpy.savez writes it, for references handed to `shufflec diff`.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace shufflec::test {

// An .npz as numpy.savez writes it (stored members), without the central directory, which the reader ignores.
inline std::string npz_bytes(const std::vector<std::pair<std::string, Tensor>> &arrays) {
  auto le = [](std::string &out, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  std::string zip;
  for (const auto &[name, t] : arrays) {
    std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}{}), }}",
                                     fmt::join(t.shape.dims, ", "), t.shape.rank() == 1 ? "," : "");
    while ((10 + header.size() + 1) % 64) header += ' ';
    std::string npy = "\x93NUMPY\x01";
    npy += '\0';
    le(npy, header.size() + 1, 2);
    npy += header + "\n";
    npy.append(reinterpret_cast<const char *>(t.data.data()), t.data.size() * 4);
    const std::string member = name + ".npy";
    le(zip, 0x04034b50, 4);
    le(zip, 20, 2), le(zip, 0, 2), le(zip, 0, 2), le(zip, 0, 4), le(zip, 0, 4);  // version, flags, method, time, crc
    le(zip, npy.size(), 4), le(zip, npy.size(), 4), le(zip, member.size(), 2), le(zip, 0, 2);
    zip += member + npy;
  }
  return zip;
}

}  // namespace shufflec::test
