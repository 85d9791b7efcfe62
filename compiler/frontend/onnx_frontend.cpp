// The ONNX frontend (docs/onnx.md). The model is parsed with the real protobuf/ONNX library, then converted node by
// node in topological order. Each ONNX tensor becomes a symbolic value (`Sym`): either a constant known at load time
// (initializers, Constant nodes and the shape computations folded from them) or a run-time tensor backed by an IR
// value, possibly seen through a pending view (a reshape that moves no data, the transposed 5-D middle of the
// channel-shuffle pattern, or zero padding waiting for the Conv/AveragePool that absorbs it). Views are resolved
// when a consumer needs a real tensor; anything that cannot be expressed in the IR is a one-line UserError naming the
// ONNX node and its op type.
#include "compiler/frontend/onnx_frontend.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <set>

#include <google/protobuf/stubs/logging.h>
#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

#include "ir/op.h"
#include "ir/ops/common.h"
#include "ir/verify.h"

namespace shufflec {
namespace {

using onnx::AttributeProto;
using onnx::NodeProto;
using onnx::TensorProto;

constexpr int64_t kMinOpset = 11, kMaxOpset = 18;
// Folded (load-time) tensors larger than this are refused: shape computations are tiny, and a hostile
// ConstantOfShape must not allocate gigabytes.
constexpr int64_t kMaxFoldElements = int64_t{1} << 26;

// Names from the file, shortened for messages (a hostile file may hold a megabyte-long name).
std::string clip_text(const std::string &s, size_t max = 160) {
  return s.size() <= max ? s : s.substr(0, max) + "...";
}

// ONNX strings are UTF-8, but protobuf does not check it for ONNX's proto2 schema. A name that is not cannot be
// written to JSON (`shufflec convert`) and would print as garbage, so the model is refused.
bool valid_utf8(const std::string &s) {
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};  // shorter forms are overlong
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t len = lead < 0x80 ? 1
                       : (lead & 0xe0) == 0xc0 ? 2
                       : (lead & 0xf0) == 0xe0 ? 3
                       : (lead & 0xf8) == 0xf0 ? 4
                                               : 0;
    if (len == 0 || i + len > s.size()) return false;
    if (len == 1) {
      ++i;
      continue;
    }
    uint32_t cp = lead & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3f);
    }
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

// A name that is not valid UTF-8, for the error message: bytes from 0x80 up as \xNN.
std::string escape_high_bytes(const std::string &s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x80 ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  return out;
}

std::string label(const NodeProto &n) {
  if (!n.name().empty()) return clip_text(n.name());
  if (n.output_size() > 0 && !n.output(0).empty()) return clip_text(n.output(0));
  return "(unnamed)";
}

std::string dims_str(const std::vector<int64_t> &d) { return clip_text(fmt::format("[{}]", fmt::join(d, ", ")), 300); }

// Element count with overflow checks; -1 when the product exceeds `limit`.
int64_t checked_count(const std::vector<int64_t> &dims, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return -1;
    if (d == 0) return 0;
    if (n > limit / d) return -1;
    n *= d;
  }
  return n;
}

std::string data_type_name(int t) {
  if (TensorProto::DataType_IsValid(t)) return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(t));
  return fmt::format("type {}", t);
}

// A tensor known at load time. Float tensors keep float32 values; integer and boolean tensors keep int64.
struct ConstTensor {
  std::vector<int64_t> dims;
  bool is_float = true;
  std::vector<float> f;
  std::vector<int64_t> i;

  int64_t count() const { return is_float ? int64_t(f.size()) : int64_t(i.size()); }
  double at(int64_t k) const { return is_float ? double(f[size_t(k)]) : double(i[size_t(k)]); }
  int64_t int_at(int64_t k) const { return is_float ? int64_t(f[size_t(k)]) : i[size_t(k)]; }
};
using ConstPtr = std::shared_ptr<const ConstTensor>;

enum class Layout {
  Plain,     // the IR value's bytes, viewed with `dims` (a reshape that moves no data when dims differ)
  Shuffled,  // dims = [N, b, a, rest...]: Transpose(1, 2) of the IR value [N, C, H, W] reshaped to [N, a, b, rest...]
  Padded,    // dims = [N, C, H + top + bottom, W + left + right]: zero padding of the IR value, not yet absorbed
};

struct Sym {
  ConstPtr c;  // set: a load-time constant
  ValueId base = kNoValue;
  std::vector<int64_t> dims;
  Layout layout = Layout::Plain;
  int64_t groups = 0;                 // Shuffled: a
  std::array<int64_t, 4> pads{};      // Padded: {top, left, bottom, right}
  std::string origin;                 // the node that made a pending view ("node 'X' (Reshape)"), for messages
  bool is_const() const { return c != nullptr; }
};

// Strides of a row-major shape.
std::vector<int64_t> strides_of(const std::vector<int64_t> &dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t k = dims.size(); k-- > 1;) s[k - 1] = s[k] * dims[k];
  return s;
}

class Converter {
 public:
  Converter(std::string path, const OnnxOptions &options) : path_(std::move(path)), options_(options) {}
  Graph run();

 private:
  // ---- errors -----------------------------------------------------------------------------------------------
  [[noreturn]] void fail(const std::string &msg) const { throw UserError(path_, "", msg); }
  [[noreturn]] void fail(const NodeProto &n, const std::string &msg) const {
    throw UserError(path_, "", fmt::format("node '{}' ({}): {}", label(n), clip_text(n.op_type(), 64), msg));
  }
  [[noreturn]] void unsupported(const NodeProto &n, const std::string &what) const { fail(n, "unsupported " + what); }

  // ---- reading ----------------------------------------------------------------------------------------------
  void read_model();
  ConstPtr decode_tensor(const TensorProto &t, const std::string &what) const;
  std::string read_external(const TensorProto &t, const std::string &what, int64_t bytes) const;
  void check_structure();
  void prescan();
  void setup_input();

  // ---- attributes -------------------------------------------------------------------------------------------
  const AttributeProto *attr(const NodeProto &n, const char *name) const;
  int64_t attr_int(const NodeProto &n, const char *name, int64_t def) const;
  float attr_float(const NodeProto &n, const char *name, float def) const;
  std::string attr_string(const NodeProto &n, const char *name, const std::string &def) const;
  std::optional<std::vector<int64_t>> attr_ints(const NodeProto &n, const char *name) const;
  std::array<int64_t, 2> attr_pair(const NodeProto &n, const char *name, int64_t def) const;

  // ---- symbols ----------------------------------------------------------------------------------------------
  bool has_input(const NodeProto &n, int k) const { return k < n.input_size() && !n.input(k).empty(); }
  const Sym &in(const NodeProto &n, int k) const;
  ConstPtr const_in(const NodeProto &n, int k, const char *role) const;
  ConstPtr const_in_opt(const NodeProto &n, int k, const char *role) const {
    return has_input(n, k) ? const_in(n, k, role) : nullptr;
  }
  std::vector<int64_t> ints_in(const NodeProto &n, int k, const char *role) const;
  void set_const(const NodeProto &n, int k, ConstTensor t);
  void set_sym(const NodeProto &n, int k, Sym s);
  void set_value(const NodeProto &n, int k, ValueId v) {
    Sym s;
    s.base = v;
    s.dims = g_.shape(v).dims;
    set_sym(n, k, std::move(s));
  }
  void require_unused(const NodeProto &n, int from_output) const;
  std::vector<int64_t> sym_dims(const Sym &s) const { return s.is_const() ? s.c->dims : s.dims; }

  // ---- IR building ------------------------------------------------------------------------------------------
  std::string unique_name(const std::string &want);
  ValueId emit(const NodeProto &n, OpKind op, std::vector<ValueId> inputs, Attrs attrs, const std::string &name);
  ValueId emit(const NodeProto &n, OpKind op, std::vector<ValueId> inputs, Attrs attrs = {}) {
    return emit(n, op, std::move(inputs), std::move(attrs), label(n));
  }
  ValueId ir_const(const NodeProto &n, const ConstPtr &c, const std::string &name);
  ValueId ir_const(const NodeProto &n, ConstTensor t, const std::string &name) {
    return ir_const(n, std::make_shared<const ConstTensor>(std::move(t)), name);
  }
  ValueId materialize(const NodeProto &n, const Sym &s);
  ValueId materialize(const NodeProto &n, int k) { return materialize(n, in(n, k)); }
  ValueId select_channels(const NodeProto &n, ValueId x, int64_t parts, int64_t part, const std::string &name);
  void resolve_relu6();

  // ---- ops --------------------------------------------------------------------------------------------------
  void convert(const NodeProto &n);
  void op_conv(const NodeProto &n);
  void op_batch_norm(const NodeProto &n);
  void op_relu(const NodeProto &n);
  void op_clip(const NodeProto &n);
  void op_binary(const NodeProto &n);
  void op_add_runtime(const NodeProto &n);
  void op_concat(const NodeProto &n);
  void op_pool(const NodeProto &n);
  void op_global_avg_pool(const NodeProto &n);
  void op_reduce_mean(const NodeProto &n);
  void op_gemm(const NodeProto &n);
  void op_matmul(const NodeProto &n);
  void op_flatten(const NodeProto &n);
  void op_reshape(const NodeProto &n);
  void op_transpose(const NodeProto &n);
  void op_softmax(const NodeProto &n);
  void op_identity(const NodeProto &n);
  void op_dropout(const NodeProto &n);
  void op_constant(const NodeProto &n);
  void op_constant_of_shape(const NodeProto &n);
  void op_shape(const NodeProto &n);
  void op_gather(const NodeProto &n);
  void op_unsqueeze(const NodeProto &n);
  void op_squeeze(const NodeProto &n);
  void op_cast(const NodeProto &n);
  void op_slice(const NodeProto &n);
  void op_split(const NodeProto &n);
  void op_pad(const NodeProto &n);
  void reshape_to(const NodeProto &n, const Sym &x, std::vector<int64_t> dims);
  void check_window(const NodeProto &n, const Attrs &a, const std::array<int64_t, 4> &pads) const;

  struct OpEntry {
    void (Converter::*fn)(const NodeProto &);
    std::vector<std::string_view> attrs;
  };
  static const std::map<std::string, OpEntry> &op_table();

  struct Relu6Pending {
    std::string node;   // the IR placeholder node's name
    std::string where;  // "node 'X' (Clip)"
  };

  std::string path_;
  const OnnxOptions &options_;
  onnx::ModelProto model_;
  int64_t opset_ = 0;
  Graph g_;
  std::set<std::string> names_;                              // every IR value name taken
  std::map<std::string, const TensorProto *> initializers_;  // by name
  std::map<std::string, int> producer_;                      // tensor -> index of the node writing it
  std::map<std::string, int64_t> consumers_;                 // tensor -> reads by live nodes (+1 if graph output)
  std::vector<int> order_;                                   // live nodes, topologically sorted
  std::set<std::string> static_;                             // tensors known at load time
  std::map<std::string, Sym> syms_;
  std::map<ValueId, int64_t> base_refs_;  // reads of all tensors viewing an IR value
  std::map<const ConstTensor *, ValueId> ir_consts_;
  std::vector<ConstPtr> keep_alive_;  // keeps the keys of ir_consts_ from being reused
  std::map<std::pair<ValueId, std::vector<int64_t>>, ValueId> flattened_;
  std::vector<Relu6Pending> relu6_;
  std::string input_name_, output_name_;
};

// ------------------------------------------------------------------------------------------------------------------
// Reading the file.

