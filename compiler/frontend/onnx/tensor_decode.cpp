// TensorProto -> ConstTensor: raw little-endian data, the typed repeated fields, and external data files.
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ir/diagnostics.h"

namespace shufflec::onnx_import {

std::string Converter::read_external(const TensorProto &t, const std::string &what, int64_t bytes) const {
  std::string location;
  int64_t offset = 0, length = -1;
  auto parse_int = [&](const std::string &key, const std::string &v) {
    char *end = nullptr;
    errno = 0;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno != 0 || x < 0)
      fail(fmt::format("{}: external data '{}' must be a non-negative integer, got '{}'", what, key, clip_text(v)));
    return int64_t(x);
  };
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = parse_int(kv.key(), kv.value());
    else if (kv.key() == "length") length = parse_int(kv.key(), kv.value());
  }
  if (location.empty()) fail(fmt::format("{}: external data without a 'location'", what));
  const std::filesystem::path rel(location);
  if (rel.is_absolute() || std::any_of(rel.begin(), rel.end(), [](const auto &p) { return p == ".."; }))
    fail(fmt::format("{}: external data location '{}' must be a relative path inside the model's folder", what,
                     clip_text(location)));
  const std::string file = (std::filesystem::path(path_).parent_path() / rel).string();
  if (length >= 0 && length != bytes)
    fail(fmt::format("{}: external data length {} does not match the {} bytes its shape needs", what, length, bytes));
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) fail(fmt::format("{}: external data '{}' is a directory", what, file));
  std::ifstream f(file, std::ios::binary);
  if (!f) fail(fmt::format("{}: cannot open external data file '{}': {}", what, file, std::strerror(errno)));
  f.seekg(0, std::ios::end);
  const int64_t size = int64_t(f.tellg());
  if (size < 0 || offset > size || bytes > size - offset)
    fail(fmt::format("{}: external data file '{}' holds {} bytes, too few for {} bytes at offset {}", what, file,
                     size, bytes, offset));
  std::string data(size_t(bytes), '\0');
  f.seekg(offset);
  f.read(data.data(), bytes);
  if (!f) fail(fmt::format("{}: cannot read external data file '{}'", what, file));
  return data;
}

