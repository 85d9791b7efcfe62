// Internals of the ONNX frontend (compiler/frontend/onnx_frontend.h is the public entry; docs/onnx.md). Each ONNX
// tensor becomes a symbolic value (`Sym`): either a constant known at load time (initializers, Constant nodes and the
// shape computations folded from them) or a run-time tensor backed by an IR value, possibly seen through a pending
// view (a reshape that moves no data, the transposed 5-D middle of the channel-shuffle pattern, or zero padding
// waiting for the Conv/AveragePool that absorbs it). Views are resolved when a consumer needs a real tensor.
// The Converter's members live in one file per job:
//   model_reader.cpp   the file: protobuf, structure checks, the prescan, the graph input
//   tensor_decode.cpp  TensorProto -> ConstTensor (raw, typed and external data)
//   node_io.cpp        a node's attributes, inputs and outputs
//   ir_builder.cpp     adding IR nodes and constants, materializing views
//   const_fold.cpp     load-time evaluation of constant subgraphs
//   ops_*.cpp          the op converters, by family
//   converter.cpp      the op table and the conversion driver
#pragma once
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "compiler/frontend/onnx_frontend.h"
#include "ir/op.h"

namespace shufflec::onnx_import {

using onnx::AttributeProto;
using onnx::NodeProto;
using onnx::TensorProto;

inline constexpr int64_t kMinOpset = 11, kMaxOpset = 18;
// Folded (load-time) tensors larger than this are refused: shape computations are tiny, and a hostile
// ConstantOfShape must not allocate gigabytes.
inline constexpr int64_t kMaxFoldElements = int64_t{1} << 26;

// Names from the file, shortened for messages (a hostile file may hold a megabyte-long name).
inline std::string clip_text(const std::string &s, size_t max = 160) {
  return s.size() <= max ? s : s.substr(0, max) + "...";
}

inline std::string label(const NodeProto &n) {
  if (!n.name().empty()) return clip_text(n.name());
  if (n.output_size() > 0 && !n.output(0).empty()) return clip_text(n.output(0));
  return "(unnamed)";
}

inline std::string dims_str(const std::vector<int64_t> &d) {
  return clip_text(fmt::format("[{}]", fmt::join(d, ", ")), 300);
}

// Element count with overflow checks; -1 when the product exceeds `limit`.
inline int64_t checked_count(const std::vector<int64_t> &dims, int64_t limit) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return -1;
    if (d == 0) return 0;
    if (n > limit / d) return -1;
    n *= d;
  }
  return n;
}

inline std::string data_type_name(int t) {
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
inline std::vector<int64_t> strides_of(const std::vector<int64_t> &dims) {
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
  ValueId channel_range(const NodeProto &n, ValueId x, int64_t begin, int64_t end, const std::string &name);

  // ---- ops --------------------------------------------------------------------------------------------------
  void convert(const NodeProto &n);
  void op_conv(const NodeProto &n);
  void op_batch_norm(const NodeProto &n);
  void op_relu(const NodeProto &n);
  void op_clip(const NodeProto &n);
  void op_binary(const NodeProto &n);
  void op_add_runtime(const NodeProto &n);
  void op_mul_runtime(const NodeProto &n);
  void op_sigmoid(const NodeProto &n);
  void op_hard_sigmoid(const NodeProto &n);
  void op_hard_swish(const NodeProto &n);
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
  std::string input_name_, output_name_;
};

// Constant folding helpers (const_fold.cpp).
// `axis` normalized into [0, rank); ok = false when it is out of range.
int64_t norm_axis(int64_t axis, int64_t rank, bool &ok);
// A zero tensor of `dims` with the element type of `proto`.
ConstTensor make_like(const ConstTensor &proto, std::vector<int64_t> dims);
void copy_elem(const ConstTensor &from, int64_t k, ConstTensor &to, int64_t j);
ConstTensor transpose_const(const ConstTensor &x, const std::vector<int64_t> &perm);
// The elements of x at lo[k] + i * step[k] along each axis k, i < out[k].
ConstTensor slice_const(const ConstTensor &x, const std::vector<int64_t> &lo, const std::vector<int64_t> &step,
                        const std::vector<int64_t> &out);
// Part [at, at + size) of x along `axis`.
ConstTensor split_part_const(const ConstTensor &x, int64_t axis, int64_t at, int64_t size);
// The parts (same rank and element type, equal but along `axis`) joined along `axis` into shape `out`.
ConstTensor concat_const(const std::vector<const ConstTensor *> &parts, int64_t axis, const std::vector<int64_t> &out);

// Pads per auto_pad for one axis: {begin, end}. Returns false for an unknown mode (ops_conv_pool.cpp).
bool auto_pads(const std::string &mode, int64_t in, int64_t k, int64_t s, int64_t d, int64_t &b, int64_t &e);

}  // namespace shufflec::onnx_import