void Converter::read_model() {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) fail("is a directory, not an ONNX model");
  std::ifstream f(path_, std::ios::binary);
  if (!f) fail(fmt::format("cannot open: {}", std::strerror(errno)));
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) fail("cannot read the file");
  if (bytes.empty()) fail("not an ONNX model: the file is empty");
  if (bytes.size() > size_t(std::numeric_limits<int>::max()))
    fail("the model is larger than 2 GiB (protobuf's limit; keep the weights in external data files)");
  // Protobuf would log parse problems to stderr; errors here are one line, ours.
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char *, int, const std::string &) {});
  if (!model_.ParseFromArray(bytes.data(), int(bytes.size())))
    fail("not a valid ONNX model: protobuf parsing failed (the file is truncated, corrupt or not ONNX)");
  if (!model_.has_graph() || model_.graph().node_size() == 0)
    fail("not a valid ONNX model: it has no graph nodes (truncated file, or not ONNX)");
  for (const auto &op : model_.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") opset_ = op.version();
  if (opset_ == 0) fail("the model imports no default-domain (ai.onnx) opset");
  if (opset_ < kMinOpset || opset_ > kMaxOpset)
    fail(fmt::format("opset {} is not supported (shufflec reads ONNX opsets {} to {})", opset_, kMinOpset,
                     kMaxOpset));
  for (const TensorProto &t : model_.graph().initializer()) {
    if (t.name().empty()) fail("an initializer has an empty name");
    if (!initializers_.emplace(t.name(), &t).second)
      fail(fmt::format("initializer '{}' is defined twice", clip_text(t.name())));
  }
  if (model_.graph().sparse_initializer_size() > 0) fail("sparse initializers are not supported");
}

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

// Producers, liveness from the graph output, missing tensors, cycles; fills producer_, consumers_ and order_.
void Converter::check_structure() {
  const auto &graph = model_.graph();
  if (graph.output_size() != 1)
    fail(fmt::format("the model has {} outputs; shufflec compiles models with exactly one output",
                     graph.output_size()));
  output_name_ = graph.output(0).name();
  if (output_name_.empty()) fail("the graph output has an empty name");
  std::set<std::string> graph_inputs;
  for (const auto &vi : graph.input()) graph_inputs.insert(vi.name());
  auto check_utf8 = [&](const std::string &name, const char *what) {
    if (!valid_utf8(name)) fail(fmt::format("{} '{}' is not valid UTF-8", what, escape_high_bytes(clip_text(name))));
  };
  for (const std::string &name : graph_inputs) check_utf8(name, "graph input");
  for (int k = 0; k < graph.node_size(); ++k) {
    const NodeProto &n = graph.node(k);
    check_utf8(n.name(), "node name");
    for (const std::string &t : n.input()) check_utf8(t, "tensor name");
    for (const std::string &t : n.output()) check_utf8(t, "tensor name");
    for (const std::string &o : n.output()) {
      if (o.empty()) continue;
      if (initializers_.count(o) || graph_inputs.count(o))
        fail(n, fmt::format("output '{}' is also a graph input or initializer", clip_text(o)));
      if (!producer_.emplace(o, k).second)
        fail(n, fmt::format("tensor '{}' is written by two nodes", clip_text(o)));
    }
  }
  // Liveness: the nodes the output depends on. Dead nodes are ignored entirely.
  std::vector<bool> live(size_t(graph.node_size()), false);
  std::vector<std::string> stack{output_name_};
  std::set<std::string> seen{output_name_};
  while (!stack.empty()) {
    const std::string t = stack.back();
    stack.pop_back();
    auto p = producer_.find(t);
    if (p == producer_.end()) continue;
    live[size_t(p->second)] = true;
    for (const std::string &i : graph.node(p->second).input())
      if (!i.empty() && seen.insert(i).second) stack.push_back(i);
  }
  if (!producer_.count(output_name_)) {
    if (graph_inputs.count(output_name_) || initializers_.count(output_name_))
      fail(fmt::format("the graph output '{}' is not computed by any node", clip_text(output_name_)));
    fail(fmt::format("the graph output '{}' is not defined (no node writes it)", clip_text(output_name_)));
  }
  for (int k = 0; k < graph.node_size(); ++k) {
    if (!live[size_t(k)]) continue;
    const NodeProto &n = graph.node(k);
    for (const std::string &i : n.input())
      if (!i.empty() && !producer_.count(i) && !initializers_.count(i) && !graph_inputs.count(i))
        fail(n, fmt::format("input '{}' is not defined (no graph input, initializer or node output has that name)",
                            clip_text(i)));
  }
  // Kahn's algorithm, smallest file index first (keeps the file order where possible). Leftovers are on a cycle.
  std::vector<int> pending(size_t(graph.node_size()), 0);
  std::map<int, std::vector<int>> readers;
  for (int k = 0; k < graph.node_size(); ++k) {
    if (!live[size_t(k)]) continue;
    std::set<int> deps;
    for (const std::string &i : graph.node(k).input()) {
      auto p = producer_.find(i);
      if (!i.empty() && p != producer_.end()) deps.insert(p->second);
    }
    pending[size_t(k)] = int(deps.size());
    for (int d : deps) readers[d].push_back(k);
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int k = 0; k < graph.node_size(); ++k)
    if (live[size_t(k)] && pending[size_t(k)] == 0) ready.push(k);
  while (!ready.empty()) {
    const int k = ready.top();
    ready.pop();
    order_.push_back(k);
    for (int r : readers[k])
      if (--pending[size_t(r)] == 0) ready.push(r);
  }
  for (int k = 0; k < graph.node_size(); ++k)
    if (live[size_t(k)] && pending[size_t(k)] > 0)
      fail(graph.node(k), "the graph has a cycle through this node");
  for (int k : order_)
    for (const std::string &i : graph.node(k).input())
      if (!i.empty()) ++consumers_[i];
  ++consumers_[output_name_];
}

const std::map<std::string, Converter::OpEntry> &Converter::op_table() {
  static const std::map<std::string, OpEntry> table = {
      {"Conv", {&Converter::op_conv, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}}},
      {"BatchNormalization", {&Converter::op_batch_norm, {"epsilon", "momentum", "training_mode", "spatial"}}},
      {"Relu", {&Converter::op_relu, {}}},
      {"Clip", {&Converter::op_clip, {}}},
      {"Add", {&Converter::op_binary, {}}},
      {"Sub", {&Converter::op_binary, {}}},
      {"Mul", {&Converter::op_binary, {}}},
      {"Div", {&Converter::op_binary, {}}},
      {"Concat", {&Converter::op_concat, {"axis"}}},
      {"MaxPool",
       {&Converter::op_pool,
        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"}}},
      {"AveragePool",
       {&Converter::op_pool, {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads",
                              "strides"}}},
      {"GlobalAveragePool", {&Converter::op_global_avg_pool, {}}},
      {"ReduceMean", {&Converter::op_reduce_mean, {"axes", "keepdims", "noop_with_empty_axes"}}},
      {"Gemm", {&Converter::op_gemm, {"alpha", "beta", "transA", "transB"}}},
      {"MatMul", {&Converter::op_matmul, {}}},
      {"Flatten", {&Converter::op_flatten, {"axis"}}},
      {"Reshape", {&Converter::op_reshape, {"allowzero"}}},
      {"Transpose", {&Converter::op_transpose, {"perm"}}},
      {"Softmax", {&Converter::op_softmax, {"axis"}}},
      {"Identity", {&Converter::op_identity, {}}},
      {"Dropout", {&Converter::op_dropout, {"seed", "ratio"}}},
      {"Constant",
       {&Converter::op_constant, {"value", "value_float", "value_floats", "value_int", "value_ints"}}},
      {"ConstantOfShape", {&Converter::op_constant_of_shape, {"value"}}},
      {"Shape", {&Converter::op_shape, {"start", "end"}}},
      {"Gather", {&Converter::op_gather, {"axis"}}},
      {"Unsqueeze", {&Converter::op_unsqueeze, {"axes"}}},
      {"Squeeze", {&Converter::op_squeeze, {"axes"}}},
      {"Cast", {&Converter::op_cast, {"to", "saturate"}}},
      {"Slice", {&Converter::op_slice, {}}},
      {"Split", {&Converter::op_split, {"axis", "split", "num_outputs"}}},
      {"Pad", {&Converter::op_pad, {"mode"}}},
  };
  return table;
}

// Before converting anything: which tensors are load-time constants, and which nodes shufflec cannot convert at all
// (unknown op types, other domains, constant-only ops fed a run-time tensor). All of those are reported at once.
void Converter::prescan() {
  const auto &graph = model_.graph();
  for (const auto &[name, t] : initializers_) static_.insert(name);
  static const std::set<std::string> foldable = {"Identity", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast",
                                                 "Slice", "Add", "Sub", "Mul", "Div", "Reshape", "Flatten",
                                                 "Transpose", "ConstantOfShape", "Split"};
  static const std::set<std::string> constant_only = {"Gather", "Sub", "Mul", "Div", "ConstantOfShape"};
  std::vector<std::string> problems;
  for (int k : order_) {
    const NodeProto &n = graph.node(k);
    const std::string where = fmt::format("node '{}' ({})", label(n), clip_text(n.op_type(), 64));
    bool all_static = true;
    for (const std::string &i : n.input())
      if (!i.empty() && !static_.count(i)) all_static = false;
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      problems.push_back(fmt::format("{}: unsupported op from domain '{}'", where, clip_text(n.domain(), 64)));
      continue;
    }
    if (!op_table().count(n.op_type())) {
      problems.push_back(where + ": unsupported op type");
      continue;
    }
    if (constant_only.count(n.op_type()) && !all_static)
      problems.push_back(where + ": unsupported on a run-time tensor (shufflec folds it only in constant shape "
                                 "computations)");
    if (n.op_type() == "Constant" || n.op_type() == "Shape" || (foldable.count(n.op_type()) && all_static))
      for (const std::string &o : n.output()) static_.insert(o);
  }
  if (problems.empty()) return;
  std::string msg = problems.size() == 1
                        ? problems[0]
                        : fmt::format("{} (and {} more: {}); see docs/onnx.md for the supported ops", problems[0],
                                      problems.size() - 1,
                                      fmt::join(std::vector<std::string>(problems.begin() + 1, problems.end()), "; "));
  fail(msg);
}

