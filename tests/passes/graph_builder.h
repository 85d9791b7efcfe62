// Builds small graphs in C++ for pass tests, with seeded random constants.
#pragma once
#include <random>

#include "ir/op.h"
#include "ir/verify.h"
#include "tests/common/with_schedules.h"

namespace shufflec::testing {

class GraphBuilder {
 public:
  explicit GraphBuilder(Shape input, uint32_t seed = 1) : rng_(seed) {
    g_.name = "test";
    g_.source = "test.json";
    g_.input = g_.add_value(Value{"input", ValueKind::Input, std::move(input), {}});
  }
  ValueId input() const { return g_.input; }
  const Shape &shape(ValueId v) const { return g_.shape(v); }

  ValueId constant(const std::string &name, Shape shape, float lo = -0.5f, float hi = 0.5f) {
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> data(static_cast<size_t>(shape.elements()));
    for (float &v : data) v = dist(rng_);
    return g_.add_value(Value{name, ValueKind::Constant, std::move(shape), std::move(data)});
  }

  ValueId node(const std::string &name, OpKind op, std::vector<ValueId> inputs, Attrs attrs = {}) {
    Node n;
    n.name = name;
    n.op = op;
    n.inputs = std::move(inputs);
    n.attrs = std::move(attrs);
    n.output = g_.add_value(Value{name, ValueKind::Intermediate, {}, {}});
    g_.nodes.push_back(n);
    g_.value(n.output).shape = op_info(op).infer(g_, g_.nodes.back());
    return n.output;
  }

  // Convenience layers.
  ValueId conv(const std::string &name, ValueId x, int64_t out, int64_t k, int64_t groups = 1, int64_t stride = 1,
               bool bias = false) {
    const int64_t in = shape(x)[1];
    Attrs a;
    a.groups = groups;
    a.stride = {stride, stride};
    a.pads = {k / 2, k / 2, k / 2, k / 2};
    std::vector<ValueId> ins{x, constant(name + ".w", Shape{{out, in / groups, k, k}})};
    if (bias) ins.push_back(constant(name + ".b", Shape{{out}}));
    return node(name, OpKind::Conv2d, ins, a);
  }
  ValueId batch_norm(const std::string &name, ValueId x) {
    const int64_t c = shape(x)[1];
    return node(name, OpKind::BatchNorm,
                {x, constant(name + ".scale", Shape{{c}}, 0.5f, 1.5f), constant(name + ".bias", Shape{{c}}),
                 constant(name + ".mean", Shape{{c}}), constant(name + ".var", Shape{{c}}, 0.5f, 1.5f)});
  }
  ValueId relu(const std::string &name, ValueId x) { return node(name, OpKind::Relu, {x}); }
  ValueId shuffle(const std::string &name, ValueId x, int64_t groups) {
    Attrs a;
    a.groups = groups;
    return node(name, OpKind::ChannelShuffle, {x}, a);
  }
  ValueId avg_pool(const std::string &name, ValueId x, int64_t stride) {
    Attrs a;
    a.kernel = {3, 3};
    a.stride = {stride, stride};
    a.pads = {1, 1, 1, 1};
    return node(name, OpKind::AvgPool, {x}, a);
  }

  Graph finish(ValueId output) {
    g_.output = output;
    topo_sort(g_);
    verify(g_);
    return g_;
  }

 private:
  Graph g_;
  std::mt19937 rng_;
};

// max|a - b| / max|b|.
inline double relative_error(const Tensor &a, const Tensor &b) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < b.data.size(); ++i) {
    err = std::max(err, std::fabs(double(a.data[i]) - b.data[i]));
    ref = std::max(ref, std::fabs(double(b.data[i])));
  }
  return err / (ref > 0 ? ref : 1.0);
}

inline int count_ops(const Graph &g, OpKind op) {
  int n = 0;
  for (const Node &node : g.nodes) n += node.op == op;
  return n;
}

}  // namespace shufflec::testing
