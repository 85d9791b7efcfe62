// Shape inference and the verifier, per op (ir/ops.def): good shapes, and the error messages for bad operands and
// attributes. Graphs are built in C++ (helpers.h).
#include <cmath>

#include "helpers.h"

using namespace shufflec;
using namespace shufflec::test;
using Catch::Matchers::Contains;

namespace {

// Output shape of a one-node graph `y = op(x, constants...)`.
Shape shape_of(const Graph &g) { return g.shape(g.output); }

// The message of the UserError thrown while building, checking that it names the node `node`.
std::string error_at(GraphBuilder b, const std::string &node) {
  const UserError e = user_error([&] { b.build(); });
  CHECK(e.node() == node);
  CHECK(e.file() == "test.json");
  CHECK_THAT(std::string(e.what()), Contains("test.json: node '" + node + "': "));
  return e.message();
}

GraphBuilder conv(Shape x, Shape w, Attrs attrs = {}, std::vector<Shape> bias = {}) {
  GraphBuilder b(std::move(x));
  b.constant("w", std::move(w));
  std::vector<std::string> ins{"x", "w"};
  if (!bias.empty()) {
    b.constant("b", bias[0]);
    ins.push_back("b");
  }
  b.node("c", OpKind::Conv2d, ins, std::move(attrs));
  return b;
}

GraphBuilder unary(OpKind op, Shape x, Attrs attrs = {}) {
  GraphBuilder b(std::move(x));
  b.node("y", op, {"x"}, std::move(attrs));
  return b;
}

}  // namespace

TEST_CASE("op table: every op in ops.def has a consistent OpInfo", "[ops]") {
  REQUIRE(kOpCount == 20);
  const char *names[] = {"conv2d",       "batch_norm",   "relu",       "channel_shuffle", "add",
                         "concat",       "max_pool",     "avg_pool",   "global_avg_pool", "dense",
                         "flatten",      "softmax",      "channel_slice", "sigmoid",      "hard_sigmoid",
                         "hard_swish",   "silu",         "mul",        "quantize",        "dequantize"};
  for (int i = 0; i < kOpCount; ++i) {
    const auto kind = static_cast<OpKind>(i);
    CHECK(op_info(kind).kind == kind);
    CHECK(op_info(kind).name == names[i]);
    CHECK(op_name(kind) == names[i]);
    CHECK(op_from_name(names[i]) == kind);
    CHECK(op_info(kind).infer != nullptr);
    CHECK(op_info(kind).reference != nullptr);
    CHECK(op_info(kind).mult_adds != nullptr);  // every op has a kernel too: kernel_table.cpp fails to link otherwise
  }
  CHECK_FALSE(op_from_name("conv").has_value());
  CHECK(op_info(OpKind::Flatten).aliases_input);
  CHECK_FALSE(op_info(OpKind::Relu).aliases_input);
  CHECK(op_info(OpKind::Concat).variadic);
}

TEST_CASE("conv2d: output shapes", "[ops][conv2d][shapes]") {
  CHECK(shape_of(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3})).build()) == S({1, 4, 6, 6}));
  CHECK(shape_of(conv(S({2, 3, 8, 8}), S({4, 3, 3, 3})).build()) == S({2, 4, 6, 6}));  // batch
  CHECK(shape_of(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A().stride(2).pads(1)).build()) == S({1, 4, 4, 4}));
  CHECK(shape_of(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A().stride(2, 1)).build()) == S({1, 4, 3, 6}));
  // Dilation 2 makes a 3x3 kernel span 5: 8 - 5 + 1 = 4.
  CHECK(shape_of(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A().dilation(2)).build()) == S({1, 4, 4, 4}));
  CHECK(shape_of(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A().dilation(1, 3)).build()) == S({1, 4, 6, 2}));
  // Asymmetric pads {top, left, bottom, right}: H = 8 + 0 + 2 - 3 + 1, W = 8 + 1 + 3 - 3 + 1.
  CHECK(shape_of(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A().pads(0, 1, 2, 3)).build()) == S({1, 4, 8, 10}));
  CHECK(shape_of(conv(S({1, 3, 8, 8}), S({4, 3, 1, 3})).build()) == S({1, 4, 8, 6}));  // rectangular kernel
  CHECK(shape_of(conv(S({1, 3, 7, 7}), S({4, 3, 3, 3}), A().stride(2)).build()) == S({1, 4, 3, 3}));  // floor
  // Groups: 6 channels in 3 groups of 2, 9 outputs in 3 groups of 3.
  CHECK(shape_of(conv(S({1, 6, 5, 5}), S({9, 2, 3, 3}), A().groups(3)).build()) == S({1, 9, 3, 3}));
  // Depthwise: groups = C = M.
  CHECK(shape_of(conv(S({1, 4, 5, 5}), S({4, 1, 3, 3}), A().groups(4).pads(1)).build()) == S({1, 4, 5, 5}));
  // With a bias.
  CHECK(shape_of(conv(S({1, 3, 8, 8}), S({4, 3, 1, 1}), A(), {S({4})}).build()) == S({1, 4, 8, 8}));
  // A window exactly the size of the input.
  CHECK(shape_of(conv(S({1, 1, 3, 3}), S({1, 1, 3, 3})).build()) == S({1, 1, 1, 1}));
}