void Converter::setup_input() {
  const auto &graph = model_.graph();
  std::vector<const onnx::ValueInfoProto *> inputs;
  for (const auto &vi : graph.input())
    if (!initializers_.count(vi.name())) inputs.push_back(&vi);
  if (inputs.size() != 1) {
    std::vector<std::string> names;
    for (auto *vi : inputs) names.push_back("'" + clip_text(vi->name()) + "'");
    fail(fmt::format("the model has {} graph inputs{}{}; shufflec compiles models with exactly one input",
                     inputs.size(), names.empty() ? "" : " ", fmt::join(names, ", ")));
  }
  const onnx::ValueInfoProto &vi = *inputs[0];
  input_name_ = vi.name();
  const std::string where = fmt::format("graph input '{}'", clip_text(input_name_));
  if (input_name_.empty()) fail("the graph input has an empty name");
  if (!vi.type().has_tensor_type()) fail(where + " is not a tensor");
  const auto &tt = vi.type().tensor_type();
  if (tt.elem_type() != TensorProto::FLOAT)
    fail(fmt::format("{} has element type {}; shufflec compiles float32 models", where,
                     data_type_name(tt.elem_type())));
  std::vector<std::optional<int64_t>> model_dims;
  std::vector<std::string> shown;
  if (tt.has_shape()) {
    for (const auto &d : tt.shape().dim()) {
      if (d.has_dim_value()) model_dims.emplace_back(d.dim_value()), shown.push_back(std::to_string(d.dim_value()));
      else model_dims.emplace_back(), shown.push_back(d.dim_param().empty() ? "?" : clip_text(d.dim_param(), 32));
    }
  }
  const std::string model_shape =
      tt.has_shape() ? clip_text(fmt::format("[{}]", fmt::join(shown, ", ")), 300) : "unknown";
  const std::vector<int64_t> *given = nullptr;
  for (const auto &[name, dims] : options_.input_shapes) {
    if (name.empty() || name == input_name_) given = &dims;
    else
      fail(fmt::format("--input-shape names '{}', but the model's input is '{}'", clip_text(name),
                       clip_text(input_name_)));
  }
  std::vector<int64_t> dims;
  if (given) {
    if (tt.has_shape() && given->size() != model_dims.size())
      fail(fmt::format("--input-shape {} has rank {}, but {} has shape {}", dims_str(*given), given->size(), where,
                       model_shape));
    for (size_t k = 0; k < given->size(); ++k)
      if (tt.has_shape() && model_dims[k] && *model_dims[k] != (*given)[k])
        fail(fmt::format("--input-shape {} disagrees with the fixed shape {} of {} in dimension {}",
                         dims_str(*given), model_shape, where, k));
    dims = *given;
  } else {
    if (!tt.has_shape())
      fail(fmt::format("{} has no shape; give it with --input-shape {}=N,C,H,W", where, clip_text(input_name_)));
    for (size_t k = 0; k < model_dims.size(); ++k) {
      if (!model_dims[k]) {
        std::vector<std::string> example;
        for (const auto &d : model_dims) example.push_back(d ? std::to_string(*d) : "1");
        fail(fmt::format("{} has the dynamic shape {}; give its size with --input-shape {}={} (for example)", where,
                         model_shape, clip_text(input_name_), fmt::join(example, ",")));
      }
      dims.push_back(*model_dims[k]);
    }
  }
  if (dims.empty()) fail(where + " is a scalar; shufflec expects an [N, C, H, W] or [N, K] tensor");
  for (int64_t d : dims)
    if (d < 1) fail(fmt::format("{} has shape {}: every dimension must be >= 1", where, model_shape));
  if (checked_count(dims, kMaxElements) < 0)
    fail(fmt::format("{} has shape {}: absurdly large (more than 2^31 - 1 elements)", where, dims_str(dims)));
  names_.insert(input_name_);
  g_.input = g_.add_value(Value{input_name_, ValueKind::Input, Shape{dims}, {}});
  Sym s;
  s.base = g_.input;
  s.dims = dims;
  syms_[input_name_] = s;
  base_refs_[g_.input] += consumers_[input_name_];
}

// ------------------------------------------------------------------------------------------------------------------
// Attributes.

