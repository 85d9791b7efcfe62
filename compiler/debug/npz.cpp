#include "compiler/debug/npz.h"

#include <cstring>

#include "compiler/tensor_io.h"

namespace shufflec {
namespace {

uint64_t little_endian(const std::string &b, size_t at, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v |= uint64_t(static_cast<unsigned char>(b[at + i])) << (8 * i);
  return v;
}

// The value of `'key': ` in a .npy header dict, up to the next comma at depth 0 (or the closing brace).
std::string header_field(const std::string &header, const std::string &key) {
  const size_t at = header.find("'" + key + "':");
  if (at == std::string::npos) return "";
  size_t i = at + key.size() + 3, depth = 0;
  while (i < header.size() && header[i] == ' ') ++i;
  const size_t start = i;
  for (; i < header.size(); ++i) {
    const char c = header[i];
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if ((c == ',' || c == '}') && depth == 0) break;
  }
  return header.substr(start, i - start);
}

}  // namespace

Tensor parse_npy(const std::string &bytes, const std::string &file, const std::string &where) {
  auto fail = [&](const std::string &why) { return UserError(file, "", where + ": " + why); };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw fail("not a .npy array");
  const size_t len_bytes = static_cast<unsigned char>(bytes[6]) == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_bytes) throw fail("truncated .npy header");
  const size_t header_len = little_endian(bytes, 8, len_bytes), data_begin = 8 + len_bytes + header_len;
  if (bytes.size() < data_begin) throw fail("truncated .npy header");
  const std::string header = bytes.substr(8 + len_bytes, header_len);
  const std::string descr = header_field(header, "descr");
  if (descr != "'<f4'" && descr != "'<f8'")
    throw fail(fmt::format("dtype {} is not supported (float32 or float64, little-endian)", descr));
  if (header_field(header, "fortran_order") != "False") throw fail("only C-order arrays are supported");
  const std::string dims = header_field(header, "shape");
  if (dims.size() < 2 || dims.front() != '(' || dims.back() != ')') throw fail("cannot read the array's shape");
  Shape shape;
  int64_t count = 1;
  for (size_t i = 1; i + 1 < dims.size();) {
    if (dims[i] == ',' || dims[i] == ' ') {
      ++i;
      continue;
    }
    if (dims[i] < '0' || dims[i] > '9') throw fail("cannot read the array's shape");
    int64_t d = 0;
    for (; i + 1 < dims.size() && dims[i] >= '0' && dims[i] <= '9'; ++i) {
      d = d * 10 + (dims[i] - '0');
      if (d > kMaxElements) throw fail("absurd array shape");
    }
    if (count > kMaxElements / std::max<int64_t>(d, 1)) throw fail("absurd array shape");
    count *= d;
    shape.dims.push_back(d);
  }
  const size_t elem = descr == "'<f4'" ? 4 : 8;
  if (bytes.size() - data_begin != static_cast<size_t>(count) * elem)
    throw fail(fmt::format("holds {} bytes of data, shape {} needs {}", bytes.size() - data_begin, shape.str(),
                           count * static_cast<int64_t>(elem)));
  Tensor t{shape, std::vector<float>(static_cast<size_t>(count))};
  for (size_t i = 0; i < t.data.size(); ++i) {
    const uint64_t bits = little_endian(bytes, data_begin + i * elem, elem);
    if (elem == 4) {
      const auto b32 = static_cast<uint32_t>(bits);
      std::memcpy(&t.data[i], &b32, 4);
    } else {
      double d;
      std::memcpy(&d, &bits, 8);
      t.data[i] = static_cast<float>(d);
    }
  }
  return t;
}

std::vector<std::pair<std::string, Tensor>> read_npz(const std::string &path) {
  constexpr int64_t kMaxNpzBytes = int64_t{4} << 30;
  std::string bytes, error;
  if (!read_input_file(path, "reference file", kMaxNpzBytes, bytes, error)) throw UserError(path, "", error);
  // Walk the local file headers (PK\3\4) from the start; numpy.savez writes sizes in them (no data descriptors).
  std::vector<std::pair<std::string, Tensor>> arrays;
  size_t at = 0;
  while (at + 4 <= bytes.size() && little_endian(bytes, at, 4) == 0x04034b50) {
    if (at + 30 > bytes.size()) throw UserError(path, "", "not a valid .npz file (truncated zip entry)");
    const uint64_t flags = little_endian(bytes, at + 6, 2), method = little_endian(bytes, at + 8, 2);
    uint64_t size = little_endian(bytes, at + 18, 4);
    const size_t name_len = little_endian(bytes, at + 26, 2), extra_len = little_endian(bytes, at + 28, 2);
    if (at + 30 + name_len + extra_len > bytes.size())
      throw UserError(path, "", "not a valid .npz file (truncated zip entry)");
    std::string name = bytes.substr(at + 30, name_len);
    const size_t data = at + 30 + name_len + extra_len;
    if (size == 0xffffffffu) {  // zip64: the real size is in the extra field (id 1: uncompressed, compressed)
      for (size_t e = at + 30 + name_len; e + 4 <= data;) {
        const size_t id = little_endian(bytes, e, 2), len = little_endian(bytes, e + 2, 2);
        if (id == 1 && len >= 16 && e + 20 <= data) size = little_endian(bytes, e + 12, 8);
        e += 4 + len;
      }
    }
    if (method != 0)
      throw UserError(path, "", fmt::format("member '{}' is compressed (numpy.savez_compressed); write the reference "
                                            "with numpy.savez, which stores it uncompressed", name));
    if (flags & 8) throw UserError(path, "", fmt::format("member '{}': streamed zip entries are not supported", name));
    if (size > bytes.size() - data) throw UserError(path, "", fmt::format("member '{}' is truncated", name));
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    arrays.emplace_back(name, parse_npy(bytes.substr(data, size), path, fmt::format("array '{}'", name)));
    at = data + size;
  }
  if (arrays.empty()) throw UserError(path, "", "not a valid .npz file (no zip entries of .npy arrays)");
  return arrays;
}

}  // namespace shufflec