TEST_CASE("conv2d: verifier and inference errors", "[ops][conv2d][errors]") {
  CHECK_THAT(error_at(conv(S({1, 3, 8}), S({4, 3, 3, 3})), "c"), Contains("input 'x' must have rank 4, got shape [1, 3, 8]"));
  CHECK_THAT(error_at(conv(S({1, 3, 8, 8}), S({4, 27})), "c"), Contains("weight 'w' must have rank 4, got shape [4, 27]"));
  CHECK_THAT(error_at(conv(S({1, 3, 8, 8}), S({4, 1, 3, 3}), A().groups(2)), "c"),
             Contains("groups 2 does not divide the 3 input channels"));
  CHECK_THAT(error_at(conv(S({1, 4, 8, 8}), S({3, 2, 3, 3}), A().groups(2)), "c"),
             Contains("groups 2 does not divide the 3 output channels"));
  CHECK_THAT(error_at(conv(S({1, 3, 8, 8}), S({4, 2, 3, 3})), "c"),
             Contains("weight [4, 2, 3, 3] expects 2 input channels per group, but input [1, 3, 8, 8] with groups 1 has 3"));
  CHECK_THAT(error_at(conv(S({1, 4, 8, 8}), S({4, 4, 3, 3}), A().groups(2)), "c"),
             Contains("expects 4 input channels per group"));
  CHECK_THAT(error_at(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A(), {S({5})}), "c"),
             Contains("bias 'b' must have shape [4], got [5]"));
  CHECK_THAT(error_at(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A(), {S({2, 2})}), "c"),
             Contains("bias 'b' must have shape [4], got [2, 2]"));
  CHECK_THAT(error_at(conv(S({1, 3, 2, 2}), S({4, 3, 3, 3})), "c"),
             Contains("3x3 window (dilation 1) does not fit the padded input [1, 3, 2, 2]"));
  CHECK_THAT(error_at(conv(S({1, 3, 4, 4}), S({4, 3, 3, 3}), A().dilation(2)), "c"),
             Contains("does not fit the padded input"));
  CHECK_THAT(error_at(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A().groups(0)), "c"), Contains("groups must be >= 1, got 0"));
  CHECK_THAT(error_at(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A().stride(0)), "c"), Contains("stride must be >= 1, got 0"));
  CHECK_THAT(error_at(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A().dilation(0)), "c"),
             Contains("dilation must be >= 1, got 0"));
  CHECK_THAT(error_at(conv(S({1, 3, 8, 8}), S({4, 3, 3, 3}), A().pads(-1)), "c"), Contains("pads must be >= 0, got -1"));

  SECTION("the weight must be a constant") {
    GraphBuilder b(S({1, 3, 8, 8}));
    b.node("r", OpKind::Relu, {"x"}).node("c", OpKind::Conv2d, {"x", "r"});
    CHECK_THAT(error_at(b, "c"), Contains("weight 'r' must be a constant (weights are compiled in)"));
  }
  SECTION("the data input must not be a constant") {
    GraphBuilder b(S({1, 3, 8, 8}));
    b.constant("w", S({4, 3, 3, 3})).node("c", OpKind::Conv2d, {"w", "w"});
    CHECK_THAT(error_at(b, "c"), Contains("x 'w' is a constant; conv2d expects an activation here"));
  }
  SECTION("wrong input counts") {
    GraphBuilder one(S({1, 3, 8, 8}));
    one.node("c", OpKind::Conv2d, {"x"});
    CHECK_THAT(error_at(one, "c"), Contains("conv2d takes 2 to") && Contains("inputs, got 1"));
    GraphBuilder many(S({1, 3, 8, 8}));
    many.constant("w", S({4, 3, 3, 3})).constant("b", S({4}));
    many.node("c", OpKind::Conv2d, {"x", "w", "b", "b", "b", "b"});
    CHECK_THAT(error_at(many, "c"), Contains("conv2d takes 2 to") && Contains("inputs, got 6"));
  }
}