const AttributeProto *Converter::attr(const NodeProto &n, const char *name) const {
  for (const AttributeProto &a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t Converter::attr_int(const NodeProto &n, const char *name, int64_t def) const {
  const AttributeProto *a = attr(n, name);
  if (!a) return def;
  if (a->type() != AttributeProto::INT) fail(n, fmt::format("attribute '{}' must be an integer", name));
  return a->i();
}

float Converter::attr_float(const NodeProto &n, const char *name, float def) const {
  const AttributeProto *a = attr(n, name);
  if (!a) return def;
  if (a->type() != AttributeProto::FLOAT) fail(n, fmt::format("attribute '{}' must be a float", name));
  return a->f();
}

std::string Converter::attr_string(const NodeProto &n, const char *name, const std::string &def) const {
  const AttributeProto *a = attr(n, name);
  if (!a) return def;
  if (a->type() != AttributeProto::STRING) fail(n, fmt::format("attribute '{}' must be a string", name));
  return a->s();
}

std::optional<std::vector<int64_t>> Converter::attr_ints(const NodeProto &n, const char *name) const {
  const AttributeProto *a = attr(n, name);
  if (!a) return std::nullopt;
  if (a->type() != AttributeProto::INTS) fail(n, fmt::format("attribute '{}' must be a list of integers", name));
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::array<int64_t, 2> Converter::attr_pair(const NodeProto &n, const char *name, int64_t def) const {
  auto v = attr_ints(n, name);
  if (!v) return {def, def};
  if (v->size() != 2)
    fail(n, fmt::format("attribute '{}' = {} must have 2 values (shufflec supports 2-D windows only)", name,
                        dims_str(*v)));
  return {(*v)[0], (*v)[1]};
}

// ------------------------------------------------------------------------------------------------------------------
// Symbols.

const Sym &Converter::in(const NodeProto &n, int k) const {
  if (!has_input(n, k)) fail(n, fmt::format("input {} is missing", k));
  auto it = syms_.find(n.input(k));
  SHUFFLEC_ASSERT(it != syms_.end());  // check_structure() and the topological order guarantee it
  return it->second;
}

ConstPtr Converter::const_in(const NodeProto &n, int k, const char *role) const {
  const Sym &s = in(n, k);
  if (!s.is_const())
    fail(n, fmt::format("unsupported: the {} '{}' is computed at run time; shufflec needs it to be a constant", role,
                        clip_text(n.input(k))));
  return s.c;
}

std::vector<int64_t> Converter::ints_in(const NodeProto &n, int k, const char *role) const {
  ConstPtr c = const_in(n, k, role);
  if (c->dims.size() > 1) fail(n, fmt::format("the {} must be a 1-D tensor, got shape {}", role, dims_str(c->dims)));
  if (c->is_float) fail(n, fmt::format("the {} must be an integer tensor", role));
  return c->i;
}

void Converter::set_const(const NodeProto &n, int k, ConstTensor t) {
  if (k >= n.output_size() || n.output(k).empty()) return;
  if (t.count() > kMaxFoldElements)
    fail(n, fmt::format("folding it gives a constant of shape {}: absurdly large", dims_str(t.dims)));
  Sym s;
  s.c = std::make_shared<const ConstTensor>(std::move(t));
  syms_[n.output(k)] = std::move(s);
}

void Converter::set_sym(const NodeProto &n, int k, Sym s) {
  if (k >= n.output_size() || n.output(k).empty()) return;
  if (!s.is_const()) base_refs_[s.base] += consumers_[n.output(k)];
  syms_[n.output(k)] = std::move(s);
}

// Optional outputs (MaxPool's Indices, Dropout's mask, BatchNormalization's running statistics) must be unused.
void Converter::require_unused(const NodeProto &n, int from_output) const {
  for (int k = from_output; k < n.output_size(); ++k)
    if (!n.output(k).empty() && consumers_.count(n.output(k)) && consumers_.at(n.output(k)) > 0)
      fail(n, fmt::format("unsupported: output {} ('{}') is used; shufflec computes only the first output", k,
                          clip_text(n.output(k))));
}

// ------------------------------------------------------------------------------------------------------------------
// IR building.

std::string Converter::unique_name(const std::string &want) {
  std::string name = want.empty() ? "node" : want;
  if (names_.insert(name).second) return name;
  for (int k = 2;; ++k) {
    std::string alt = fmt::format("{}_{}", name, k);
    if (names_.insert(alt).second) return alt;
  }
}

ValueId Converter::emit(const NodeProto &n, OpKind op, std::vector<ValueId> inputs, Attrs attrs,
                        const std::string &name) {
  Node node;
  node.name = unique_name(name);
  node.op = op;
  node.inputs = std::move(inputs);
  node.attrs = std::move(attrs);
  node.output = g_.add_value(Value{node.name, ValueKind::Intermediate, {}, {}});
  g_.nodes.push_back(node);
  const Node &ref = g_.nodes.back();
  try {
    Shape s = op_info(op).infer(g_, ref);
    check_shape_size(g_, ref, s);
    g_.value(ref.output).shape = std::move(s);
  } catch (const UserError &e) {
    fail(n, e.message());
  }
  return ref.output;
}

ValueId Converter::ir_const(const NodeProto &n, const ConstPtr &c, const std::string &name) {
  if (auto it = ir_consts_.find(c.get()); it != ir_consts_.end()) return it->second;
  if (!c->is_float) fail(n, fmt::format("the weight '{}' must be a float tensor", clip_text(name)));
  if (c->dims.empty() || std::any_of(c->dims.begin(), c->dims.end(), [](int64_t d) { return d < 1; }))
    fail(n, fmt::format("the weight '{}' has shape {}; weights need every dimension >= 1", clip_text(name),
                        dims_str(c->dims)));
  for (size_t k = 0; k < c->f.size(); ++k)
    if (!std::isfinite(c->f[k]))
      fail(n, fmt::format("the weight '{}' holds {} at index {} (weights must be finite)", clip_text(name),
                          std::isnan(c->f[k]) ? "NaN" : "Inf", k));
  Value v{unique_name(name), ValueKind::Constant, Shape{c->dims}, c->f};
  const ValueId id = g_.add_value(std::move(v));
  ir_consts_[c.get()] = id;
  keep_alive_.push_back(c);
  return id;
}

// The IR value holding a symbol's data in the layout its ONNX shape says.
ValueId Converter::materialize(const NodeProto &n, const Sym &s) {
  if (s.is_const())
    fail(n, "unsupported: an input that is a constant where shufflec needs a tensor computed from the graph input");
  if (s.layout == Layout::Shuffled)
    fail(n, fmt::format("unsupported: its input is the transposed 5-D tensor made by {}; only the channel-shuffle "
                        "pattern (Reshape, Transpose perm [0, 2, 1, 3, 4], Reshape back) is supported",
                        s.origin));
  if (s.layout == Layout::Padded)
    fail(n, fmt::format("unsupported: its input is padded by {}; zero padding is supported only directly before a "
                        "Conv or an AveragePool",
                        s.origin));
  const Shape bs = g_.shape(s.base);
  if (s.dims == bs.dims) return s.base;
  if (s.dims.size() == 2 && bs.rank() >= 2 && s.dims[0] == bs[0]) {
    auto key = std::make_pair(s.base, s.dims);
    if (auto it = flattened_.find(key); it != flattened_.end()) return it->second;
    const ValueId v = emit(n, OpKind::Flatten, {s.base}, {}, g_.value(s.base).name + "/flatten");
    flattened_[key] = v;
    return v;
  }
  fail(n, fmt::format("unsupported: its input is {} viewed as {} by {}; shufflec supports reshapes that keep the "
                      "shape, flatten to [N, K], or form the channel shuffle",
                      bs.str(), dims_str(s.dims), s.origin.empty() ? "a reshape" : s.origin));
}

// Part `part` of `parts` equal channel slices of x [N, C, H, W], exactly: channel_shuffle(parts) interleaves the
// parts (channel m*parts + j is part j's channel m), then a grouped 1x1 convolution with C/parts groups of `parts`
// input channels and one-hot weights picks channel j of each group (x*1 + y*0 is exact for finite values).
ValueId Converter::select_channels(const NodeProto &n, ValueId x, int64_t parts, int64_t part,
                                   const std::string &name) {
  const Shape xs = g_.shape(x);
  const int64_t C = xs[1], n_out = C / parts;
  Attrs sa;
  sa.groups = parts;
  const ValueId shuffled = emit(n, OpKind::ChannelShuffle, {x}, sa, name + "/interleave");
  ConstTensor w;
  w.dims = {n_out, parts, 1, 1};
  w.f.assign(size_t(n_out * parts), 0.0f);
  for (int64_t m = 0; m < n_out; ++m) w.f[size_t(m * parts + part)] = 1.0f;
  Attrs ca;
  ca.groups = n_out;
  return emit(n, OpKind::Conv2d, {shuffled, ir_const(n, std::move(w), name + "/select.weight")}, ca, name);
}

// ------------------------------------------------------------------------------------------------------------------
// Constant folding helpers.

int64_t norm_axis(int64_t axis, int64_t rank, bool &ok) {
  if (axis < -rank || axis >= rank) {
    ok = false;
    return 0;
  }
  ok = true;
  return axis < 0 ? axis + rank : axis;
}

ConstTensor make_like(const ConstTensor &proto, std::vector<int64_t> dims) {
  ConstTensor t;
  t.dims = std::move(dims);
  t.is_float = proto.is_float;
  int64_t n = 1;
  for (int64_t d : t.dims) n *= d;
  if (t.is_float) t.f.resize(size_t(n));
  else t.i.resize(size_t(n));
  return t;
}

void copy_elem(const ConstTensor &from, int64_t k, ConstTensor &to, int64_t j) {
  if (from.is_float) to.f[size_t(j)] = from.f[size_t(k)];
  else to.i[size_t(j)] = from.i[size_t(k)];
}

ConstTensor transpose_const(const ConstTensor &x, const std::vector<int64_t> &perm) {
  std::vector<int64_t> od;
  for (int64_t p : perm) od.push_back(x.dims[size_t(p)]);
  ConstTensor y = make_like(x, od);
  const auto xs = strides_of(x.dims);
  const int64_t r = int64_t(od.size());
  std::vector<int64_t> idx(size_t(r), 0);
  for (int64_t j = 0; j < y.count(); ++j) {
    int64_t src = 0;
    for (int64_t d = 0; d < r; ++d) src += idx[size_t(d)] * xs[size_t(perm[size_t(d)])];
    copy_elem(x, src, y, j);
    for (int64_t d = r; d-- > 0;) {
      if (++idx[size_t(d)] < od[size_t(d)]) break;
      idx[size_t(d)] = 0;
    }
  }
  return y;
}

// ------------------------------------------------------------------------------------------------------------------
// Ops.

void Converter::convert(const NodeProto &n) {
  const OpEntry &e = op_table().at(n.op_type());
  for (const AttributeProto &a : n.attribute())
    if (std::find(e.attrs.begin(), e.attrs.end(), a.name()) == e.attrs.end())
      fail(n, fmt::format("unsupported attribute '{}'", clip_text(a.name(), 64)));
  (this->*e.fn)(n);
  for (const std::string &o : n.output())
    if (!o.empty() && consumers_.count(o) && !syms_.count(o))
      fail(n, fmt::format("unsupported: output '{}' is not computed by shufflec", clip_text(o)));
}

// Window attributes in range before any arithmetic on them (the IR checks them again, with its own messages).
void Converter::check_window(const NodeProto &n, const Attrs &a, const std::array<int64_t, 4> &pads) const {
  for (int i = 0; i < 2; ++i) {
    if (a.stride[size_t(i)] < 1 || a.stride[size_t(i)] > kMaxElements)
      fail(n, fmt::format("stride {} is out of range", a.stride[size_t(i)]));
    if (a.dilation[size_t(i)] < 1 || a.dilation[size_t(i)] > kMaxElements)
      fail(n, fmt::format("dilation {} is out of range", a.dilation[size_t(i)]));
    if (a.kernel[size_t(i)] < 0 || a.kernel[size_t(i)] > kMaxElements)
      fail(n, fmt::format("kernel size {} is out of range", a.kernel[size_t(i)]));
  }
  for (int64_t p : pads)
    if (p < 0 || p > kMaxElements) fail(n, fmt::format("pads must be >= 0, got {}", p));
}

// Pads per auto_pad for one axis: {begin, end}. Returns false for an unknown mode.
bool auto_pads(const std::string &mode, int64_t in, int64_t k, int64_t s, int64_t d, int64_t &b, int64_t &e) {
  if (mode == "VALID") {
    b = e = 0;
    return true;
  }
  if (mode != "SAME_UPPER" && mode != "SAME_LOWER") return false;
  const int64_t out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
  b = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
  e = total - b;
  return true;
}

void Converter::op_conv(const NodeProto &n) {
  const Sym &x = in(n, 0);
  ConstPtr w = const_in(n, 1, "weight");
  ConstPtr b = const_in_opt(n, 2, "bias");
  if (w->dims.size() != 4)
    unsupported(n, fmt::format("convolution: only 2-D convolutions (a 4-D weight) are supported, the weight has "
                               "shape {}",
                               dims_str(w->dims)));
  Attrs a;
  a.groups = attr_int(n, "group", 1);
  a.stride = attr_pair(n, "strides", 1);
  a.dilation = attr_pair(n, "dilations", 1);
  if (auto ks = attr_ints(n, "kernel_shape"))
    if (ks->size() != 2 || (*ks)[0] != w->dims[2] || (*ks)[1] != w->dims[3])
      fail(n, fmt::format("kernel_shape {} does not match the weight's shape {}", dims_str(*ks), dims_str(w->dims)));
  std::array<int64_t, 4> pads{};
  if (auto p = attr_ints(n, "pads")) {
    if (p->size() != 4) fail(n, fmt::format("pads {} must have 4 values [top, left, bottom, right]", dims_str(*p)));
    pads = {(*p)[0], (*p)[1], (*p)[2], (*p)[3]};
  }
  ValueId xv;
  std::array<int64_t, 4> extra{};
  std::vector<int64_t> xdims;
  if (!x.is_const() && x.layout == Layout::Padded) {
    xv = x.base;
    extra = x.pads;
    xdims = x.dims;
  } else {
    xv = materialize(n, x);
    xdims = g_.shape(xv).dims;
  }
  if (xdims.size() != 4) fail(n, fmt::format("the input must be [N, C, H, W], got {}", dims_str(xdims)));
  const std::string mode = attr_string(n, "auto_pad", "NOTSET");
  if (mode != "NOTSET" && mode != "VALID" && a.dilation != std::array<int64_t, 2>{1, 1})
    unsupported(n, fmt::format("auto_pad {} with dilations (ONNX Runtime rejects it too)", clip_text(mode, 32)));
  check_window(n, a, pads);
  if (mode != "NOTSET") {
    for (int i = 0; i < 2; ++i) {
      if (!auto_pads(mode, xdims[size_t(2 + i)], w->dims[size_t(2 + i)], a.stride[size_t(i)],
                     a.dilation[size_t(i)], pads[size_t(i)], pads[size_t(2 + i)]))
        fail(n, fmt::format("unknown auto_pad '{}'", clip_text(mode, 32)));
    }
  }
  for (size_t i = 0; i < 4; ++i) a.pads[i] = pads[i] + extra[i];
  std::vector<ValueId> ins{xv, ir_const(n, w, n.input(1))};
  if (b) ins.push_back(ir_const(n, b, n.input(2)));
  set_value(n, 0, emit(n, OpKind::Conv2d, ins, a));
}

void Converter::op_batch_norm(const NodeProto &n) {
  if (attr_int(n, "training_mode", 0) != 0) unsupported(n, "training_mode = 1 (shufflec compiles inference graphs)");
  require_unused(n, 1);
  const ValueId x = materialize(n, 0);
  static const char *const roles[] = {"", "scale", "bias", "mean", "var"};
  std::vector<ValueId> ins{x};
  for (int k = 1; k <= 4; ++k) ins.push_back(ir_const(n, const_in(n, k, roles[k]), n.input(k)));
  Attrs a;
  a.epsilon = attr_float(n, "epsilon", 1e-5f);
  set_value(n, 0, emit(n, OpKind::BatchNorm, ins, a));
}

void Converter::op_relu(const NodeProto &n) { set_value(n, 0, emit(n, OpKind::Relu, {materialize(n, 0)})); }

// Clip(0, 6) is relu6 (an activation attribute of conv2d/dense/add/pools in the IR; resolve_relu6 fuses it later),
// Clip(0, +inf) is relu.
void Converter::op_clip(const NodeProto &n) {
  auto bound = [&](int k, double def) {
    ConstPtr c = const_in_opt(n, k, k == 1 ? "min" : "max");
    if (!c) return def;
    if (c->count() != 1) fail(n, fmt::format("the {} bound must be a scalar", k == 1 ? "min" : "max"));
    return c->at(0);
  };
  const double lo = bound(1, -INFINITY), hi = bound(2, INFINITY);
  const ValueId x = materialize(n, 0);
  if (lo == 0.0 && hi == 6.0) {
    const ValueId y = emit(n, OpKind::Relu, {x});
    relu6_.push_back({g_.value(y).name, fmt::format("node '{}' ({})", label(n), n.op_type())});
    set_value(n, 0, y);
  } else if (lo == 0.0 && hi == INFINITY) {
    set_value(n, 0, emit(n, OpKind::Relu, {x}));
  } else {
    unsupported(n, fmt::format("Clip to [{}, {}]: shufflec supports [0, 6] (relu6) and [0, inf) (relu)", lo, hi));
  }
}

// Add/Sub/Mul/Div of constants are folded (numpy broadcasting; integer division truncates, as ONNX Runtime does).
// A run-time Add is the IR's add, or a bias folded into the Conv/Gemm/MatMul producing its other operand.
void Converter::op_binary(const NodeProto &n) {
  const Sym &a = in(n, 0), &b = in(n, 1);
  if (!a.is_const() || !b.is_const()) {
    if (n.op_type() != "Add") unsupported(n, "on a run-time tensor (shufflec folds it only in constant computations)");
    op_add_runtime(n);
    return;
  }
  const ConstTensor &x = *a.c, &y = *b.c;
  if (x.is_float != y.is_float) fail(n, "the two inputs have different element types");
  const size_t r = std::max(x.dims.size(), y.dims.size());
  std::vector<int64_t> od(r), xd(r, 1), yd(r, 1);
  std::copy(x.dims.begin(), x.dims.end(), xd.begin() + long(r - x.dims.size()));
  std::copy(y.dims.begin(), y.dims.end(), yd.begin() + long(r - y.dims.size()));
  for (size_t k = 0; k < r; ++k) {
    if (xd[k] != yd[k] && xd[k] != 1 && yd[k] != 1)
      fail(n, fmt::format("shapes {} and {} do not broadcast", dims_str(x.dims), dims_str(y.dims)));
    od[k] = xd[k] == 1 ? yd[k] : xd[k];
  }
  if (checked_count(od, kMaxFoldElements) < 0) fail(n, "the folded result is absurdly large");
  ConstTensor z = make_like(x, od);
  const auto xs = strides_of(xd), ys = strides_of(yd);
  std::vector<int64_t> idx(r, 0);
  const char op = n.op_type() == "Add" ? '+' : n.op_type() == "Sub" ? '-' : n.op_type() == "Mul" ? '*' : '/';
  for (int64_t j = 0; j < z.count(); ++j) {
    int64_t xi = 0, yi = 0;
    for (size_t k = 0; k < r; ++k) {
      if (xd[k] != 1) xi += idx[k] * xs[k];
      if (yd[k] != 1) yi += idx[k] * ys[k];
    }
    if (z.is_float) {
      const float p = x.f[size_t(xi)], q = y.f[size_t(yi)];
      z.f[size_t(j)] = op == '+' ? p + q : op == '-' ? p - q : op == '*' ? p * q : p / q;
    } else {
      const int64_t p = x.i[size_t(xi)], q = y.i[size_t(yi)];
      int64_t v = 0;
      bool overflow = false;
      if (op == '+') overflow = __builtin_add_overflow(p, q, &v);
      else if (op == '-') overflow = __builtin_sub_overflow(p, q, &v);
      else if (op == '*') overflow = __builtin_mul_overflow(p, q, &v);
      else if (q == 0) fail(n, "integer division by zero");
      else if (p == INT64_MIN && q == -1) overflow = true;
      else v = p / q;
      if (overflow) fail(n, "integer overflow while folding constants");
      z.i[size_t(j)] = v;
    }
    for (size_t k = r; k-- > 0;) {
      if (++idx[k] < od[k]) break;
      idx[k] = 0;
    }
  }
  set_const(n, 0, std::move(z));
}

void Converter::op_add_runtime(const NodeProto &n) {
  const Sym &a = in(n, 0), &b = in(n, 1);
  if (a.is_const() != b.is_const()) {
    // A per-channel bias after a Conv (or after the dense from Gemm/MatMul) whose output only this Add reads.
    const Sym &x = a.is_const() ? b : a;
    const ConstTensor &c = a.is_const() ? *a.c : *b.c;
    const std::string why =
        "Add of a constant to a computed tensor is supported only as a bias right after a Conv, Gemm or MatMul "
        "whose output nothing else reads";
    if (x.layout != Layout::Plain || x.dims != g_.shape(x.base).dims || base_refs_[x.base] != 1)
      unsupported(n, why);
    auto p = g_.producer(x.base);
    if (!p) unsupported(n, why);
    Node &prod = g_.nodes[size_t(*p)];
    if (prod.op != OpKind::Conv2d && prod.op != OpKind::Dense) unsupported(n, why);
    const Shape ys = g_.shape(x.base);
    const int64_t M = ys[1];
    // The constant, right-aligned against the output, may vary along the channel axis only.
    if (c.dims.size() > ys.rank()) unsupported(n, why);
    const size_t off = ys.rank() - c.dims.size();
    bool ok = true, along_channel = false;
    for (size_t k = 0; k < c.dims.size(); ++k) {
      const size_t axis = off + k;
      if (axis == 1 && c.dims[k] == M && M != 1) along_channel = true;
      else if (c.dims[k] != 1) ok = false;
    }
    if (!ok || !c.is_float) unsupported(n, why);
    // Right-aligned, every axis after the channel axis has size 1, so channel m is element m (or 0: broadcast).
    ConstTensor bias;
    bias.dims = {M};
    bias.f.assign(size_t(M), 0.0f);
    if (prod.inputs.size() > 2) bias.f = g_.value(prod.inputs[2]).data;
    for (int64_t m = 0; m < M; ++m) bias.f[size_t(m)] += c.f[along_channel ? size_t(m) : 0];
    const ValueId bv = ir_const(n, std::move(bias), prod.name + ".bias");
    if (prod.inputs.size() > 2) prod.inputs[2] = bv;
    else prod.inputs.push_back(bv);
    Sym y = x;
    set_sym(n, 0, y);
    return;
  }
  const ValueId x = materialize(n, 0), y = materialize(n, 1);
  if (g_.shape(x) != g_.shape(y))
    unsupported(n, fmt::format("broadcasting Add ({} + {}): the IR adds tensors of the same shape",
                               g_.shape(x).str(), g_.shape(y).str()));
  set_value(n, 0, emit(n, OpKind::Add, {x, y}));
}

void Converter::op_concat(const NodeProto &n) {
  if (!attr(n, "axis")) fail(n, "the attribute 'axis' is required");
  const int64_t axis_attr = attr_int(n, "axis", 1);
  bool all_const = true, any_const = false;
  for (int k = 0; k < n.input_size(); ++k) {
    const bool c = in(n, k).is_const();
    all_const &= c;
    any_const |= c;
  }
  if (n.input_size() == 0) fail(n, "needs at least one input");
  if (all_const) {
    const ConstTensor &first = *in(n, 0).c;
    bool ok;
    const int64_t rank = int64_t(first.dims.size());
    const int64_t axis = norm_axis(axis_attr, rank, ok);
    if (!ok || rank == 0) fail(n, fmt::format("axis {} is out of range for rank {}", axis_attr, rank));
    std::vector<int64_t> od = first.dims;
    od[size_t(axis)] = 0;
    for (int k = 0; k < n.input_size(); ++k) {
      const ConstTensor &t = *in(n, k).c;
      if (t.dims.size() != first.dims.size() || t.is_float != first.is_float)
        fail(n, "the inputs differ in rank or element type");
      for (size_t d = 0; d < t.dims.size(); ++d)
        if (int64_t(d) != axis && t.dims[d] != first.dims[d]) fail(n, "the inputs' shapes do not match");
      od[size_t(axis)] += t.dims[size_t(axis)];
    }
    if (checked_count(od, kMaxFoldElements) < 0) fail(n, "the folded result is absurdly large");
    ConstTensor z = make_like(first, od);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= od[size_t(d)];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= od[size_t(d)];
    int64_t at = 0;
    for (int k = 0; k < n.input_size(); ++k) {
      const ConstTensor &t = *in(n, k).c;
      const int64_t block = t.dims[size_t(axis)] * inner;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < block; ++j) copy_elem(t, o * block + j, z, o * od[size_t(axis)] * inner + at + j);
      at += block;
    }
    set_const(n, 0, std::move(z));
    return;
  }
  if (any_const) unsupported(n, "Concat of constants with computed tensors");
  std::vector<ValueId> ins;
  for (int k = 0; k < n.input_size(); ++k) ins.push_back(materialize(n, k));
  const int64_t rank = int64_t(g_.shape(ins[0]).rank());
  bool ok;
  const int64_t axis = norm_axis(axis_attr, rank, ok);
  if (!ok) fail(n, fmt::format("axis {} is out of range for rank {}", axis_attr, rank));
  if (axis != 1) unsupported(n, fmt::format("Concat along axis {}: the IR concatenates channels (axis 1)", axis));
  if (ins.size() == 1) {
    set_value(n, 0, ins[0]);
    return;
  }
  set_value(n, 0, emit(n, OpKind::Concat, ins));
}

// MaxPool and AveragePool. ONNX Runtime's output size is the IR's (ceil_mode drops a last window that would start
// in the right padding, as PyTorch does); a zero Pad before an AveragePool is absorbed as count_include_pad padding
// and the result checked against the size ONNX Runtime gives for the padded tensor.
void Converter::op_pool(const NodeProto &n) {
  const bool is_max = n.op_type() == "MaxPool";
  require_unused(n, 1);
  const Sym &x = in(n, 0);
  Attrs a;
  auto ks = attr_ints(n, "kernel_shape");
  if (!ks) fail(n, "the attribute 'kernel_shape' is required");
  if (ks->size() != 2)
    unsupported(n, fmt::format("{}-D pooling (kernel_shape {}): only 2-D", ks->size(), dims_str(*ks)));
  a.kernel = {(*ks)[0], (*ks)[1]};
  a.stride = attr_pair(n, "strides", 1);
  a.dilation = attr_pair(n, "dilations", 1);
  a.ceil_mode = attr_int(n, "ceil_mode", 0) != 0;
  if (!is_max) {
    a.count_include_pad = attr_int(n, "count_include_pad", 0) != 0;
    if (a.dilation != std::array<int64_t, 2>{1, 1}) unsupported(n, "dilated AveragePool");
  }
  if (is_max && attr_int(n, "storage_order", 0) != 0 && n.output_size() > 1)
    unsupported(n, "storage_order = 1");
  std::array<int64_t, 4> pads{};
  if (auto p = attr_ints(n, "pads")) {
    if (p->size() != 4) fail(n, fmt::format("pads {} must have 4 values [top, left, bottom, right]", dims_str(*p)));
    pads = {(*p)[0], (*p)[1], (*p)[2], (*p)[3]};
  }
  ValueId xv;
  std::array<int64_t, 4> extra{};
  std::vector<int64_t> xdims;
  const bool padded = !x.is_const() && x.layout == Layout::Padded;
  if (padded) {
    if (is_max)
      unsupported(n, fmt::format("MaxPool of a zero-padded tensor (from {}): the IR's max_pool ignores padding",
                                 x.origin));
    xv = x.base;
    extra = x.pads;
    xdims = x.dims;
  } else {
    xv = materialize(n, x);
    xdims = g_.shape(xv).dims;
  }
  if (xdims.size() != 4) fail(n, fmt::format("the input must be [N, C, H, W], got {}", dims_str(xdims)));
  const std::string mode = attr_string(n, "auto_pad", "NOTSET");
  if (mode != "NOTSET" && mode != "VALID" && a.dilation != std::array<int64_t, 2>{1, 1})
    unsupported(n, fmt::format("auto_pad {} with dilations (ONNX Runtime pads such pools as if undilated)",
                               clip_text(mode, 32)));
  check_window(n, a, pads);
  if (mode != "NOTSET")
    for (int i = 0; i < 2; ++i) {
      if (!auto_pads(mode, xdims[size_t(2 + i)], a.kernel[size_t(i)], a.stride[size_t(i)], a.dilation[size_t(i)],
                     pads[size_t(i)], pads[size_t(2 + i)]))
        fail(n, fmt::format("unknown auto_pad '{}'", clip_text(mode, 32)));
    }
  if (padded) {
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }) && !a.count_include_pad)
      unsupported(n, fmt::format("AveragePool with count_include_pad = 0 and its own pads, of a tensor padded by {}",
                                 x.origin));
    a.count_include_pad = true;
  }
  for (size_t i = 0; i < 4; ++i) a.pads[i] = pads[i] + extra[i];
  const ValueId y = emit(n, is_max ? OpKind::MaxPool : OpKind::AvgPool, {xv}, a);
  // The output size ONNX Runtime computes for the node as written (window_out is its rule too).
  for (int i = 0; i < 2; ++i) {
    const int64_t want = ops::window_out(xdims[size_t(2 + i)], a.kernel[size_t(i)], a.stride[size_t(i)],
                                         a.dilation[size_t(i)], pads[size_t(i)], pads[size_t(2 + i)], a.ceil_mode);
    if (want != g_.shape(y)[size_t(2 + i)])
      unsupported(n, fmt::format("ceil_mode pooling of a tensor padded by {}: the last window starts in the padding, "
                                 "which the IR drops",
                                 x.origin));
  }
  set_value(n, 0, y);
}

