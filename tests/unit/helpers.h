// Shared helpers for the unit tests: building graphs in C++, attribute shorthands, running the interpreter,
// catching UserErrors, temporary directories and files.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <unistd.h>

#include "ir/graph.h"
#include "ir/interpreter.h"
#include "ir/op.h"
#include "ir/verify.h"
#include "tests/common/with_schedules.h"

namespace shufflec::test {

// Attribute shorthand: A().stride(2).pads(1).groups(3) converts to Attrs.
struct A {
  Attrs a;
  A &kernel(int64_t k) { return kernel(k, k); }
  A &kernel(int64_t h, int64_t w) { a.kernel = {h, w}; return *this; }
  A &stride(int64_t s) { return stride(s, s); }
  A &stride(int64_t h, int64_t w) { a.stride = {h, w}; return *this; }
  A &dilation(int64_t d) { return dilation(d, d); }
  A &dilation(int64_t h, int64_t w) { a.dilation = {h, w}; return *this; }
  A &pads(int64_t p) { return pads(p, p, p, p); }
  A &pads(int64_t top, int64_t left, int64_t bottom, int64_t right) {
    a.pads = {top, left, bottom, right};
    return *this;
  }
  A &groups(int64_t g) { a.groups = g; return *this; }
  A &axis(int64_t x) { a.axis = x; return *this; }
  A &epsilon(double e) { a.epsilon = e; return *this; }
  A &act(Activation v) { a.activation = v; return *this; }
  A &hard_sigmoid(double alpha, double beta) { a.alpha = alpha; a.beta = beta; return *this; }
  A &ceil_mode(bool c = true) { a.ceil_mode = c; return *this; }
  A &count_include_pad(bool c) { a.count_include_pad = c; return *this; }
  // A pool window: kernel k, stride s (the JSON default stride is the kernel; in C++ it must be given).
  A &pool(int64_t k, int64_t s, int64_t p = 0) { return kernel(k).stride(s).pads(p); }
  operator Attrs() const { return a; }  // NOLINT: implicit on purpose
};

inline Shape S(std::vector<int64_t> dims) { return Shape{std::move(dims)}; }

// Deterministic, non-trivial constant data: small values of both signs.
inline std::vector<float> pattern(int64_t count, int seed = 0) {
  std::vector<float> v(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) v[static_cast<size_t>(i)] = float((i * 7 + seed * 3) % 11 - 5) * 0.125f;
  return v;
}

// Builds a Graph in C++: one input, constants and nodes (in any order; inputs are resolved by name at build()).
class GraphBuilder {
 public:
  explicit GraphBuilder(Shape input_shape, std::string input_name = "x") {
    g_.name = "test";
    g_.source = "test.json";
    g_.input = g_.add_value(Value{std::move(input_name), ValueKind::Input, std::move(input_shape), {}});
  }
  // A constant; without data it is filled with pattern().
  GraphBuilder &constant(const std::string &name, Shape shape, std::vector<float> data = {}) {
    if (data.empty()) data = pattern(shape.elements(), static_cast<int>(g_.values.size()));
    g_.add_value(Value{name, ValueKind::Constant, std::move(shape), std::move(data)});
    return *this;
  }
  GraphBuilder &node(const std::string &name, OpKind op, std::vector<std::string> inputs, Attrs attrs = {}) {
    Node n;
    n.name = name;
    n.op = op;
    n.attrs = std::move(attrs);
    n.output = g_.add_value(Value{name, ValueKind::Intermediate, {}, {}});
    g_.nodes.push_back(std::move(n));
    pending_.push_back(std::move(inputs));
    return *this;
  }
  // Resolves names, sorts, infers shapes and verifies (each may throw UserError). The output defaults to the
  // last node added.
  Graph build(const std::string &output = "") {
    Graph g = g_;
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (const std::string &in : pending_[i]) {
        auto id = g.find_value(in);
        if (!id) FAIL("test graph reads undefined name " << in);
        g.nodes[i].inputs.push_back(*id);
      }
    auto out = g.find_value(output.empty() ? g.nodes.back().name : output);
    if (!out) FAIL("test graph output undefined: " << output);
    g.output = *out;
    topo_sort(g);
    infer_shapes(g);
    verify(g);
    return g;
  }

 private:
  Graph g_;
  std::vector<std::vector<std::string>> pending_;
};

// Runs `f`, which must throw a UserError, and returns it.
inline UserError user_error(const std::function<void()> &f) {
  try {
    f();
  } catch (const UserError &e) {
    return e;
  }
  FAIL("expected a UserError, nothing was thrown");
  throw std::logic_error("unreachable");
}

// Runs the interpreter on `data` (which must fit the graph input's shape).
inline Tensor run(const Graph &g, std::vector<float> data) {
  REQUIRE(static_cast<int64_t>(data.size()) == g.shape(g.input).elements());
  return interpret(g, Tensor{g.shape(g.input), std::move(data)});
}

inline std::vector<float> iota(int64_t count, float start = 1.0f) {
  std::vector<float> v(static_cast<size_t>(count));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + float(i);
  return v;
}

// Element-wise approximate comparison with a readable failure.
inline void require_close(const std::vector<float> &got, const std::vector<float> &want, double eps = 1e-5) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    REQUIRE(got[i] == Approx(want[i]).epsilon(eps).margin(eps));
  }
}