TEST_CASE("batch_norm: shapes and errors", "[ops][batch_norm]") {
  auto bn = [](Shape x, int64_t c, std::vector<float> var = {}, Attrs attrs = {}) {
    GraphBuilder b(std::move(x));
    if (var.empty()) var.assign(static_cast<size_t>(c), 1.0f);
    b.constant("s", S({c})).constant("b", S({c})).constant("m", S({c})).constant("v", S({c}), var);
    b.node("bn", OpKind::BatchNorm, {"x", "s", "b", "m", "v"}, std::move(attrs));
    return b;
  };
  CHECK(shape_of(bn(S({1, 3, 4, 4}), 3).build()) == S({1, 3, 4, 4}));
  CHECK(shape_of(bn(S({2, 5}), 5).build()) == S({2, 5}));  // rank 2 is fine
  CHECK_THAT(error_at(bn(S({1, 3, 4, 4}), 4), "bn"), Contains("scale 's' must have shape [3], got [4]"));
  CHECK_THAT(error_at(bn(S({6}), 6), "bn"), Contains("input must have rank >= 2, got [6]"));
  CHECK_THAT(error_at(bn(S({1, 3, 2, 2}), 3, {1.0f, -1.0f, 1.0f}), "bn"), Contains("var[1] + epsilon"));
  CHECK_THAT(error_at(bn(S({1, 3, 2, 2}), 3, {}, A().epsilon(-1.0)), "bn"), Contains("epsilon must be a finite number >= 0"));
  // var = 0 with epsilon > 0 is fine; var = 0 with epsilon 0 is not.
  CHECK_NOTHROW(bn(S({1, 3, 2, 2}), 3, {0.0f, 0.0f, 0.0f}).build());
  CHECK_THAT(error_at(bn(S({1, 3, 2, 2}), 3, {0.0f, 0.0f, 0.0f}, A().epsilon(0.0)), "bn"),
             Contains("var[0] + epsilon = 0 must be > 0"));
  SECTION("a wrong-length var is named") {
    GraphBuilder b(S({1, 3, 2, 2}));
    b.constant("s", S({3})).constant("b", S({3})).constant("m", S({3})).constant("v", S({2}), {1, 1});
    b.node("bn", OpKind::BatchNorm, {"x", "s", "b", "m", "v"});
    CHECK_THAT(error_at(b, "bn"), Contains("var 'v' must have shape [3], got [2]"));
  }
  SECTION("statistics must be constants, and all four are required") {
    GraphBuilder b(S({1, 3, 2, 2}));
    b.constant("s", S({3})).constant("b", S({3})).constant("m", S({3}));
    b.node("bn", OpKind::BatchNorm, {"x", "s", "b", "m"});
    CHECK_THAT(error_at(b, "bn"), Contains("batch_norm takes 5 inputs, got 4"));
    GraphBuilder c(S({3}));
    c.constant("s", S({3})).constant("b", S({3})).constant("m", S({3}));
    c.node("h", OpKind::Relu, {"x"}).node("bn", OpKind::BatchNorm, {"h", "s", "b", "m", "x"});
    CHECK_THAT(error_at(c, "bn"), Contains("var 'x' must be a constant"));
  }
}

TEST_CASE("relu: any shape, one input", "[ops][relu]") {
  CHECK(shape_of(unary(OpKind::Relu, S({1, 3, 4, 5})).build()) == S({1, 3, 4, 5}));
  CHECK(shape_of(unary(OpKind::Relu, S({2, 7})).build()) == S({2, 7}));
  CHECK(shape_of(unary(OpKind::Relu, S({9})).build()) == S({9}));
  GraphBuilder b(S({1, 4}));
  b.node("y", OpKind::Relu, {"x", "x"});
  CHECK_THAT(error_at(b, "y"), Contains("relu takes 1 inputs, got 2"));
  GraphBuilder c(S({1, 4}));
  c.constant("k", S({1, 4})).node("y", OpKind::Relu, {"k"});
  CHECK_THAT(error_at(c, "y"), Contains("x 'k' is a constant; relu expects an activation here"));
}