void Converter::op_global_avg_pool(const NodeProto &n) {
  const ValueId x = materialize(n, 0);
  if (g_.shape(x).rank() != 4) fail(n, fmt::format("the input must be [N, C, H, W], got {}", g_.shape(x).str()));
  set_value(n, 0, emit(n, OpKind::GlobalAvgPool, {x}));
}

// ReduceMean over the two spatial axes of [N, C, H, W] is global_avg_pool (keepdims = 0: viewed as [N, C]).
void Converter::op_reduce_mean(const NodeProto &n) {
  std::optional<std::vector<int64_t>> axes = attr_ints(n, "axes");
  if (has_input(n, 1)) axes = ints_in(n, 1, "axes");
  const ValueId x = materialize(n, 0);
  const Shape xs = g_.shape(x);
  std::set<int64_t> norm;
  if (axes)
    for (int64_t ax : *axes) norm.insert(ax < 0 ? ax + int64_t(xs.rank()) : ax);
  if (xs.rank() != 4 || norm != std::set<int64_t>{2, 3})
    unsupported(n, fmt::format("ReduceMean over axes {} of {}: only the spatial axes [2, 3] of [N, C, H, W] (a global "
                               "average pool)",
                               axes ? dims_str(*axes) : "(all)", xs.str()));
  const ValueId y = emit(n, OpKind::GlobalAvgPool, {x});
  Sym s;
  s.base = y;
  s.dims = g_.shape(y).dims;
  if (attr_int(n, "keepdims", 1) == 0) {
    s.dims = {xs[0], xs[1]};
    s.origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  }
  set_sym(n, 0, std::move(s));
}

