#include "compiler/tensor_io.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "compiler/output_files.h"

namespace shufflec {
namespace {

float load_le_float(const unsigned char *b) {
  const uint32_t bits = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void store_le_float(std::string &out, float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
}

bool ends_with(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool read_input_file(const std::string &path, const char *what, int64_t max_bytes, std::string &bytes,
                     std::string &error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows symlinks
  if (!fs::exists(status)) {
    error = fmt::format("cannot open {} '{}': {}", what, path, ec ? ec.message() : "no such file");
    return false;
  }
  if (fs::is_directory(status)) {
    error = fmt::format("{} '{}' is a directory", what, path);
    return false;
  }
  if (!fs::is_regular_file(status)) {
    error = fmt::format("{} '{}' is not a regular file", what, path);
    return false;
  }
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    error = fmt::format("cannot read {} '{}': {}", what, path, ec.message());
    return false;
  }
  if (size > static_cast<uintmax_t>(max_bytes)) {
    error = fmt::format("{} '{}' is too long: {} bytes, expected {} or fewer", what, path, size, max_bytes);
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot open {} '{}': {}", what, path, std::strerror(errno));
    return false;
  }
  // Read at most one byte past the size seen: a file growing meanwhile cannot make us read without bound.
  bytes.resize(static_cast<size_t>(size) + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) {
    error = fmt::format("cannot read {} '{}'", what, path);
    return false;
  }
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (bytes.size() > size) {
    error = fmt::format("{} '{}' changed while it was read", what, path);
    return false;
  }
  return true;
}

namespace {

// A tensor holds at most kMaxElements floats, plus room for a .npy header (a few hundred bytes in practice).
constexpr int64_t kMaxTensorFileBytes = kMaxElements * 4 + 65536;

// The .npy file's shape (empty for a raw file) and where its data begins.
struct NpyLayout {
  bool is_npy = false;
  std::vector<int64_t> dims;
  std::string dims_text;  // as written in the header, for messages
  size_t data_begin = 0;
};

NpyLayout parse_npy_header(const std::string &path, const std::string &bytes) {
  NpyLayout layout;
  if (bytes.size() >= 10 && bytes.compare(0, 6, "\x93NUMPY") == 0) {
    layout.is_npy = true;
    const int major = static_cast<unsigned char>(bytes[6]);
    const size_t len_bytes = major == 1 ? 2 : 4;
    if (bytes.size() < 8 + len_bytes) throw UserError(path, "", "truncated .npy header");
    size_t header_len = 0;
    for (size_t i = 0; i < len_bytes; ++i) header_len |= size_t(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    layout.data_begin = 8 + len_bytes + header_len;
    if (bytes.size() < layout.data_begin) throw UserError(path, "", "truncated .npy header");
    const std::string header = bytes.substr(8 + len_bytes, header_len);
    if (header.find("'descr': '<f4'") == std::string::npos)
      throw UserError(path, "", "only little-endian float32 .npy files are supported (descr '<f4')");
    if (header.find("'fortran_order': False") == std::string::npos)
      throw UserError(path, "", "only C-order .npy files are supported");
    // The shape is a Python tuple of integers: "'shape': (1, 3, 224, 224)". Read it by hand (std::regex trips
    // gcc's -Wmaybe-uninitialized under the sanitizers).
    const size_t key = header.find("'shape': (");
    const size_t open = key == std::string::npos ? key : key + 10;
    const size_t close = open == std::string::npos ? open : header.find(')', open);
    if (close == std::string::npos) throw UserError(path, "", "cannot read the shape in the .npy header");
    layout.dims_text = header.substr(open, close - open);
    const std::string &dims = layout.dims_text;
    int64_t count = 1;
    for (size_t i = 0; i < dims.size();) {
      if (dims[i] == ',' || dims[i] == ' ') {
        ++i;
        continue;
      }
      if (dims[i] < '0' || dims[i] > '9') throw UserError(path, "", "cannot read the shape in the .npy header");
      int64_t d = 0;
      for (; i < dims.size() && dims[i] >= '0' && dims[i] <= '9'; ++i) {
        d = d * 10 + (dims[i] - '0');
        if (d > kMaxElements) throw UserError(path, "", "absurd .npy shape");
      }
      if (count > kMaxElements / std::max<int64_t>(d, 1)) throw UserError(path, "", "absurd .npy shape");
      count *= d;
      layout.dims.push_back(d);
    }
  }
  return layout;
}

Tensor load_floats(const std::string &path, const std::string &bytes, size_t data_begin, const Shape &shape) {
  const size_t need = static_cast<size_t>(shape.elements()) * 4;
  if (bytes.size() - data_begin != need)
    throw UserError(path, "", fmt::format("holds {} bytes of data, expected {} ({} float32 values for shape {})",
                                          bytes.size() - data_begin, need, shape.elements(), shape.str()));
  Tensor t{shape, std::vector<float>(static_cast<size_t>(shape.elements()))};
  for (size_t i = 0; i < t.data.size(); ++i)
    t.data[i] = load_le_float(reinterpret_cast<const unsigned char *>(bytes.data() + data_begin + 4 * i));
  return t;
}

}  // namespace

Tensor read_tensor(const std::string &path, const Shape &expected) {
  std::string bytes, error;
  if (!read_input_file(path, "tensor file", kMaxTensorFileBytes, bytes, error)) throw UserError(path, "", error);
  const NpyLayout layout = parse_npy_header(path, bytes);
  if (layout.is_npy) {
    const int64_t count = Shape{layout.dims}.elements();
    if (count != expected.elements())
      throw UserError(path, "", fmt::format(".npy shape ({}) holds {} values, the model input {} needs {}",
                                            layout.dims_text, count, expected.str(), expected.elements()));
  }
  return load_floats(path, bytes, layout.data_begin, expected);
}

Tensor read_npy(const std::string &path) {
  std::string bytes, error;
  if (!read_input_file(path, "tensor file", kMaxTensorFileBytes, bytes, error)) throw UserError(path, "", error);
  const NpyLayout layout = parse_npy_header(path, bytes);
  if (!layout.is_npy) throw UserError(path, "", "is not a .npy file (no \\x93NUMPY header)");
  return load_floats(path, bytes, layout.data_begin, Shape{layout.dims});
}

void write_tensor(const std::string &path, const Tensor &t) {
  std::string out;
  if (ends_with(path, ".npy")) {
    std::string shape;
    for (int64_t d : t.shape.dims) shape += std::to_string(d) + ", ";
    if (t.shape.rank() > 1) shape.resize(shape.size() - 1);  // "(1, 1000)" but "(1000,)"
    std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}", shape);
    header.append(64 - (10 + header.size() + 1) % 64, ' ');
    header += '\n';
    out = "\x93NUMPY\x01";
    out += '\0';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    out += header;
  }
  for (float f : t.data) store_le_float(out, f);
  OutputFiles files;
  files.add(path, std::move(out));
  files.commit();
}

Tensor random_tensor(const Shape &shape, uint64_t seed) {
  Tensor t{shape, std::vector<float>(static_cast<size_t>(shape.elements()))};
  uint64_t state = seed;
  for (float &v : t.data) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    v = static_cast<float>(static_cast<double>(z >> 11) * 0x1.0p-53 * 2.0 - 1.0);
  }
  return t;
}

}  // namespace shufflec