TEST_CASE("sigmoid, hard_sigmoid, hard_swish, silu: any shape, and relu keeps to its clamps", "[ops][activation]") {
  for (OpKind op : {OpKind::Sigmoid, OpKind::HardSigmoid, OpKind::HardSwish, OpKind::Silu}) {
    CHECK(shape_of(unary(op, S({1, 3, 4, 5})).build()) == S({1, 3, 4, 5}));
    CHECK(shape_of(unary(op, S({2, 7})).build()) == S({2, 7}));
    CHECK(activation_applied_by(unary(op, S({2})).build().nodes[0]).has_value());
  }
  CHECK_THAT(error_at(unary(OpKind::HardSigmoid, S({1, 4}), A().hard_sigmoid(std::nan(""), 0.5)), "y"),
             Contains("alpha and beta must be finite"));
  CHECK_THAT(error_at(unary(OpKind::HardSigmoid, S({1, 4}), A().hard_sigmoid(0.2, INFINITY)), "y"),
             Contains("alpha and beta must be finite"));
  CHECK_THAT(error_at(unary(OpKind::Relu, S({1, 4}), A().act(Activation::Sigmoid)), "y"),
             Contains("relu's activation must be none, relu or relu6, got sigmoid"));
  CHECK_FALSE(activation_applied_by(unary(OpKind::GlobalAvgPool, S({1, 2, 3, 3})).build().nodes[0]).has_value());
}

TEST_CASE("mul: same shapes, or an [N, C, 1, 1] scale of [N, C, H, W]", "[ops][mul]") {
  auto mul = [](Shape x, Shape scale_weights) {  // scale = conv1x1 of global_avg_pool(x): any [N, M, 1, 1]
    GraphBuilder b(std::move(x));
    b.constant("w", std::move(scale_weights));
    b.node("p", OpKind::GlobalAvgPool, {"x"}).node("s", OpKind::Conv2d, {"p", "w"});
    b.node("y", OpKind::Mul, {"x", "s"});
    return b;
  };
  CHECK(shape_of(mul(S({2, 4, 3, 5}), S({4, 4, 1, 1})).build()) == S({2, 4, 3, 5}));
  CHECK_THAT(error_at(mul(S({1, 4, 3, 3}), S({3, 4, 1, 1})), "y"),
             Contains("the scale must have the input's shape [1, 4, 3, 3] or one factor per channel plane"));
  GraphBuilder swapped(S({1, 4, 3, 3}));  // the scale first: the IR's mul wants the big tensor as x
  swapped.node("p", OpKind::GlobalAvgPool, {"x"}).node("y", OpKind::Mul, {"p", "x"});
  CHECK_THAT(error_at(swapped, "y"), Contains("got [1, 4, 3, 3]"));
  GraphBuilder same(S({2, 6}));
  same.node("r", OpKind::Relu, {"x"}).node("y", OpKind::Mul, {"x", "r"});
  CHECK(shape_of(same.build()) == S({2, 6}));
  GraphBuilder k(S({1, 4}));
  k.constant("k", S({1, 4})).node("y", OpKind::Mul, {"x", "k"});
  CHECK_THAT(error_at(k, "y"), Contains("scale 'k' is a constant; mul expects an activation here"));
}

TEST_CASE("channel_shuffle: shapes and errors", "[ops][channel_shuffle]") {
  CHECK(shape_of(unary(OpKind::ChannelShuffle, S({1, 6, 3, 3}), A().groups(3)).build()) == S({1, 6, 3, 3}));
  CHECK(shape_of(unary(OpKind::ChannelShuffle, S({2, 6, 1, 1}), A().groups(6)).build()) == S({2, 6, 1, 1}));
  CHECK_THAT(error_at(unary(OpKind::ChannelShuffle, S({1, 6, 3, 3}), A().groups(4)), "y"),
             Contains("groups 4 does not divide the 6 channels"));
  CHECK_THAT(error_at(unary(OpKind::ChannelShuffle, S({1, 6}), A().groups(2)), "y"),
             Contains("input 'x' must have rank 4, got shape [1, 6]"));
  CHECK_THAT(error_at(unary(OpKind::ChannelShuffle, S({1, 6, 3, 3}), A().groups(0)), "y"),
             Contains("groups must be >= 1, got 0"));
}