// Gemm: Y = alpha * A * op(B) + beta * C as dense: W = alpha * op(B) as [M, K] (nn.Linear layout), bias = beta * C.
void Converter::op_gemm(const NodeProto &n) {
  if (attr_int(n, "transA", 0) != 0) unsupported(n, "transA = 1");
  const ValueId x = materialize(n, 0);
  ConstPtr b = const_in(n, 1, "B");
  ConstPtr c = const_in_opt(n, 2, "C");
  const float alpha = attr_float(n, "alpha", 1.0f), beta = attr_float(n, "beta", 1.0f);
  const Shape xs = g_.shape(x);
  if (xs.rank() != 2) fail(n, fmt::format("A must be a matrix [N, K], got {}", xs.str()));
  if (b->dims.size() != 2 || !b->is_float) fail(n, fmt::format("B must be a float matrix, got {}", dims_str(b->dims)));
  const bool trans_b = attr_int(n, "transB", 0) != 0;
  ConstTensor w = trans_b ? *b : transpose_const(*b, {1, 0});
  const int64_t M = w.dims[0], K = w.dims[1];
  if (K != xs[1])
    fail(n, fmt::format("A {} and B {} (transB = {}) do not multiply", xs.str(), dims_str(b->dims), int(trans_b)));
  std::string wname = n.input(1);
  if (alpha != 1.0f) {
    for (float &v : w.f) v *= alpha;
    wname = label(n) + ".weight";
  }
  std::vector<ValueId> ins{x};
  if (alpha == 1.0f && trans_b) ins.push_back(ir_const(n, b, wname));  // B as it is, shared with other users
  else ins.push_back(ir_const(n, std::move(w), trans_b ? wname : label(n) + ".weight"));
  if (c && beta != 0.0f) {
    // C broadcasts to [N, M]; the IR's bias is one row, so C must not vary along N (unless N = 1).
    if (!c->is_float) fail(n, "C must be a float tensor");
    const std::vector<int64_t> &cd = c->dims;
    const bool row = cd.empty() || (cd.size() == 1 && (cd[0] == M || cd[0] == 1)) ||
                     (cd.size() == 2 && (cd[0] == 1 || xs[0] == 1) && (cd[1] == M || cd[1] == 1) &&
                      (cd[0] == 1 || cd[0] == xs[0]));
    if (!row) unsupported(n, fmt::format("bias C of shape {} for output [{}, {}]", dims_str(cd), xs[0], M));
    const bool per_m = !cd.empty() && cd.back() == M && M != 1;
    ConstTensor bias;
    bias.dims = {M};
    bias.f.resize(size_t(M));
    for (int64_t m = 0; m < M; ++m) bias.f[size_t(m)] = beta * c->f[size_t(per_m ? m : 0)];
    const bool same = beta == 1.0f && cd.size() == 1 && cd[0] == M;
    ins.push_back(same ? ir_const(n, c, n.input(2)) : ir_const(n, std::move(bias), label(n) + ".bias"));
  }
  set_value(n, 0, emit(n, OpKind::Dense, ins));
}

// MatMul with a constant [K, M] right operand is dense with W = B^T; a following Add of a constant is its bias.
void Converter::op_matmul(const NodeProto &n) {
  const ValueId x = materialize(n, 0);
  const Sym &bs = in(n, 1);
  if (!bs.is_const()) unsupported(n, "MatMul of two computed tensors (the right operand must be a constant weight)");
  const ConstTensor &b = *bs.c;
  const Shape xs = g_.shape(x);
  if (xs.rank() != 2 || b.dims.size() != 2 || !b.is_float)
    unsupported(n, fmt::format("MatMul of {} by {}: only [N, K] x [K, M] with a float weight", xs.str(),
                               dims_str(b.dims)));
  if (b.dims[0] != xs[1]) fail(n, fmt::format("{} and {} do not multiply", xs.str(), dims_str(b.dims)));
  set_value(n, 0, emit(n, OpKind::Dense, {x, ir_const(n, transpose_const(b, {1, 0}), label(n) + ".weight")}));
}

void Converter::reshape_to(const NodeProto &n, const Sym &x, std::vector<int64_t> dims) {
  const std::string origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  if (x.is_const()) {
    ConstTensor t = *x.c;
    t.dims = std::move(dims);
    set_const(n, 0, std::move(t));
    return;
  }
  Sym s;
  if (x.layout == Layout::Padded) materialize(n, x);  // throws
  if (x.layout == Layout::Shuffled) {
    // The channel shuffle: the transposed view read back in row-major order.
    Attrs a;
    a.groups = x.groups;
    s.base = emit(n, OpKind::ChannelShuffle, {x.base}, a);
  } else {
    s.base = x.base;
  }
  s.dims = std::move(dims);
  if (s.dims != g_.shape(s.base).dims) s.origin = origin;
  set_sym(n, 0, std::move(s));
}

void Converter::op_flatten(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  int64_t axis = attr_int(n, "axis", 1);
  if (axis < -rank || axis > rank) fail(n, fmt::format("axis {} is out of range for rank {}", axis, rank));
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < rank; ++k) (k < axis ? outer : inner) *= d[size_t(k)];
  reshape_to(n, x, {outer, inner});
}

void Converter::op_reshape(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const std::vector<int64_t> want = ints_in(n, 1, "target shape");
  const bool allowzero = attr_int(n, "allowzero", 0) != 0;
  int64_t total = 1;
  for (int64_t v : d) total *= v;
  std::vector<int64_t> out;
  int infer_at = -1;
  int64_t known = 1;
  for (size_t k = 0; k < want.size(); ++k) {
    int64_t v = want[k];
    if (v == 0 && !allowzero) {
      if (k >= d.size()) fail(n, fmt::format("target shape {} copies dimension {} of {}, which has none",
                                             dims_str(want), k, dims_str(d)));
      v = d[k];
    }
    if (v == -1) {
      if (infer_at >= 0) fail(n, fmt::format("target shape {} has more than one -1", dims_str(want)));
      infer_at = int(k);
      out.push_back(1);
      continue;
    }
    if (v < 0) fail(n, fmt::format("target shape {} has a negative dimension", dims_str(want)));
    if (v > 0 && known > kMaxElements / v) fail(n, fmt::format("target shape {} is absurdly large", dims_str(want)));
    known *= v;
    out.push_back(v);
  }
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0)
      fail(n, fmt::format("cannot reshape {} to {}", dims_str(d), dims_str(want)));
    out[size_t(infer_at)] = total / known;
  } else if (known != total) {
    fail(n, fmt::format("cannot reshape {} ({} elements) to {}", dims_str(d), total, dims_str(out)));
  }
  reshape_to(n, x, out);
}

void Converter::op_transpose(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  std::vector<int64_t> perm;
  if (auto p = attr_ints(n, "perm")) perm = *p;
  else
    for (int64_t k = rank; k-- > 0;) perm.push_back(k);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool is_perm = int64_t(perm.size()) == rank;
  for (int64_t k = 0; is_perm && k < rank; ++k) is_perm = sorted[size_t(k)] == k;
  if (!is_perm) fail(n, fmt::format("perm {} is not a permutation of the {} axes", dims_str(perm), rank));
  std::vector<int64_t> od;
  for (int64_t p : perm) od.push_back(d[size_t(p)]);
  if (x.is_const()) {
    set_const(n, 0, transpose_const(*x.c, perm));
    return;
  }
  const std::string origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  std::vector<int64_t> swap12(static_cast<size_t>(rank));
  for (int64_t k = 0; k < rank; ++k) swap12[size_t(k)] = k;
  if (rank >= 3) std::swap(swap12[1], swap12[2]);
  if (x.layout == Layout::Shuffled) {
    if (perm != swap12) unsupported(n, fmt::format("Transpose perm {} of the channel-shuffle tensor", dims_str(perm)));
    Sym s = x;  // transposing back: the plain [N, a, b, ...] view of the base
    s.layout = Layout::Plain;
    s.dims = od;
    s.origin = origin;
    set_sym(n, 0, std::move(s));
    return;
  }
  if (x.layout == Layout::Padded) materialize(n, x);  // throws
  // A transpose that keeps the order of the non-1 axes moves no data.
  std::vector<int64_t> before, after;
  for (int64_t k = 0; k < rank; ++k) {
    if (d[size_t(k)] != 1) before.push_back(k);
    if (od[size_t(k)] != 1) after.push_back(perm[size_t(k)]);
  }
  if (before == after) {
    reshape_to(n, x, od);
    return;
  }
  // The channel shuffle: the base [N, C, H, W] viewed as [N, a, b, rest...] with a * b = C, transposed to
  // [N, b, a, rest...]. Read back in row-major order it is channel_shuffle with groups = a.
  const Shape bs = g_.shape(x.base);
  int64_t rest = 1;
  for (int64_t k = 3; k < rank; ++k) rest *= d[size_t(k)];
  if (perm == swap12 && rank >= 3 && bs.rank() == 4 && d[0] == bs[0] && d[1] * d[2] == bs[1] &&
      rest == bs[2] * bs[3]) {
    Sym s;
    s.base = x.base;
    s.dims = od;
    s.layout = Layout::Shuffled;
    s.groups = d[1];
    s.origin = origin;
    set_sym(n, 0, std::move(s));
    return;
  }
  unsupported(n, fmt::format("Transpose perm {} of {} (viewing {}): shufflec supports the channel-shuffle pattern "
                             "and transposes that move no data",
                             dims_str(perm), dims_str(d), bs.str()));
}

void Converter::op_softmax(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  int64_t axis = attr_int(n, "axis", opset_ >= 13 ? -1 : 1);
  if (axis < -rank || axis >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", axis, rank));
  if (axis < 0) axis += rank;
  // Before opset 13 Softmax flattens to [prod(d[:axis]), prod(d[axis:])]; from 13 on it runs along one axis, which
  // is the same thing when every later axis has size 1.
  bool ok = axis == 1;
  if (opset_ >= 13)
    for (int64_t k = axis + 1; k < rank; ++k) ok &= d[size_t(k)] == 1;
  if (!ok || x.is_const())
    unsupported(n, fmt::format("Softmax along axis {} of {}: shufflec supports the class axis 1 of [N, K]", axis,
                               dims_str(d)));
  int64_t K = 1;
  for (int64_t k = 1; k < rank; ++k) K *= d[size_t(k)];
  Sym flat = x;
  flat.dims = {d[0], K};
  const ValueId y = emit(n, OpKind::Softmax, {materialize(n, flat)});
  Sym s;
  s.base = y;
  s.dims = d;
  if (rank != 2) s.origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  set_sym(n, 0, std::move(s));
}

void Converter::op_identity(const NodeProto &n) { set_sym(n, 0, in(n, 0)); }

void Converter::op_dropout(const NodeProto &n) {
  if (has_input(n, 2)) {
    ConstPtr t = const_in(n, 2, "training_mode");
    if (t->count() != 1 || t->at(0) != 0.0) unsupported(n, "training_mode = true");
  }
  require_unused(n, 1);
  set_sym(n, 0, in(n, 0));
}

void Converter::op_constant(const NodeProto &n) {
  if (n.attribute_size() != 1) fail(n, "needs exactly one value attribute");
  const AttributeProto &a = n.attribute(0);
  ConstTensor t;
  if (a.name() == "value") {
    if (a.type() != AttributeProto::TENSOR) fail(n, "attribute 'value' must be a tensor");
    t = *decode_tensor(a.t(), fmt::format("node '{}' (Constant)", label(n)));
  } else if (a.name() == "value_float" && a.type() == AttributeProto::FLOAT) {
    t.f = {a.f()};
  } else if (a.name() == "value_floats" && a.type() == AttributeProto::FLOATS) {
    t.dims = {a.floats_size()};
    t.f.assign(a.floats().begin(), a.floats().end());
  } else if (a.name() == "value_int" && a.type() == AttributeProto::INT) {
    t.is_float = false;
    t.i = {a.i()};
  } else if (a.name() == "value_ints" && a.type() == AttributeProto::INTS) {
    t.is_float = false;
    t.dims = {a.ints_size()};
    t.i.assign(a.ints().begin(), a.ints().end());
  } else {
    fail(n, fmt::format("attribute '{}' has the wrong type", clip_text(a.name(), 64)));
  }
  set_const(n, 0, std::move(t));
}

void Converter::op_constant_of_shape(const NodeProto &n) {
  const std::vector<int64_t> dims = ints_in(n, 0, "shape");
  if (checked_count(dims, kMaxFoldElements) < 0)
    fail(n, fmt::format("shape {} is negative or absurdly large", dims_str(dims)));
  ConstTensor fill;
  fill.f = {0.0f};
  if (const AttributeProto *a = attr(n, "value")) {
    if (a->type() != AttributeProto::TENSOR) fail(n, "attribute 'value' must be a tensor");
    fill = *decode_tensor(a->t(), fmt::format("node '{}' (ConstantOfShape)", label(n)));
    if (fill.count() != 1) fail(n, "attribute 'value' must hold one element");
  }
  ConstTensor t = make_like(fill, dims);
  for (int64_t k = 0; k < t.count(); ++k) copy_elem(fill, 0, t, k);
  set_const(n, 0, std::move(t));
}

void Converter::op_shape(const NodeProto &n) {
  const std::vector<int64_t> d = sym_dims(in(n, 0));
  const int64_t rank = int64_t(d.size());
  auto clamp = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = clamp(attr_int(n, "start", 0)), end = clamp(attr_int(n, "end", rank));
  ConstTensor t;
  t.is_float = false;
  for (int64_t k = start; k < end; ++k) t.i.push_back(d[size_t(k)]);
  t.dims = {int64_t(t.i.size())};
  set_const(n, 0, std::move(t));
}

void Converter::op_gather(const NodeProto &n) {
  const ConstTensor &x = *const_in(n, 0, "data");
  const ConstTensor &idx = *const_in(n, 1, "indices");
  if (idx.is_float) fail(n, "indices must be integers");
  const int64_t rank = int64_t(x.dims.size());
  bool ok;
  const int64_t axis = norm_axis(attr_int(n, "axis", 0), rank, ok);
  if (!ok) fail(n, fmt::format("axis is out of range for rank {}", rank));
  std::vector<int64_t> od(x.dims.begin(), x.dims.begin() + axis);
  od.insert(od.end(), idx.dims.begin(), idx.dims.end());
  od.insert(od.end(), x.dims.begin() + axis + 1, x.dims.end());
  if (checked_count(od, kMaxFoldElements) < 0) fail(n, "the folded result is absurdly large");
  ConstTensor z = make_like(x, od);
  const int64_t dim = x.dims[size_t(axis)];
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < axis; ++k) outer *= x.dims[size_t(k)];
  for (int64_t k = axis + 1; k < rank; ++k) inner *= x.dims[size_t(k)];
  int64_t j = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t q = 0; q < idx.count(); ++q) {
      int64_t v = idx.i[size_t(q)];
      if (v < -dim || v >= dim) fail(n, fmt::format("index {} is out of range for a dimension of size {}", v, dim));
      if (v < 0) v += dim;
      for (int64_t r = 0; r < inner; ++r) copy_elem(x, (o * dim + v) * inner + r, z, j++);
    }
  set_const(n, 0, std::move(z));
}

