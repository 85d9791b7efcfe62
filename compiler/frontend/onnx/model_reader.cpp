// Reading an ONNX file: the protobuf, its structure (producers, liveness, order), the ops it needs, its graph input.
#include "compiler/frontend/onnx/converter.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <queue>

#include <google/protobuf/stubs/logging.h>

namespace shufflec::onnx_import {

void Converter::read_model() {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec)) fail("is a directory, not an ONNX model");
  // A FIFO or a device would block or never end: only regular files are read, and only up to protobuf's limit.
  const std::filesystem::file_status status = std::filesystem::status(path_, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) fail("is not a regular file");
  if (std::filesystem::exists(status) &&
      std::filesystem::file_size(path_, ec) > size_t(std::numeric_limits<int>::max()))
    fail("the model is larger than 2 GiB (protobuf's limit; keep the weights in external data files)");
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

// Producers, liveness from the graph output, missing tensors, cycles; fills producer_, consumers_ and order_.
namespace {

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

}  // namespace

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

// Before converting anything: which tensors are load-time constants, and which nodes shufflec cannot convert at all
// (unknown op types, other domains, constant-only ops fed a run-time tensor). All of those are reported at once.
void Converter::prescan() {
  const auto &graph = model_.graph();
  for (const auto &[name, t] : initializers_) static_.insert(name);
  static const std::set<std::string> foldable = {"Identity", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast",
                                                 "Slice", "Add", "Sub", "Mul", "Div", "Reshape", "Flatten",
                                                 "Transpose", "ConstantOfShape", "Split"};
  static const std::set<std::string> constant_only = {"Gather", "Sub", "Div", "ConstantOfShape"};
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
    // fmt rather than "'" + std::string: gcc 12 at -O3 warns falsely (-Wstringop-overflow) on the inlined insert.
    for (auto *vi : inputs) names.push_back(fmt::format("'{}'", clip_text(vi->name())));
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

}  // namespace shufflec::onnx_import