TEST_CASE("add: same shapes only", "[ops][add]") {
  // y = x + relu(x), or x + global_avg_pool(x) (a different shape).
  auto add = [](bool mismatched) {
    GraphBuilder b(S({1, 4, 3, 3}));
    b.node("p", OpKind::GlobalAvgPool, {"x"});
    b.node("r", OpKind::Relu, {"x"});
    b.node("y", OpKind::Add, {"x", mismatched ? "p" : "r"});
    return b;
  };
  CHECK(shape_of(add(false).build()) == S({1, 4, 3, 3}));
  CHECK_THAT(error_at(add(true), "y"),
             Contains("inputs must have the same shape, got [1, 4, 3, 3] and [1, 4, 1, 1]"));
  GraphBuilder one(S({1, 4}));
  one.node("y", OpKind::Add, {"x"});
  CHECK_THAT(error_at(one, "y"), Contains("add takes 2 inputs, got 1"));
  GraphBuilder three(S({1, 4}));
  three.node("y", OpKind::Add, {"x", "x", "x"});
  CHECK_THAT(error_at(three, "y"), Contains("add takes 2 inputs, got 3"));
  GraphBuilder k(S({1, 4}));
  k.constant("k", S({1, 4})).node("y", OpKind::Add, {"x", "k"});
  CHECK_THAT(error_at(k, "y"), Contains("b 'k' is a constant; add expects an activation here"));
}

TEST_CASE("concat: channel axis only", "[ops][concat]") {
  // Three inputs of 2, 4 and 1 channels made by convolutions of x.
  auto cat = [](std::vector<Shape> weights, Attrs attrs = {}) {
    GraphBuilder b(S({1, 3, 6, 6}));
    std::vector<std::string> ins;
    for (size_t i = 0; i < weights.size(); ++i) {
      const std::string n = "c" + std::to_string(i);
      b.constant(n + ".w", weights[i]).node(n, OpKind::Conv2d, {"x", n + ".w"});
      ins.push_back(n);
    }
    b.node("y", OpKind::Concat, ins, std::move(attrs));
    return b;
  };
  CHECK(shape_of(cat({S({2, 3, 1, 1}), S({4, 3, 1, 1}), S({1, 3, 1, 1})}).build()) == S({1, 7, 6, 6}));
  CHECK(shape_of(cat({S({2, 3, 3, 3}), S({2, 3, 3, 3})}).build()) == S({1, 4, 4, 4}));
  CHECK_THAT(error_at(cat({S({2, 3, 1, 1}), S({4, 3, 3, 3})}), "y"),
             Contains("input 1 has shape [1, 4, 4, 4], which does not match [1, 2, 6, 6] outside the channel axis"));
  CHECK_THAT(error_at(cat({S({2, 3, 1, 1}), S({2, 3, 1, 1})}, A().axis(2)), "y"), Contains("axis must be 1 (channels), got 2"));
  SECTION("rank-2 inputs concatenate features") {
    GraphBuilder b(S({2, 3}));
    b.node("r", OpKind::Relu, {"x"}).node("y", OpKind::Concat, {"x", "r", "x"});
    CHECK(shape_of(b.build()) == S({2, 9}));
  }
  SECTION("rank and batch mismatches") {
    GraphBuilder b(S({1, 4, 2, 2}));
    b.node("f", OpKind::Flatten, {"x"}).node("y", OpKind::Concat, {"x", "f"});
    CHECK_THAT(error_at(b, "y"), Contains("input 1 has shape [1, 16], which does not match [1, 4, 2, 2]"));
  }
  SECTION("input counts and constants") {
    GraphBuilder one(S({1, 4, 2, 2}));
    one.node("y", OpKind::Concat, {"x"});
    CHECK_THAT(error_at(one, "y"), Contains("concat takes at least 2 inputs, got 1"));
    GraphBuilder k(S({1, 4, 2, 2}));
    k.constant("k", S({1, 4, 2, 2})).node("y", OpKind::Concat, {"x", "k"});
    CHECK_THAT(error_at(k, "y"), Contains("'k' is a constant; concat expects an activation here"));
  }
}