void Converter::op_unsqueeze(const NodeProto &n) {
  const Sym &x = in(n, 0);
  std::vector<int64_t> axes;
  if (opset_ >= 13) axes = ints_in(n, 1, "axes");
  else if (auto a = attr_ints(n, "axes")) axes = *a;
  else fail(n, "the attribute 'axes' is required");
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size() + axes.size());
  std::vector<bool> at(size_t(rank), false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
    if (at[size_t(a < 0 ? a + rank : a)]) fail(n, "an axis is repeated");
    at[size_t(a < 0 ? a + rank : a)] = true;
  }
  std::vector<int64_t> od;
  size_t k = 0;
  for (int64_t r = 0; r < rank; ++r) od.push_back(at[size_t(r)] ? 1 : d[k++]);
  reshape_to(n, x, od);
}

void Converter::op_squeeze(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  std::optional<std::vector<int64_t>> axes;
  if (opset_ >= 13) {
    if (has_input(n, 1)) axes = ints_in(n, 1, "axes");
  } else {
    axes = attr_ints(n, "axes");
  }
  std::vector<bool> drop(size_t(rank), false);
  if (axes) {
    for (int64_t a : *axes) {
      if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
      const int64_t k = a < 0 ? a + rank : a;
      if (d[size_t(k)] != 1) fail(n, fmt::format("axis {} of {} has size {}, not 1", a, dims_str(d), d[size_t(k)]));
      drop[size_t(k)] = true;
    }
  } else {
    for (int64_t k = 0; k < rank; ++k) drop[size_t(k)] = d[size_t(k)] == 1;
  }
  std::vector<int64_t> od;
  for (int64_t k = 0; k < rank; ++k)
    if (!drop[size_t(k)]) od.push_back(d[size_t(k)]);
  reshape_to(n, x, od);
}

void Converter::op_cast(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const int64_t to = attr_int(n, "to", 0);
  const bool to_float = to == TensorProto::FLOAT || to == TensorProto::DOUBLE;
  const bool to_int = to == TensorProto::INT64 || to == TensorProto::INT32 || to == TensorProto::INT16 ||
                      to == TensorProto::INT8 || to == TensorProto::UINT8 || to == TensorProto::UINT16 ||
                      to == TensorProto::UINT32 || to == TensorProto::UINT64 || to == TensorProto::BOOL;
  if (!to_float && !to_int) unsupported(n, fmt::format("Cast to {}", data_type_name(int(to))));
  if (!x.is_const()) {
    if (to != TensorProto::FLOAT)
      unsupported(n, fmt::format("Cast of a computed tensor to {}", data_type_name(int(to))));
    set_sym(n, 0, x);
    return;
  }
  const ConstTensor &c = *x.c;
  ConstTensor t;
  t.dims = c.dims;
  t.is_float = to_float;
  for (int64_t k = 0; k < c.count(); ++k) {
    if (to_float) {
      t.f.push_back(float(c.at(k)));
    } else {
      const double v = c.at(k);
      if (to == TensorProto::BOOL) t.i.push_back(v != 0.0);
      else if (!c.is_float) t.i.push_back(c.i[size_t(k)]);
      else if (!(std::fabs(v) < 9.2e18)) fail(n, "a value does not fit the integer type");
      else t.i.push_back(int64_t(v));  // truncation toward zero
    }
  }
  set_const(n, 0, std::move(t));
}

// Slice: folded on constants; on a run-time [N, C, H, W] tensor, a channel range that is one of k equal parts.
void Converter::op_slice(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  const std::vector<int64_t> starts = ints_in(n, 1, "starts"), ends = ints_in(n, 2, "ends");
  std::vector<int64_t> axes, steps;
  if (has_input(n, 3)) axes = ints_in(n, 3, "axes");
  else
    for (int64_t k = 0; k < int64_t(starts.size()); ++k) axes.push_back(k);
  if (has_input(n, 4)) steps = ints_in(n, 4, "steps");
  else steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    fail(n, "starts, ends, axes and steps must have the same length");
  std::vector<int64_t> lo(size_t(rank), 0), hi = d, st(size_t(rank), 1);
  std::vector<bool> seen(size_t(rank), false);
  for (size_t k = 0; k < starts.size(); ++k) {
    int64_t a = axes[k];
    if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
    if (a < 0) a += rank;
    if (seen[size_t(a)]) fail(n, "an axis is repeated");
    seen[size_t(a)] = true;
    const int64_t dim = d[size_t(a)], step = steps[k];
    if (step == 0 || step < -kMaxElements || step > kMaxElements) fail(n, fmt::format("step {} is 0 or absurd", step));
    int64_t s = starts[k], e = ends[k];
    if (s < 0) s = s < -dim ? 0 : s + dim;
    if (e < 0) e = e < -dim ? -1 : e + dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    lo[size_t(a)] = s;
    hi[size_t(a)] = e;
    st[size_t(a)] = step;
  }
  std::vector<int64_t> od(static_cast<size_t>(rank));
  for (int64_t k = 0; k < rank; ++k) {
    const int64_t span = st[size_t(k)] > 0 ? hi[size_t(k)] - lo[size_t(k)] : lo[size_t(k)] - hi[size_t(k)];
    const int64_t step = std::abs(st[size_t(k)]);
    od[size_t(k)] = span <= 0 ? 0 : 1 + (span - 1) / step;
  }
  if (x.is_const()) {
    ConstTensor z = make_like(*x.c, od);
    const auto xs = strides_of(d);
    std::vector<int64_t> idx(size_t(rank), 0);
    for (int64_t j = 0; j < z.count(); ++j) {
      int64_t src = 0;
      for (int64_t k = 0; k < rank; ++k) src += (lo[size_t(k)] + idx[size_t(k)] * st[size_t(k)]) * xs[size_t(k)];
      copy_elem(*x.c, src, z, j);
      for (int64_t k = rank; k-- > 0;) {
        if (++idx[size_t(k)] < od[size_t(k)]) break;
        idx[size_t(k)] = 0;
      }
    }
    set_const(n, 0, std::move(z));
    return;
  }
  const ValueId xv = materialize(n, x);
  const Shape xs = g_.shape(xv);
  bool only_channels = xs.rank() == 4;
  for (int64_t k = 0; k < rank && only_channels; ++k)
    if (k != 1 && (lo[size_t(k)] != 0 || od[size_t(k)] != d[size_t(k)] || st[size_t(k)] != 1)) only_channels = false;
  const int64_t C = xs.rank() == 4 ? xs[1] : 0, len = only_channels ? od[1] : 0;
  if (!only_channels || st[1] != 1 || len < 1 || C % len != 0 || lo[1] % len != 0)
    unsupported(n, fmt::format("Slice of {} to {}: on computed tensors shufflec supports only a channel range that is "
                               "one of k equal parts",
                               dims_str(d), dims_str(od)));
  if (len == C) {
    set_value(n, 0, xv);
    return;
  }
  set_value(n, 0, select_channels(n, xv, C / len, lo[1] / len, label(n)));
}

// Split: folded on constants; on a run-time [N, C, H, W] tensor, equal channel parts (ShuffleNet v2's chunk).
void Converter::op_split(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::vector<int64_t> d = sym_dims(x);
  const int64_t rank = int64_t(d.size());
  bool ok;
  const int64_t axis = norm_axis(attr_int(n, "axis", 0), rank, ok);
  if (!ok) fail(n, fmt::format("axis is out of range for rank {}", rank));
  std::vector<int64_t> sizes;
  if (has_input(n, 1)) sizes = ints_in(n, 1, "split");
  else if (auto s = attr_ints(n, "split")) sizes = *s;
  else {
    const int64_t parts = n.output_size();
    if (parts < 1 || d[size_t(axis)] % parts != 0)
      unsupported(n, fmt::format("Split of {} into {} uneven parts", dims_str(d), parts));
    sizes.assign(size_t(parts), d[size_t(axis)] / parts);
  }
  if (int64_t(sizes.size()) != n.output_size()) fail(n, "the number of split sizes differs from the outputs");
  int64_t sum = 0;
  for (int64_t s : sizes) {
    if (s < 0 || s > d[size_t(axis)]) fail(n, fmt::format("split size {} is out of range", s));
    sum += s;
  }
  if (sum != d[size_t(axis)])
    fail(n, fmt::format("split sizes {} do not add up to {}", dims_str(sizes), d[size_t(axis)]));
  if (x.is_const()) {
    int64_t outer = 1, inner = 1;
    for (int64_t k = 0; k < axis; ++k) outer *= d[size_t(k)];
    for (int64_t k = axis + 1; k < rank; ++k) inner *= d[size_t(k)];
    int64_t at = 0;
    for (size_t p = 0; p < sizes.size(); ++p) {
      std::vector<int64_t> od = d;
      od[size_t(axis)] = sizes[p];
      ConstTensor z = make_like(*x.c, od);
      int64_t j = 0;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t q = 0; q < sizes[p] * inner; ++q) copy_elem(*x.c, o * d[size_t(axis)] * inner + at + q, z, j++);
      at += sizes[p] * inner;
      set_const(n, int(p), std::move(z));
    }
    return;
  }
  const ValueId xv = materialize(n, x);
  const bool equal = std::all_of(sizes.begin(), sizes.end(), [&](int64_t s) { return s == sizes[0]; });
  if (g_.shape(xv).rank() != 4 || axis != 1 || !equal || sizes[0] < 1)
    unsupported(n, fmt::format("Split of {} along axis {} into {}: on computed tensors shufflec supports equal channel "
                               "parts",
                               dims_str(d), axis, dims_str(sizes)));
  const int64_t parts = int64_t(sizes.size());
  for (int64_t p = 0; p < parts; ++p) {
    if (n.output(int(p)).empty() || !consumers_.count(n.output(int(p)))) continue;
    if (parts == 1) set_value(n, 0, xv);
    else set_value(n, int(p), select_channels(n, xv, parts, p, clip_text(n.output(int(p)))));
  }
}