// A fresh directory under the system temp dir, removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "shufflec-unit-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return path_; }
  std::string operator/(const std::string &name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string &path, const std::string &contents) {
  std::ofstream out(path, std::ios::binary);
  REQUIRE(out);
  out << contents;
  REQUIRE(out.good());
}

inline std::string read_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Raw little-endian float32 bytes.
inline std::string le_floats(const std::vector<float> &values) {
  std::string out;
  for (float f : values) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
  }
  return out;
}

// A small ShuffleNet v1 shaped network: stem conv + max pool, a stride-2 unit (grouped 1x1, channel shuffle,
// depthwise 3x3, grouped 1x1, avg-pool shortcut, concat), a stride-1 unit (the same with an add), global pool,
// flatten, fc, softmax. Input [1, 3, 16, 16], output [1, 10].
inline Graph mini_shufflenet() {
  GraphBuilder b(S({1, 3, 16, 16}), "image");
  auto bn = [&](const std::string &name, int64_t c) {
    b.constant(name + ".scale", S({c})).constant(name + ".bias", S({c})).constant(name + ".mean", S({c}));
    std::vector<float> var(static_cast<size_t>(c));
    for (size_t i = 0; i < var.size(); ++i) var[i] = 0.5f + 0.25f * float(i % 3);
    b.constant(name + ".var", S({c}), var);
  };
  b.constant("conv1.w", S({8, 3, 3, 3})).constant("conv1.b", S({8}));
  b.node("conv1", OpKind::Conv2d, {"image", "conv1.w", "conv1.b"}, A().stride(2).pads(1).act(Activation::Relu));
  b.node("pool1", OpKind::MaxPool, {"conv1"}, A().pool(3, 2, 1));
  // Unit A: stride 2, concat.
  b.constant("a.g1.w", S({8, 4, 1, 1}));
  b.node("a.g1", OpKind::Conv2d, {"pool1", "a.g1.w"}, A().groups(2).act(Activation::Relu));
  b.node("a.shuffle", OpKind::ChannelShuffle, {"a.g1"}, A().groups(2));
  b.constant("a.dw.w", S({8, 1, 3, 3}));
  b.node("a.dw", OpKind::Conv2d, {"a.shuffle", "a.dw.w"}, A().groups(8).stride(2).pads(1));
  bn("a.bn", 8);
  b.node("a.bn", OpKind::BatchNorm, {"a.dw", "a.bn.scale", "a.bn.bias", "a.bn.mean", "a.bn.var"});
  b.constant("a.g2.w", S({8, 4, 1, 1}));
  b.node("a.g2", OpKind::Conv2d, {"a.bn", "a.g2.w"}, A().groups(2));
  b.node("a.short", OpKind::AvgPool, {"pool1"}, A().pool(3, 2, 1));
  b.node("a.cat", OpKind::Concat, {"a.short", "a.g2"});
  b.node("a.relu", OpKind::Relu, {"a.cat"});
  // Unit B: stride 1, add.
  b.constant("b.g1.w", S({16, 8, 1, 1}));
  b.node("b.g1", OpKind::Conv2d, {"a.relu", "b.g1.w"}, A().groups(2).act(Activation::Relu));
  b.node("b.shuffle", OpKind::ChannelShuffle, {"b.g1"}, A().groups(2));
  b.constant("b.dw.w", S({16, 1, 3, 3}));
  b.node("b.dw", OpKind::Conv2d, {"b.shuffle", "b.dw.w"}, A().groups(16).pads(1));
  b.constant("b.g2.w", S({16, 8, 1, 1}));
  b.node("b.g2", OpKind::Conv2d, {"b.dw", "b.g2.w"}, A().groups(2));
  b.node("b.add", OpKind::Add, {"b.g2", "a.relu"}, A().act(Activation::Relu));
  // Head.
  b.node("gap", OpKind::GlobalAvgPool, {"b.add"});
  b.node("flat", OpKind::Flatten, {"gap"});
  b.constant("fc.w", S({10, 16})).constant("fc.b", S({10}));
  b.node("fc", OpKind::Dense, {"flat", "fc.w", "fc.b"});
  b.node("prob", OpKind::Softmax, {"fc"});
  Graph g = b.build();
  g.name = "mini_shufflenet";
  return g;
}

inline std::string source_path(const std::string &relative) {
  return std::string(SHUFFLEC_SOURCE_DIR) + "/" + relative;
}

}  // namespace shufflec::test