TEST_CASE("max_pool and avg_pool: output shapes", "[ops][pool][shapes]") {
  for (OpKind op : {OpKind::MaxPool, OpKind::AvgPool}) {
    INFO(op_name(op));
    CHECK(shape_of(unary(op, S({1, 2, 8, 8}), A().pool(2, 2)).build()) == S({1, 2, 4, 4}));
    CHECK(shape_of(unary(op, S({1, 2, 8, 8}), A().pool(3, 2, 1)).build()) == S({1, 2, 4, 4}));
    CHECK(shape_of(unary(op, S({1, 2, 7, 7}), A().pool(3, 2)).build()) == S({1, 2, 3, 3}));
    // ceil_mode keeps a last partial window: floor((6-3)/2)+1 = 2, ceil gives 3.
    CHECK(shape_of(unary(op, S({1, 1, 6, 6}), A().pool(3, 2)).build()) == S({1, 1, 2, 2}));
    CHECK(shape_of(unary(op, S({1, 1, 6, 6}), A().pool(3, 2).ceil_mode()).build()) == S({1, 1, 3, 3}));
    // ... but drops a window that would start in the right padding (PyTorch): 5 + 2 pads, kernel 3, stride 3:
    // ceil(4/3)+1 = 3, and the third window would start at 6 >= 5 + 1, so 2.
    CHECK(shape_of(unary(op, S({1, 1, 5, 5}), A().pool(3, 3, 1).ceil_mode()).build()) == S({1, 1, 2, 2}));
    // Rectangular kernel with asymmetric pads {top 1, left 0, bottom 0, right 1}.
    CHECK(shape_of(unary(op, S({1, 1, 4, 4}), A().kernel(3, 2).stride(1).pads(1, 0, 0, 1)).build()) ==
          S({1, 1, 3, 4}));
    CHECK(shape_of(unary(op, S({1, 1, 4, 6}), A().kernel(2, 3).stride(2, 3)).build()) == S({1, 1, 2, 2}));
  }
  // max_pool also takes a dilation: a 2x2 kernel with dilation 2 spans 3.
  CHECK(shape_of(unary(OpKind::MaxPool, S({1, 1, 5, 5}), A().pool(2, 1).dilation(2)).build()) == S({1, 1, 3, 3}));
}

TEST_CASE("max_pool and avg_pool: errors", "[ops][pool][errors]") {
  for (OpKind op : {OpKind::MaxPool, OpKind::AvgPool}) {
    INFO(op_name(op));
    CHECK_THAT(error_at(unary(op, S({1, 1, 8, 8}), A().pool(2, 2, 2)), "y"), Contains("pad 2 must be smaller than the kernel 2"));
    CHECK_THAT(error_at(unary(op, S({1, 1, 8, 8}), A().kernel(3, 2).stride(1).pads(0, 2, 0, 0)), "y"),
               Contains("pad 2 must be smaller than the kernel 2"));
    CHECK_THAT(error_at(unary(op, S({1, 1, 4, 4}), A().pool(5, 1)), "y"),
               Contains("5x5 window (dilation 1) does not fit the padded input [1, 1, 4, 4]"));
    CHECK_THAT(error_at(unary(op, S({1, 4, 4}), A().pool(2, 2)), "y"), Contains("input 'x' must have rank 4, got shape [1, 4, 4]"));
    CHECK_THAT(error_at(unary(op, S({1, 1, 4, 4}), A().pool(0, 1)), "y"), Contains("kernel size must be >= 1, got 0"));
    CHECK_THAT(error_at(unary(op, S({1, 1, 4, 4}), A().pool(2, 0)), "y"), Contains("stride must be >= 1, got 0"));
    GraphBuilder two(S({1, 1, 4, 4}));
    two.node("y", op, {"x", "x"}, A().pool(2, 2));
    CHECK_THAT(error_at(two, "y"), Contains(std::string(op_name(op)) + " takes 1 inputs, got 2"));
  }
}

TEST_CASE("global_avg_pool: shapes and errors", "[ops][global_avg_pool]") {
  CHECK(shape_of(unary(OpKind::GlobalAvgPool, S({2, 5, 7, 3})).build()) == S({2, 5, 1, 1}));
  CHECK_THAT(error_at(unary(OpKind::GlobalAvgPool, S({2, 5})), "y"), Contains("input 'x' must have rank 4, got shape [2, 5]"));
}

