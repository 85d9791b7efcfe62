// The int8 arithmetic against hand-computed cases (docs/quantization.md): rounding ties, saturation at -128/127,
// non-zero zero points, a channel whose weights are all zero.
#include <catch2/catch.hpp>

#include <cmath>

#include "ir/op.h"
#include "ir/quant/fixed_point.h"
#include "ir/quant/int8_interpreter.h"

using namespace shufflec;
using namespace shufflec::quant;

TEST_CASE("SaturatingRoundingDoublingHighMul: rounding and its one overflow") {
  CHECK(saturating_rounding_doubling_high_mul(3, 1 << 30) == 2);    // 1.5 rounds up
  CHECK(saturating_rounding_doubling_high_mul(-3, 1 << 30) == -1);  // -1.5: gemmlowp's nudge rounds it toward +inf
  CHECK(saturating_rounding_doubling_high_mul(6, 1 << 30) == 3);    // exact
  CHECK(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX);
  CHECK(saturating_rounding_doubling_high_mul(INT32_MIN, INT32_MAX) == -INT32_MAX);
}

TEST_CASE("RoundingDivideByPOT: ties away from zero") {
  CHECK(rounding_divide_by_pot(5, 1) == 3);
  CHECK(rounding_divide_by_pot(-5, 1) == -3);
  CHECK(rounding_divide_by_pot(-6, 2) == -2);  // -1.5
  CHECK(rounding_divide_by_pot(6, 2) == 2);    // 1.5
  CHECK(rounding_divide_by_pot(-5, 2) == -1);  // -1.25
  CHECK(rounding_divide_by_pot(7, 0) == 7);
  CHECK(rounding_divide_by_pot(INT32_MAX, 31) == 1);
}

TEST_CASE("quantize_multiplier: a 31-bit mantissa, and the edge cases") {
  CHECK(quantize_multiplier(0.5) == Requant{1 << 30, 0});
  CHECK(quantize_multiplier(0.25) == Requant{1 << 30, -1});
  CHECK(quantize_multiplier(1.0) == Requant{1 << 30, 1});
  CHECK(quantize_multiplier(0.75) == Requant{3 << 29, 0});
  CHECK(quantize_multiplier(1.0 - std::ldexp(1.0, -40)) == Requant{1 << 30, 1});  // rounds up to 2^31: halved
  CHECK(quantize_multiplier(0.0) == Requant{0, 0});
  CHECK(quantize_multiplier(std::ldexp(1.0, -40)) == Requant{0, 0});
}

TEST_CASE("requantize: a multiplier below 1 with a right shift rounds ties away from zero") {
  const Requant quarter = quantize_multiplier(0.25);
  CHECK(requantize(6, quarter) == 2);    // 1.5
  CHECK(requantize(-6, quarter) == -2);  // -1.5
  CHECK(requantize(5, quarter) == 2);    // 1.25: the high mul rounds 2.5 to 3, then 3 / 2 rounds to 2 (TFLite's
                                         // double rounding, which we keep for compatibility)
  CHECK(requantize(4, quarter) == 1);
  const Requant four = quantize_multiplier(4.0);  // shift 3: x * 8 saturated, then halved
  CHECK(requantize(100, four) == 400);
  CHECK(requantize(INT32_MAX / 2, four) == INT32_MAX / 2 + 1);  // the left shift saturates at INT32_MAX first
}

TEST_CASE("quantize_value: rounding, zero point, saturation and NaN") {
  const QuantParams unit{1.0f, 0}, shifted{0.5f, -10};
  CHECK(quantize_value(2.5f, unit) == 3);
  CHECK(quantize_value(-2.5f, unit) == -3);
  CHECK(quantize_value(2.4f, unit) == 2);
  CHECK(quantize_value(1.0f, shifted) == -8);
  CHECK(quantize_value(1e9f, unit) == 127);
  CHECK(quantize_value(-1e9f, unit) == -128);
  CHECK(quantize_value(130.0f, unit) == 127);
  CHECK(quantize_value(-129.0f, unit) == -128);
  CHECK(quantize_value(NAN, unit) == -128);
  CHECK(dequantize_value(-8, shifted) == 1.0f);
}

namespace {

// A graph of one int8 node with hand-set parameters: input x, output y.
struct OneNode {
  Graph g;
  Node *node() { return &g.nodes[0]; }
};

OneNode one_node(OpKind op, Shape in, QuantParams qx, Shape out, QuantParams qy, Attrs attrs,
                 std::vector<Value> constants = {}) {
  OneNode t;
  t.g.input = t.g.add_value(Value{"x", ValueKind::Input, in, {}, qx});
  Node n;
  n.name = "y";
  n.op = op;
  n.attrs = attrs;
  n.inputs = {t.g.input};
  for (Value &c : constants) n.inputs.push_back(t.g.add_value(std::move(c)));
  n.output = t.g.add_value(Value{"y", ValueKind::Intermediate, out, {}, qy});
  n.quant = NodeQuant{};
  t.g.nodes.push_back(n);
  t.g.output = n.output;
  return t;
}

std::vector<int8_t> run(const OneNode &t, std::vector<int8_t> x) {
  const Int8Tensor in{t.g.shape(t.g.input), std::move(x)};
  std::vector<const Int8Tensor *> ins{&in};
  for (size_t i = 1; i < t.g.nodes[0].inputs.size(); ++i) ins.push_back(nullptr);
  Int8Tensor out{t.g.shape(t.g.output), std::vector<int8_t>(size_t(t.g.shape(t.g.output).elements()))};
  int8_reference(t.g, t.g.nodes[0], ins, out);
  return out.data;
}

}  // namespace