// Pad with zeros on H and W of a run-time [N, C, H, W] tensor: a pending view that the next Conv or AveragePool
// absorbs into its own padding.
void Converter::op_pad(const NodeProto &n) {
  const Sym &x = in(n, 0);
  const std::string mode = attr_string(n, "mode", "constant");
  if (mode != "constant") unsupported(n, fmt::format("Pad mode '{}' (only zero padding)", clip_text(mode, 32)));
  if (ConstPtr v = const_in_opt(n, 2, "constant_value"))
    if (v->count() != 1 || v->at(0) != 0.0) unsupported(n, "Pad with a non-zero value (only zero padding)");
  if (x.is_const()) unsupported(n, "Pad of a constant");
  const std::vector<int64_t> d = x.dims;
  const int64_t rank = int64_t(d.size());
  std::vector<int64_t> p = ints_in(n, 1, "pads");
  std::vector<int64_t> axes;
  if (has_input(n, 3)) axes = ints_in(n, 3, "axes");
  else
    for (int64_t k = 0; k < rank; ++k) axes.push_back(k);
  if (int64_t(p.size()) != 2 * int64_t(axes.size()))
    fail(n, fmt::format("pads {} must hold two values per axis", dims_str(p)));
  std::vector<int64_t> begin(size_t(rank), 0), end(size_t(rank), 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    int64_t a = axes[k];
    if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
    if (a < 0) a += rank;
    begin[size_t(a)] = p[k];
    end[size_t(a)] = p[k + axes.size()];
  }
  const bool spatial_only = rank == 4 && begin[0] == 0 && end[0] == 0 && begin[1] == 0 && end[1] == 0;
  if (!spatial_only || std::any_of(p.begin(), p.end(), [](int64_t v) { return v < 0 || v > kMaxElements; }))
    unsupported(n, fmt::format("Pad {} of {}: only non-negative zero padding of H and W", dims_str(p), dims_str(d)));
  Sym s;
  std::array<int64_t, 4> have{};
  if (x.layout == Layout::Padded) {
    s.base = x.base;
    have = x.pads;
  } else {
    s.base = materialize(n, x);
  }
  s.layout = Layout::Padded;
  s.pads = {have[0] + begin[2], have[1] + begin[3], have[2] + end[2], have[3] + end[3]};
  s.dims = {d[0], d[1], d[2] + begin[2] + end[2], d[3] + begin[3] + end[3]};
  s.origin = fmt::format("node '{}' ({})", label(n), n.op_type());
  set_sym(n, 0, std::move(s));
}

// relu6 placeholders (IR relu nodes made for Clip(0, 6)): fused into the producer when it has an activation
// attribute and nothing else reads it; otherwise, for [N, C, H, W], an exact depthwise 1x1 identity convolution
// carrying the relu6 (x * 1 + 0 is x).
void Converter::resolve_relu6() {
  for (const Relu6Pending &r : relu6_) {
    auto it = std::find_if(g_.nodes.begin(), g_.nodes.end(), [&](const Node &nd) { return nd.name == r.node; });
    SHUFFLEC_ASSERT(it != g_.nodes.end());
    const ValueId x = it->inputs[0], y = it->output;
    auto p = g_.producer(x);
    if (p && x != g_.output && g_.consumers(x).size() == 1) {
      Node &prod = g_.nodes[size_t(*p)];
      const auto &accepted = op_info(prod.op).attrs;
      if (std::find(accepted.begin(), accepted.end(), "activation") != accepted.end() &&
          prod.attrs.activation == Activation::None) {
        prod.attrs.activation = Activation::Relu6;
        for (Node &nd : g_.nodes)
          for (ValueId &v : nd.inputs)
            if (v == y) v = x;
        if (g_.output == y) g_.output = x;
        g_.nodes.erase(it);
        continue;
      }
    }
    const Shape xs = g_.shape(x);
    if (xs.rank() != 4)
      fail(fmt::format("{}: unsupported relu6 (Clip to [0, 6]) of {}: it must follow a Conv, Gemm, MatMul, Add or "
                       "pool whose output nothing else reads, or act on an [N, C, H, W] tensor",
                       r.where, xs.str()));
    const ValueId wv = g_.add_value(Value{unique_name(r.node + "/identity.weight"), ValueKind::Constant,
                                          Shape{{xs[1], 1, 1, 1}}, std::vector<float>(size_t(xs[1]), 1.0f)});
    Node &nd = *it;
    nd.op = OpKind::Conv2d;
    nd.inputs = {x, wv};
    nd.attrs = Attrs{};
    nd.attrs.groups = xs[1];
    nd.attrs.activation = Activation::Relu6;
  }
}

Graph Converter::run() {
  read_model();
  check_structure();
  prescan();
  g_.source = path_;
  g_.name = std::filesystem::path(path_).stem().string();
  // Initializers become constants; graph inputs that are initializers too (older exporters) are constants.
  for (int k : order_) {
    const NodeProto &n = model_.graph().node(k);
    for (const std::string &i : n.input())
      if (!i.empty() && !syms_.count(i) && initializers_.count(i)) {
        Sym s;
        s.c = decode_tensor(*initializers_.at(i), fmt::format("initializer '{}'", clip_text(i)));
        syms_[i] = std::move(s);
      }
  }
  setup_input();
  for (int k : order_) convert(model_.graph().node(k));
  const Sym &out = syms_.at(output_name_);
  if (out.is_const()) fail(fmt::format("the graph output '{}' is a constant", clip_text(output_name_)));
  const NodeProto &last = model_.graph().node(producer_.at(output_name_));
  g_.output = materialize(last, out);
  if (g_.output == g_.input) fail("the graph output is the graph input (the model computes nothing)");
  resolve_relu6();
  topo_sort(g_);
  infer_shapes(g_);
  remove_dead_code(g_);
  verify(g_);
  return std::move(g_);
}

}  // namespace

// ------------------------------------------------------------------------------------------------------------------

bool is_onnx_path(const std::string &path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".onnx";
}

void parse_input_shape(const std::string &spec, OnnxOptions &options) {
  const size_t eq = spec.rfind('=');
  const std::string name = eq == std::string::npos ? "" : spec.substr(0, eq);
  const std::string list = eq == std::string::npos ? spec : spec.substr(eq + 1);
  auto bad = [&]() {
    throw UserError("", "", fmt::format("--input-shape '{}' must be NAME=D0,D1,... with integers >= 1 (for example "
                                        "input=1,3,224,224)",
                                        clip_text(spec)));
  };
  std::vector<int64_t> dims;
  size_t start = 0;
  while (true) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string item = list.substr(start, comma - start);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos || item.size() > 12) bad();
    const int64_t v = std::stoll(item);
    if (v < 1) bad();
    dims.push_back(v);
    if (comma == list.size()) break;
    start = comma + 1;
  }
  if (eq != std::string::npos && name.empty()) bad();
  options.input_shapes[name] = dims;
}

Graph load_onnx_graph(const std::string &path, const OnnxOptions &options) {
  return Converter(path, options).run();
}

JsonGraphFiles graph_to_json(const Graph &g, const std::string &weights_file) {
  using ojson = nlohmann::ordered_json;
  JsonGraphFiles out;
  // Constants in order of first use, each at a 64-byte aligned offset.
  std::vector<ValueId> consts;
  std::set<ValueId> seen;
  for (const Node &n : g.nodes)
    for (ValueId v : n.inputs)
      if (g.is_constant(v) && seen.insert(v).second) consts.push_back(v);
  std::vector<ojson> const_lines;
  for (ValueId v : consts) {
    const Value &val = g.value(v);
    const size_t offset = (out.weights.size() + 63) / 64 * 64;
    out.weights.resize(offset, '\0');
    for (float f : val.data) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      for (int k = 0; k < 4; ++k) out.weights.push_back(char((bits >> (8 * k)) & 0xff));
    }
    ojson c = ojson::object();
    c["name"] = val.name;
    c["shape"] = val.shape.dims;
    c["offset"] = offset;
    const_lines.push_back(std::move(c));
  }
  std::vector<ojson> node_lines;
  for (const Node &n : g.nodes) {
    const OpInfo &info = op_info(n.op);
    ojson j = ojson::object();
    j["name"] = n.name;
    j["op"] = std::string(info.name);
    std::vector<std::string> ins;
    for (ValueId v : n.inputs) ins.push_back(g.value(v).name);
    j["inputs"] = ins;
    ojson attrs = ojson::object();
    const Attrs &a = n.attrs;
    for (std::string_view key : info.attrs) {
      const std::string k(key);
      if (key == "kernel") attrs[k] = a.kernel;
      else if (key == "stride") attrs[k] = a.stride;
      else if (key == "dilation") attrs[k] = a.dilation;
      else if (key == "pads") attrs[k] = a.pads;
      else if (key == "groups") attrs[k] = a.groups;
      else if (key == "axis") attrs[k] = a.axis;
      else if (key == "epsilon") attrs[k] = a.epsilon;
      else if (key == "ceil_mode") attrs[k] = a.ceil_mode;
      else if (key == "count_include_pad") attrs[k] = a.count_include_pad;
      else if (key == "activation") attrs[k] = std::string(activation_name(a.activation));
    }
    if (!attrs.empty()) j["attrs"] = attrs;
    node_lines.push_back(std::move(j));
  }
  // Names from the model are valid UTF-8 (both frontends check), but the graph name and `converted_from` may come
  // from a file name, which can hold any bytes: those are written as U+FFFD rather than thrown on.
  auto text = [](const ojson &v) { return v.dump(-1, ' ', false, ojson::error_handler_t::replace); };
  auto kv = [&](const char *key, const ojson &v) { return "  " + ojson(key).dump() + ": " + text(v); };
  auto list = [&](const std::vector<ojson> &items) {
    std::string s = "[";
    for (size_t k = 0; k < items.size(); ++k) s += (k ? ",\n    " : "\n    ") + text(items[k]);
    return s + (items.empty() ? "]" : "\n  ]");
  };
  ojson input = ojson::object();
  input["name"] = g.value(g.input).name;
  input["shape"] = g.shape(g.input).dims;
  std::string s = "{\n";
  s += kv("format", "shufflec-graph") + ",\n";
  s += kv("version", 1) + ",\n";
  s += kv("name", g.name) + ",\n";
  if (!consts.empty()) {
    s += kv("weights_file", weights_file) + ",\n";
    s += kv("weights_bytes", out.weights.size()) + ",\n";
  }
  s += kv("inputs", ojson::array({input})) + ",\n";
  s += kv("outputs", ojson::array({g.value(g.output).name})) + ",\n";
  s += "  \"constants\": " + list(const_lines) + ",\n";
  s += "  \"nodes\": " + list(node_lines) + ",\n";
  ojson meta = ojson::object();
  meta["converted_from"] = std::filesystem::path(g.source).filename().string();
  s += kv("meta", meta) + "\n}\n";
  out.json = std::move(s);
  return out;
}

}  // namespace shufflec