TEST_CASE("dense: shapes and errors", "[ops][dense]") {
  auto dense = [](Shape x, Shape w, std::vector<Shape> bias = {}) {
    GraphBuilder b(std::move(x));
    b.constant("w", std::move(w));
    std::vector<std::string> ins{"x", "w"};
    if (!bias.empty()) b.constant("b", bias[0]), ins.push_back("b");
    b.node("fc", OpKind::Dense, ins);
    return b;
  };
  CHECK(shape_of(dense(S({2, 6}), S({4, 6})).build()) == S({2, 4}));
  CHECK(shape_of(dense(S({1, 6}), S({4, 6}), {S({4})}).build()) == S({1, 4}));
  CHECK_THAT(error_at(dense(S({1, 6, 1, 1}), S({4, 6})), "fc"), Contains("input 'x' must have rank 2, got shape [1, 6, 1, 1]"));
  CHECK_THAT(error_at(dense(S({2, 6}), S({24})), "fc"), Contains("weight 'w' must have rank 2, got shape [24]"));
  CHECK_THAT(error_at(dense(S({2, 6}), S({4, 5})), "fc"),
             Contains("weight [4, 5] expects 5 input features, but the input [2, 6] has 6"));
  CHECK_THAT(error_at(dense(S({2, 6}), S({4, 6}), {S({3})}), "fc"), Contains("bias 'b' must have shape [4], got [3]"));
  GraphBuilder b(S({2, 2}));
  b.node("r", OpKind::Relu, {"x"}).node("fc", OpKind::Dense, {"x", "r"});
  CHECK_THAT(error_at(b, "fc"), Contains("weight 'r' must be a constant"));
}

TEST_CASE("flatten: shapes and errors", "[ops][flatten]") {
  CHECK(shape_of(unary(OpKind::Flatten, S({2, 3, 4, 5})).build()) == S({2, 60}));
  CHECK(shape_of(unary(OpKind::Flatten, S({2, 3})).build()) == S({2, 3}));
  CHECK(shape_of(unary(OpKind::Flatten, S({1, 3, 4})).build()) == S({1, 12}));
  CHECK_THAT(error_at(unary(OpKind::Flatten, S({6})), "y"), Contains("input must have rank >= 2, got [6]"));
  CHECK_THAT(error_at(unary(OpKind::Flatten, S({1, 3, 4}), A().axis(2)), "y"), Contains("axis must be 1, got 2"));
}

TEST_CASE("softmax: shapes and errors", "[ops][softmax]") {
  CHECK(shape_of(unary(OpKind::Softmax, S({2, 10})).build()) == S({2, 10}));
  CHECK_THAT(error_at(unary(OpKind::Softmax, S({1, 10, 1, 1})), "y"), Contains("input 'x' must have rank 2, got shape [1, 10, 1, 1]"));
  CHECK_THAT(error_at(unary(OpKind::Softmax, S({1, 10}), A().axis(0)), "y"), Contains("axis must be 1, got 0"));
}

TEST_CASE("shape inference rejects outputs over 2^31 - 1 elements", "[ops][errors]") {
  // Each input is 2^30 elements; the concat would hold 2^31.
  GraphBuilder b(S({1, 1, 32768, 32768}));
  b.node("r", OpKind::Relu, {"x"}).node("y", OpKind::Concat, {"x", "r"});
  CHECK_THAT(error_at(b, "y"), Contains("absurdly large"));
  // check_shape_size itself.
  Graph g;
  g.source = "m.json";
  Node n;
  n.name = "n";
  CHECK_THAT(user_error([&] { check_shape_size(g, n, S({1, 0, 3})); }).message(), Contains("dimension 0 in shape [1, 0, 3] must be >= 1"));
  CHECK_THAT(user_error([&] { check_shape_size(g, n, S({1, 100000, 100000, 100000})); }).message(), Contains("absurdly large"));
  CHECK_NOTHROW(check_shape_size(g, n, S({1, 2147483647})));
  CHECK_THROWS_AS(check_shape_size(g, n, S({2, 1073741824})), UserError);
}