TEST_CASE("int8 conv: non-zero input zero point, an all-zero channel, saturation at both ends") {
  // 1x1 conv, 2 -> 3 channels over 2 pixels. x zero point 3, y zero point -1.
  OneNode t = one_node(OpKind::Conv2d, Shape{{1, 2, 1, 2}}, {0.5f, 3}, Shape{{1, 3, 1, 2}}, {1.0f, -1}, Attrs{},
                       {Value{"w", ValueKind::Constant, Shape{{3, 2, 1, 1}}, std::vector<float>(6, 0.0f)}});
  NodeQuant &q = *t.node()->quant;
  q.weights = {2, -1, 0, 0, -127, -127};
  q.bias = {10, 7, 0};
  q.requant = {quantize_multiplier(0.25), quantize_multiplier(0.5), quantize_multiplier(1.0)};
  // x: channel 0 = {5, 3}, channel 1 = {1, 100}; minus the zero point: {2, 0}, {-2, 97}.
  const std::vector<int8_t> y = run(t, {5, 3, 1, 100});
  // channel 0: (10 + 2*2 + -2*-1) * 0.25 = 4 -> 3;  (10 + 0 - 97) * 0.25 = -21.75 -> -22 -> -23
  CHECK(int(y[0]) == 3);
  CHECK(int(y[1]) == -23);
  // channel 1 (weights all zero): the bias alone, 7 * 0.5 = 3.5 -> 4 -> 3 at both pixels
  CHECK(int(y[2]) == 3);
  CHECK(int(y[3]) == 3);
  // channel 2: 2*-127 + -2*-127 = 0 -> -1;  97 * -127 = -12319 -> saturates at -128
  CHECK(int(y[4]) == -1);
  CHECK(int(y[5]) == -128);
  // the same with a large bias saturates at 127, and the ReLU clamp stops at the zero point
  q.bias = {1000, 7, -1000};
  q.act_min = -1;
  const std::vector<int8_t> clamped = run(t, {5, 3, 1, 100});
  CHECK(int(clamped[0]) == 127);
  CHECK(int(clamped[4]) == -1);
}

TEST_CASE("int8 avg_pool: the divisor's multiplier, padding excluded, ties") {
  Attrs a;
  a.kernel = {1, 2};
  a.stride = {1, 2};
  // one plane [1, 4]: windows {1, 2} and {-3, -4}, zero point 0, divisor 2 -> multiplier 0.5
  OneNode t = one_node(OpKind::AvgPool, Shape{{1, 1, 1, 4}}, {1.0f, 0}, Shape{{1, 1, 1, 2}}, {1.0f, 5}, a);
  t.node()->quant->divisor_requant = {quantize_multiplier(1.0), quantize_multiplier(0.5)};
  const std::vector<int8_t> y = run(t, {1, 2, -3, -4});
  CHECK(int(y[0]) == 7);   // 1.5 -> 2, + 5
  CHECK(int(y[1]) == 2);   // -3.5 -> -3 (gemmlowp's doubling high mul rounds this tie toward +inf), + 5
}

TEST_CASE("int8 max_pool keeps the input's parameters, and padding never wins") {
  Attrs a;
  a.kernel = {1, 3};
  a.pads = {0, 1, 0, 1};
  OneNode t = one_node(OpKind::MaxPool, Shape{{1, 1, 1, 3}}, {1.0f, 0}, Shape{{1, 1, 1, 3}}, {1.0f, 0}, a);
  const std::vector<int8_t> y = run(t, {-100, -120, -128});
  CHECK(std::vector<int>(y.begin(), y.end()) == std::vector<int>{-100, -100, -120});
}

TEST_CASE("int8 add: both inputs rescaled to a common scale, then to the output") {
  OneNode t = one_node(OpKind::Add, Shape{{1, 1, 1, 2}}, {0.5f, 2}, Shape{{1, 1, 1, 2}}, {1.0f, 0}, Attrs{});
  // b is the same value read twice (scales 0.5, zero point 2): y = 2 * 0.5 * (x - 2)
  t.node()->inputs.push_back(t.g.input);
  NodeQuant &q = *t.node()->quant;
  q.input_rescale = {quantize_multiplier(0.5), quantize_multiplier(0.5),
                     quantize_multiplier(2 * 0.5 / double(1 << kAddLeftShift))};
  const Int8Tensor in{t.g.shape(t.g.input), {7, -128}};
  Int8Tensor out{t.g.shape(t.g.output), {0, 0}};
  int8_reference(t.g, *t.node(), {&in, &in}, out);
  CHECK(int(out.data[0]) == 5);     // (7 - 2) * 0.5 * 2
  CHECK(int(out.data[1]) == -128);  // -130 saturates
}