ConstPtr Converter::decode_tensor(const TensorProto &t, const std::string &what) const {
  auto out = std::make_shared<ConstTensor>();
  for (int64_t d : t.dims()) {
    if (d < 0) fail(fmt::format("{}: negative dimension {} in shape", what, d));
    out->dims.push_back(d);
  }
  const int64_t count = checked_count(out->dims, kMaxElements);
  if (count < 0)
    fail(fmt::format("{}: shape {} is absurdly large (more than 2^31 - 1 elements)", what, dims_str(out->dims)));
  if (t.has_segment()) fail(fmt::format("{}: segmented tensors are not supported", what));
  const int type = t.data_type();
  int elem = 0;  // bytes per element in raw_data
  switch (type) {
    case TensorProto::FLOAT: case TensorProto::INT32: case TensorProto::UINT32: elem = 4; break;
    case TensorProto::DOUBLE: case TensorProto::INT64: case TensorProto::UINT64: elem = 8; break;
    case TensorProto::INT16: case TensorProto::UINT16: elem = 2; break;
    case TensorProto::INT8: case TensorProto::UINT8: case TensorProto::BOOL: elem = 1; break;
    default:
      fail(fmt::format("{}: data type {} is not supported (shufflec reads float32, float64 and integer tensors)",
                       what, data_type_name(type)));
  }
  out->is_float = type == TensorProto::FLOAT || type == TensorProto::DOUBLE;
  // Sizes are checked before anything is allocated: a hostile shape must not cost gigabytes.
  auto allocate = [&]() {
    if (out->is_float) out->f.resize(size_t(count));
    else out->i.resize(size_t(count));
  };
  const int64_t bytes = count * elem;
  const bool external = t.data_location() == TensorProto::EXTERNAL;
  if (external || t.has_raw_data()) {
    if (!external && int64_t(t.raw_data().size()) != bytes)
      fail(fmt::format("{}: raw_data holds {} bytes, but shape {} of {} needs {}", what, t.raw_data().size(),
                       dims_str(out->dims), data_type_name(type), bytes));
    std::string ext;
    if (external) ext = read_external(t, what, bytes);
    const std::string &raw = external ? ext : t.raw_data();
    SHUFFLEC_ASSERT(int64_t(raw.size()) == bytes);
    allocate();
    const auto *p = reinterpret_cast<const unsigned char *>(raw.data());
    for (int64_t k = 0; k < count; ++k) {
      const unsigned char *b = p + k * elem;
      uint64_t u = 0;
      for (int j = elem; j-- > 0;) u = (u << 8) | b[j];  // little-endian, independent of the host
      switch (type) {
        case TensorProto::FLOAT: {
          const uint32_t bits = uint32_t(u);
          float v;
          std::memcpy(&v, &bits, 4);
          out->f[size_t(k)] = v;
          break;
        }
        case TensorProto::DOUBLE: {
          double v;
          std::memcpy(&v, &u, 8);
          out->f[size_t(k)] = float(v);
          break;
        }
        case TensorProto::INT32: out->i[size_t(k)] = int32_t(uint32_t(u)); break;
        case TensorProto::INT16: out->i[size_t(k)] = int16_t(uint16_t(u)); break;
        case TensorProto::INT8: out->i[size_t(k)] = int8_t(uint8_t(u)); break;
        case TensorProto::UINT64:
          if (u > uint64_t(INT64_MAX)) fail(fmt::format("{}: value {} does not fit int64", what, u));
          out->i[size_t(k)] = int64_t(u);
          break;
        default: out->i[size_t(k)] = int64_t(u); break;  // INT64 (two's complement), UINT32/16/8, BOOL
      }
    }
    return out;
  }
  auto mismatch = [&](const char *field, int64_t n) {
    fail(fmt::format("{}: {} holds {} values, but shape {} needs {}", what, field, n, dims_str(out->dims), count));
  };
  const int64_t have = type == TensorProto::FLOAT    ? t.float_data_size()
                       : type == TensorProto::DOUBLE ? t.double_data_size()
                       : type == TensorProto::INT64  ? t.int64_data_size()
                       : type == TensorProto::UINT32 || type == TensorProto::UINT64 ? t.uint64_data_size()
                                                                                    : t.int32_data_size();
  if (have != count) {
    const char *field = type == TensorProto::FLOAT    ? "float_data"
                        : type == TensorProto::DOUBLE ? "double_data"
                        : type == TensorProto::INT64  ? "int64_data"
                        : type == TensorProto::UINT32 || type == TensorProto::UINT64 ? "uint64_data"
                                                                                     : "int32_data";
    mismatch(field, have);
  }
  allocate();
  switch (type) {
    case TensorProto::FLOAT:
      std::copy(t.float_data().begin(), t.float_data().end(), out->f.begin());
      break;
    case TensorProto::DOUBLE:
      for (int64_t k = 0; k < count; ++k) out->f[size_t(k)] = float(t.double_data(int(k)));
      break;
    case TensorProto::INT64:
      std::copy(t.int64_data().begin(), t.int64_data().end(), out->i.begin());
      break;
    case TensorProto::UINT32: case TensorProto::UINT64:
      for (int64_t k = 0; k < count; ++k) {
        if (t.uint64_data(int(k)) > uint64_t(INT64_MAX)) fail(fmt::format("{}: value does not fit int64", what));
        out->i[size_t(k)] = int64_t(t.uint64_data(int(k)));
      }
      break;
    default:  // INT32, INT16, INT8, UINT16, UINT8, BOOL live in int32_data
      std::copy(t.int32_data().begin(), t.int32_data().end(), out->i.begin());
      break;
  }
  return out;
}

}  // namespace shufflec::onnx_import