TEST_CASE("verify: structural invariants", "[verify]") {
  Graph good = [] {
    GraphBuilder b(S({1, 2, 4, 4}));
    b.node("r", OpKind::Relu, {"x"}).node("p", OpKind::GlobalAvgPool, {"r"});
    return b.build();
  }();
  CHECK_NOTHROW(verify(good));

  SECTION("an output shape that differs from inference") {
    Graph g = good;
    g.value(g.output).shape = S({1, 2, 2, 2});
    const UserError e = user_error([&] { verify(g); });
    CHECK(e.node() == "p");
    CHECK_THAT(e.message(), Contains("output shape [1, 2, 2, 2] differs from the inferred [1, 2, 1, 1]"));
  }
  SECTION("nodes out of order") {
    Graph g = good;
    std::swap(g.nodes[0], g.nodes[1]);
    CHECK_THAT(user_error([&] { verify(g); }).message(), Contains("reads 'r' before it is computed"));
  }
  SECTION("duplicate names") {
    Graph g = good;
    g.add_value(Value{"r", ValueKind::Constant, S({1}), {1.0f}});
    CHECK_THAT(user_error([&] { verify(g); }).message(), Contains("name 'r' is defined twice"));
  }
  SECTION("a constant with the wrong number of values") {
    Graph g = good;
    g.add_value(Value{"k", ValueKind::Constant, S({2, 2}), {1.0f}});
    CHECK_THAT(user_error([&] { verify(g); }).message(), Contains("constant 'k' holds 1 values for shape [2, 2]"));
  }
  SECTION("an output nothing computes") {
    Graph g = good;
    g.output = g.add_value(Value{"orphan", ValueKind::Intermediate, S({1}), {}});
    CHECK_THAT(user_error([&] { verify(g); }).message(), Contains("graph output is never computed"));
  }
  SECTION("an output value not named after its node") {
    Graph g = good;
    g.nodes[1].name = "q";
    const UserError e = user_error([&] { verify(g); });
    CHECK(e.node() == "q");
    CHECK_THAT(e.message(), Contains("output value is not named after its node"));
  }
}

TEST_CASE("topo_sort: orders producers first, keeps file order, finds cycles", "[graph]") {
  SECTION("reversed nodes are sorted") {
    GraphBuilder b(S({1, 4}));
    b.node("c", OpKind::Softmax, {"b"}).node("b", OpKind::Relu, {"a"}).node("a", OpKind::Relu, {"x"});
    const Graph g = b.build("c");
    REQUIRE(g.nodes.size() == 3);
    CHECK(g.nodes[0].name == "a");
    CHECK(g.nodes[1].name == "b");
    CHECK(g.nodes[2].name == "c");
  }
  SECTION("independent nodes keep their file order") {
    GraphBuilder b(S({1, 4}));
    b.node("p", OpKind::Relu, {"x"}).node("q", OpKind::Softmax, {"x"}).node("s", OpKind::Add, {"q", "p"});
    const Graph g = b.build();
    CHECK(g.nodes[0].name == "p");
    CHECK(g.nodes[1].name == "q");
    CHECK(g.nodes[2].name == "s");
  }
  SECTION("a cycle names a node on it") {
    GraphBuilder b(S({1, 4}));
    b.node("a", OpKind::Add, {"x", "c"}).node("b", OpKind::Relu, {"a"}).node("c", OpKind::Relu, {"b"});
    const UserError e = user_error([&] { b.build(); });
    CHECK((e.node() == "a" || e.node() == "b" || e.node() == "c"));
    CHECK_THAT(e.message(), Contains("is part of a cycle"));
  }
  SECTION("a node reading itself") {
    GraphBuilder b(S({1, 4}));
    b.node("a", OpKind::Add, {"x", "a"});
    const UserError e = user_error([&] { b.build(); });
    CHECK(e.node() == "a");
    CHECK_THAT(e.message(), Contains("is part of a cycle"));
  }
}

TEST_CASE("UserError: one line naming the file and node", "[diagnostics]") {
  const UserError e("m.json", "conv1", "bad thing");
  CHECK(std::string(e.what()) == "m.json: node 'conv1': bad thing");
  CHECK(std::string(UserError("m.json", "", "x").what()) == "m.json: x");
  CHECK(std::string(UserError("", "", "x").what()) == "x");
  // Control characters from the model (a newline in a node name) cannot break the line.
  const std::string line = UserError("a\nb.json", "n\r1", "tab\there").what();
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(line == "a\\nb.json: node 'n\\x0d1': tab\\there");
}
