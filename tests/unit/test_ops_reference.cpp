// The reference kernels (the oracle for every pass and backend) on small cases computed by hand.
#include <cmath>
#include <random>

#include "helpers.h"

using namespace shufflec;
using namespace shufflec::test;

namespace {

// y = conv(x, w[, b]) on a given input.
std::vector<float> conv(Shape x, const std::vector<float> &xv, Shape w, std::vector<float> wv, Attrs attrs = {},
                        std::vector<float> bias = {}) {
  GraphBuilder b(std::move(x));
  const int64_t m = w[0];
  b.constant("w", std::move(w), std::move(wv));
  std::vector<std::string> ins{"x", "w"};
  if (!bias.empty()) b.constant("b", S({m}), std::move(bias)), ins.push_back("b");
  b.node("c", OpKind::Conv2d, ins, std::move(attrs));
  return run(b.build(), xv).data;
}

std::vector<float> unary(OpKind op, Shape x, const std::vector<float> &xv, Attrs attrs = {}) {
  GraphBuilder b(std::move(x));
  b.node("y", op, {"x"}, std::move(attrs));
  return run(b.build(), xv).data;
}

// The 1x1x3x3 input 1..9 and the 2x2 kernel [[1, 2], [3, 4]] used by the conv cases:
//   1 2 3
//   4 5 6
//   7 8 9
const std::vector<float> k3x3 = iota(9);
const std::vector<float> k2x2{1, 2, 3, 4};

}  // namespace

TEST_CASE("conv2d reference: 3x3 input, 2x2 kernel", "[ops][conv2d][reference]") {
  // (0,0): 1*1 + 2*2 + 4*3 + 5*4 = 37; (0,1): 2 + 6 + 15 + 24 = 47; (1,0): 4 + 10 + 21 + 32 = 67; (1,1): 77.
  require_close(conv(S({1, 1, 3, 3}), k3x3, S({1, 1, 2, 2}), k2x2), {37, 47, 67, 77});
  // Bias is added to every output.
  require_close(conv(S({1, 1, 3, 3}), k3x3, S({1, 1, 2, 2}), k2x2, A(), {0.5f}), {37.5f, 47.5f, 67.5f, 77.5f});
  // Stride 2 with pad 1: windows start at -1 and 1. (0,0) sees only x(0,0)*w(1,1) = 4; (0,1) sees row 0, cols 1..2
  // with kernel row 1: 2*3 + 3*4 = 18; (1,0) sees col 0, rows 1..2 with kernel col 1: 4*2 + 7*4 = 36; (1,1): 77.
  require_close(conv(S({1, 1, 3, 3}), k3x3, S({1, 1, 2, 2}), k2x2, A().stride(2).pads(1)), {4, 18, 36, 77});
  // Dilation 2: the taps are the four corners, 1*1 + 3*2 + 7*3 + 9*4 = 64.
  require_close(conv(S({1, 1, 3, 3}), k3x3, S({1, 1, 2, 2}), k2x2, A().dilation(2)), {64});
  // Asymmetric pads: one column of zeros on the left only. Row 0: windows at cols -1..0 and 0..1.
  // (0,0): 1*2 + 4*4 = 18; (0,1): 37; (0,2): 47; (1,0): 4*2 + 7*4 = 36; (1,1): 67; (1,2): 77.
  require_close(conv(S({1, 1, 3, 3}), k3x3, S({1, 1, 2, 2}), k2x2, A().pads(0, 1, 0, 0)), {18, 37, 47, 36, 67, 77});
}

TEST_CASE("conv2d reference: fused activations", "[ops][conv2d][reference]") {
  require_close(conv(S({1, 1, 3, 3}), k3x3, S({1, 1, 2, 2}), k2x2, A().act(Activation::Relu), {-50.0f}),
                {0, 0, 17, 27});
  require_close(conv(S({1, 1, 3, 3}), k3x3, S({1, 1, 2, 2}), k2x2, A().act(Activation::Relu6), {-42.0f}),
                {0, 5, 6, 6});
}

TEST_CASE("conv2d reference: each group sees only its own channels", "[ops][conv2d][reference]") {
  // x: 4 channels of one pixel holding 1, 2, 3, 4. Two groups: output 0 reads channels 0-1, output 1 channels 2-3.
  // 1*10 + 2*100 = 210 and 3*1000 + 4*10000 = 43000 (a wrong grouping would give 1000 + 20000 for output 1).
  require_close(conv(S({1, 4, 1, 1}), {1, 2, 3, 4}, S({2, 2, 1, 1}), {10, 100, 1000, 10000}, A().groups(2)),
                {210, 43000});
  // Four outputs in two groups (two per group): outputs 0-1 read channels 0-1, outputs 2-3 read channels 2-3.
  require_close(conv(S({1, 4, 1, 1}), {1, 2, 3, 4}, S({4, 2, 1, 1}), {1, 0, 0, 1, 1, 0, 0, 1}, A().groups(2)),
                {1, 2, 3, 4});
  require_close(conv(S({1, 4, 1, 1}), {1, 2, 3, 4}, S({4, 2, 1, 1}), {0, 1, 1, 1, 0, 1, 1, 1}, A().groups(2)),
                {2, 3, 4, 7});
  // Depthwise 3x3 with pad 1 on 3x3 planes of ones: each output is the number of taps inside the input (times
  // the channel's weight value, all taps equal): corners 4, edges 6, centre 9.
  std::vector<float> ones(18, 1.0f), w(18);
  for (size_t i = 0; i < 9; ++i) w[i] = 1.0f, w[9 + i] = -2.0f;
  require_close(conv(S({1, 2, 3, 3}), ones, S({2, 1, 3, 3}), w, A().groups(2).pads(1)),
                {4, 6, 4, 6, 9, 6, 4, 6, 4, -8, -12, -8, -12, -18, -12, -8, -12, -8});
}

// The reference conv's loops are blocked for speed (calibration runs them over hundreds of images); the sum they
// compute is defined as below, term by term in this order in double, so the two must agree bit for bit.
TEST_CASE("conv2d reference equals its defining sum bit for bit on random windows", "[ops][conv2d][reference]") {
  std::mt19937 rng(11);
  const auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (int trial = 0; trial < 60; ++trial) {
    const int64_t G = pick(1, 3), CG = pick(1, 3), MG = pick(1, 2), KH = pick(1, 5), KW = pick(1, 5);
    const int64_t sy = pick(1, 3), sx = pick(1, 3), dy = pick(1, 2), dx = pick(1, 2);
    const int64_t pt = pick(0, 3), pl = pick(0, 3), pb = pick(0, 3), pr = pick(0, 3);
    const int64_t H = pick(std::max<int64_t>(1, (KH - 1) * dy + 1 - pt - pb), 12);
    const int64_t W = pick(std::max<int64_t>(1, (KW - 1) * dx + 1 - pl - pr), 21);
    const int64_t N = pick(1, 2), C = G * CG, M = G * MG;
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(N * C * H * W)), w(static_cast<size_t>(M * CG * KH * KW));
    for (float &v : x) v = value(rng);
    for (float &v : w) v = value(rng);
    const std::vector<float> got = conv(S({N, C, H, W}), x, S({M, CG, KH, KW}), w,
                                        A().groups(G).stride(sy, sx).dilation(dy, dx).pads(pt, pl, pb, pr));
    const int64_t OH = (H + pt + pb - (KH - 1) * dy - 1) / sy + 1, OW = (W + pl + pr - (KW - 1) * dx - 1) / sx + 1;
    REQUIRE(static_cast<int64_t>(got.size()) == N * M * OH * OW);
    size_t at = 0, mismatches = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t oy = 0; oy < OH; ++oy)
          for (int64_t ox = 0; ox < OW; ++ox) {
            double acc = 0.0;
            for (int64_t c = 0; c < CG; ++c)
              for (int64_t ky = 0; ky < KH; ++ky)
                for (int64_t kx = 0; kx < KW; ++kx) {
                  const int64_t iy = oy * sy - pt + ky * dy, ix = ox * sx - pl + kx * dx;
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  acc += double(x[static_cast<size_t>(((n * C + m / MG * CG + c) * H + iy) * W + ix)]) *
                         w[static_cast<size_t>(((m * CG + c) * KH + ky) * KW + kx)];
                }
            mismatches += float(acc) != got[at++];
          }
    INFO("trial " << trial << ": groups " << G << ", kernel " << KH << "x" << KW << ", stride " << sy << "," << sx
                  << ", dilation " << dy << "," << dx << ", pads " << pt << "," << pl << "," << pb << "," << pr
                  << ", input " << H << "x" << W);
    CHECK(mismatches == 0);
  }
}

TEST_CASE("conv2d reference: batch and multiple channels", "[ops][conv2d][reference]") {
  // Two images, two input channels, one 1x1 output channel summing them with weights 1 and 10.
  require_close(conv(S({2, 2, 1, 2}), {1, 2, 3, 4, 5, 6, 7, 8}, S({1, 2, 1, 1}), {1, 10}), {31, 42, 75, 86});
}

TEST_CASE("batch_norm reference: (x - mean) / sqrt(var + eps) * scale + bias", "[ops][batch_norm][reference]") {
  GraphBuilder b(S({1, 2, 1, 2}));
  b.constant("s", S({2}), {2.0f, 0.5f}).constant("b", S({2}), {1.0f, -1.0f});
  b.constant("m", S({2}), {1.0f, 3.0f}).constant("v", S({2}), {3.0f, 15.0f});
  b.node("bn", OpKind::BatchNorm, {"x", "s", "b", "m", "v"}, A().epsilon(1.0));
  // Channel 0: (x - 1) / 2 * 2 + 1 = x; channel 1: (x - 3) / 4 * 0.5 - 1.
  require_close(run(b.build(), {1, 2, 3, 5}).data, {1, 2, -1, -0.75f});
  // The default epsilon is 1e-5.
  GraphBuilder d(S({1, 1, 1, 1}));
  d.constant("s", S({1}), {1}).constant("b", S({1}), {0}).constant("m", S({1}), {0}).constant("v", S({1}), {1});
  d.node("bn", OpKind::BatchNorm, {"x", "s", "b", "m", "v"});
  require_close(run(d.build(), {1}).data, {float(1.0 / std::sqrt(1.0 + 1e-5))}, 1e-7);
  // Rank-2 input [N, C].
  GraphBuilder r(S({2, 2}));
  r.constant("s", S({2}), {1, 2}).constant("b", S({2}), {0, 1}).constant("m", S({2}), {1, 0}).constant("v", S({2}), {4, 1});
  r.node("bn", OpKind::BatchNorm, {"x", "s", "b", "m", "v"}, A().epsilon(0.0));
  require_close(run(r.build(), {3, 3, 5, -1}).data, {1, 7, 2, -1});
}

TEST_CASE("relu reference", "[ops][relu][reference]") {
  require_close(unary(OpKind::Relu, S({1, 5}), {-1.0f, 0.0f, 2.5f, -0.0f, 1e30f}), {0, 0, 2.5f, 0, 1e30f});
  // NaN gives 0 (docs/format.md), as the generated C does.
  const auto y = unary(OpKind::Relu, S({1, 2}), {std::nanf(""), 3.0f});
  CHECK(y[0] == 0.0f);
  CHECK(y[1] == 3.0f);
}

TEST_CASE("relu with activation relu6 clamps to [0, 6], with relu or none it is max(x, 0)",
          "[ops][relu][reference]") {
  const std::vector<float> x{-1.0f, 0.0f, 2.5f, 6.0f, 7.5f, 1e30f, std::nanf("")};
  require_close(unary(OpKind::Relu, S({1, 7}), x, A().act(Activation::Relu6)), {0, 0, 2.5f, 6, 6, 6, 0});
  for (Activation a : {Activation::None, Activation::Relu})
    require_close(unary(OpKind::Relu, S({7}), x, A().act(a)), {0, 0, 2.5f, 6, 7.5f, 1e30f, 0});
}

TEST_CASE("sigmoid, hard_sigmoid, hard_swish and silu references", "[ops][activation][reference]") {
  // sigmoid(2) = 1 / (1 + e^-2) = 0.880797..., sigmoid(-2) = 1 - sigmoid(2); saturates to 1 and 0 without NaN.
  require_close(unary(OpKind::Sigmoid, S({1, 5}), {0.0f, 2.0f, -2.0f, 50.0f, -200.0f}),
                {0.5f, 0.880797078f, 0.119202922f, 1.0f, 0.0f});
  // ONNX's default alpha 0.2, beta 0.5: 0.2 * 1 + 0.5 = 0.7; clamped to [0, 1] at x = -2.5 and 2.5.
  require_close(unary(OpKind::HardSigmoid, S({1, 5}), {-4.0f, -2.5f, 0.0f, 1.0f, 4.0f}), {0, 0, 0.5f, 0.7f, 1});
  // alpha 0.25, beta 0.5 (PyTorch's is 1/6, 1/2): 0.25 * 1 + 0.5 = 0.75.
  require_close(unary(OpKind::HardSigmoid, S({6}), {-4, -2, 0, 1, 2, 4}, A().hard_sigmoid(0.25, 0.5)),
                {0, 0, 0.5f, 0.75f, 1, 1});
  // x * clamp(x / 6 + 1/2, 0, 1): 0 at x <= -3, x at x >= 3, -1 * 1/3 and 1 * 2/3 between.
  require_close(unary(OpKind::HardSwish, S({1, 1, 1, 7}), {-4, -3, -1, 0, 1, 3, 5}),
                {0, 0, -1.0f / 3.0f, 0, 2.0f / 3.0f, 3, 5});
  // x * sigmoid(x): 1 * 0.731059, -1 * 0.268941, 2 * 0.880797.
  require_close(unary(OpKind::Silu, S({4}), {0.0f, 1.0f, -1.0f, 2.0f}), {0.0f, 0.731058579f, -0.268941421f, 1.76159416f});
}

TEST_CASE("conv2d reference with fused silu and hard_sigmoid epilogues", "[ops][activation][reference]") {
  // The 2x2 kernel over 1..9 gives 37, 47, 67, 77; bias -37.5 gives -0.5, 9.5, 29.5, 39.5 before the activation.
  require_close(conv(S({1, 1, 3, 3}), k3x3, S({1, 1, 2, 2}), k2x2, A().act(Activation::Silu), {-37.5f}),
                {-0.188770334f, 9.49928896f, 29.5f, 39.5f});
  // Bias -40: -3, 7, 27, 37; hard_sigmoid with alpha 0.05, beta 0.2: 0.05, 0.55, 1, 1.
  require_close(conv(S({1, 1, 3, 3}), k3x3, S({1, 1, 2, 2}), k2x2,
                     A().act(Activation::HardSigmoid).hard_sigmoid(0.05, 0.2), {-40.0f}),
                {0.05f, 0.55f, 1, 1});
}

TEST_CASE("mul reference: same shapes, or one factor per channel plane", "[ops][mul][reference]") {
  // x = 1..6 as two channels of three pixels; the per-channel scale is each channel's mean: 2 and 5.
  GraphBuilder b(S({1, 2, 1, 3}));
  b.node("s", OpKind::GlobalAvgPool, {"x"}).node("y", OpKind::Mul, {"x", "s"});
  require_close(run(b.build(), iota(6)).data, {2, 4, 6, 20, 25, 30});
  GraphBuilder sq(S({2, 3}));
  sq.node("y", OpKind::Mul, {"x", "x"});
  require_close(run(sq.build(), {1, -2, 3, 0.5f, -1, 4}).data, {1, 4, 9, 0.25f, 1, 16});
}

TEST_CASE("channel_shuffle reference: output channel i*g + j is input channel j*n + i", "[ops][channel_shuffle][reference]") {
  const std::vector<float> x = iota(6, 0.0f);  // channel c holds c
  // groups 2, n = 3: [0, 3, 1, 4, 2, 5].
  require_close(unary(OpKind::ChannelShuffle, S({1, 6, 1, 1}), x, A().groups(2)), {0, 3, 1, 4, 2, 5});
  // groups 3, n = 2: [0, 2, 4, 1, 3, 5].
  require_close(unary(OpKind::ChannelShuffle, S({1, 6, 1, 1}), x, A().groups(3)), {0, 2, 4, 1, 3, 5});
  // groups 1 and groups C are the identity.
  require_close(unary(OpKind::ChannelShuffle, S({1, 6, 1, 1}), x, A().groups(1)), x);
  require_close(unary(OpKind::ChannelShuffle, S({1, 6, 1, 1}), x, A().groups(6)), x);
  // The general rule, checked for every channel, with whole planes moving and a batch of two.
  for (int64_t g : {2, 3}) {
    const int64_t C = 6, n = C / g, plane = 2;
    std::vector<float> in(static_cast<size_t>(2 * C * plane));
    for (size_t i = 0; i < in.size(); ++i) in[i] = float(i);
    const auto y = unary(OpKind::ChannelShuffle, S({2, C, 1, plane}), in, A().groups(g));
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < g; ++j)
          for (int64_t p = 0; p < plane; ++p) {
            INFO("groups " << g << " i " << i << " j " << j);
            CHECK(y[size_t((b * C + i * g + j) * plane + p)] == in[size_t((b * C + j * n + i) * plane + p)]);
          }
  }
}

TEST_CASE("add reference, with fused activations", "[ops][add][reference]") {
  for (Activation act : {Activation::None, Activation::Relu, Activation::Relu6}) {
    GraphBuilder b(S({1, 4}));
    b.node("r", OpKind::Relu, {"x"}).node("y", OpKind::Add, {"x", "r"}, A().act(act));
    const auto y = run(b.build(), {-3, -1, 2, 5}).data;  // x + relu(x) = [-3, -1, 4, 10]
    if (act == Activation::None) require_close(y, {-3, -1, 4, 10});
    if (act == Activation::Relu) require_close(y, {0, 0, 4, 10});
    if (act == Activation::Relu6) require_close(y, {0, 0, 4, 6});
  }
}

TEST_CASE("concat reference: channels in input order, per image", "[ops][concat][reference]") {
  GraphBuilder b(S({2, 1, 1, 2}));
  b.node("d", OpKind::Add, {"x", "x"}).node("y", OpKind::Concat, {"x", "d", "x"});
  const Graph g = b.build();
  CHECK(g.shape(g.output) == S({2, 3, 1, 2}));
  // Image 0: x = [1, 2], 2x = [2, 4]; image 1: x = [3, 4], 2x = [6, 8].
  require_close(run(g, {1, 2, 3, 4}).data, {1, 2, 2, 4, 1, 2, 3, 4, 6, 8, 3, 4});
}

TEST_CASE("max_pool reference", "[ops][max_pool][reference]") {
  // 2x2 windows, stride 2, on a 4x4 plane holding 1..16.
  require_close(unary(OpKind::MaxPool, S({1, 1, 4, 4}), iota(16), A().pool(2, 2)), {6, 8, 14, 16});
  // Padding never wins: all values negative, every 3x3 window (pad 1) covers the whole 2x2 input.
  require_close(unary(OpKind::MaxPool, S({1, 1, 2, 2}), {-5, -3, -2, -4}, A().pool(3, 1, 1)), {-2, -2, -2, -2});
  // The corner window of a 3x3 plane of negatives with kernel 3, stride 2, pad 1 sees 4 real values.
  require_close(unary(OpKind::MaxPool, S({1, 1, 3, 3}), {-9, -8, -7, -6, -5, -4, -3, -2, -1}, A().pool(3, 2, 1)),
                {-5, -4, -2, -1});
  // ceil_mode: 5x5, kernel 2, stride 2 gives 3x3; the last row/column of windows holds one real row/column.
  require_close(unary(OpKind::MaxPool, S({1, 1, 5, 5}), iota(25), A().pool(2, 2).ceil_mode()),
                {7, 9, 10, 17, 19, 20, 22, 24, 25});
  // Dilation 2: each 2x2 window takes taps two apart. On 1..9 (3x3) there is one window: max(1, 3, 7, 9).
  require_close(unary(OpKind::MaxPool, S({1, 1, 3, 3}), iota(9), A().pool(2, 1).dilation(2)), {9});
  // Channels are pooled separately.
  require_close(unary(OpKind::MaxPool, S({1, 2, 2, 2}), {1, 2, 3, 4, -1, -2, -3, -4}, A().pool(2, 2)), {4, -1});
}

TEST_CASE("avg_pool reference: count_include_pad true vs false", "[ops][avg_pool][reference]") {
  // 3x3 plane 1..9, kernel 3, stride 1, pad 1. Corner (0,0) has 4 real positions out of 9: 1+2+4+5 = 12.
  // Edge (0,1) has 6: 1+2+3+4+5+6 = 21. The centre has all 9: 45.
  const auto incl = unary(OpKind::AvgPool, S({1, 1, 3, 3}), iota(9), A().pool(3, 1, 1));
  // Window sums:   12 21 16 / 27 45 33 / 24 39 28; real positions: 4 6 4 / 6 9 6 / 4 6 4.
  require_close(incl, {12.f / 9, 21.f / 9, 16.f / 9, 3, 5, 33.f / 9, 24.f / 9, 39.f / 9, 28.f / 9});
  const auto excl = unary(OpKind::AvgPool, S({1, 1, 3, 3}), iota(9), A().pool(3, 1, 1).count_include_pad(false));
  require_close(excl, {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7});
  // count_include_pad is true by default (PyTorch's AvgPool2d).
  CHECK(Attrs{}.count_include_pad);
  // Without padding both agree.
  require_close(unary(OpKind::AvgPool, S({1, 1, 4, 4}), iota(16), A().pool(2, 2)), {3.5f, 5.5f, 11.5f, 13.5f});
  require_close(unary(OpKind::AvgPool, S({1, 1, 4, 4}), iota(16), A().pool(2, 2).count_include_pad(false)),
                {3.5f, 5.5f, 11.5f, 13.5f});
}

TEST_CASE("avg_pool reference: ceil_mode windows past the right padding are not counted", "[ops][avg_pool][reference]") {
  // One row [1, 2, 3, 4], kernel 3, stride 2, pad 1 (left and right), ceil_mode: windows start at -1, 1, 3.
  // Window 0 covers [-1, 2): padded count 3, real 1+2. Window 1 covers [1, 4): 2+3+4. Window 2 covers [3, 6),
  // clipped to the padded input [3, 5): padded count 2, real count 1 (the value 4). As PyTorch: [1, 3, 2].
  const Attrs a = A().kernel(1, 3).stride(1, 2).pads(0, 1, 0, 1).ceil_mode();
  require_close(unary(OpKind::AvgPool, S({1, 1, 1, 4}), {1, 2, 3, 4}, a), {1, 3, 2});
  Attrs ex = a;
  ex.count_include_pad = false;
  require_close(unary(OpKind::AvgPool, S({1, 1, 1, 4}), {1, 2, 3, 4}, ex), {1.5f, 3, 4});
  // No padding, ceil_mode: [1..5], kernel 2, stride 2: the last window holds only 5.
  require_close(unary(OpKind::AvgPool, S({1, 1, 1, 5}), iota(5), A().kernel(1, 2).stride(1, 2).ceil_mode()),
                {1.5f, 3.5f, 5});
}

TEST_CASE("global_avg_pool reference", "[ops][global_avg_pool][reference]") {
  require_close(unary(OpKind::GlobalAvgPool, S({1, 2, 2, 2}), {1, 2, 3, 4, 10, 20, 30, 40}), {2.5f, 25});
  require_close(unary(OpKind::GlobalAvgPool, S({2, 1, 1, 3}), {1, 2, 6, -1, -2, -6}), {3, -3});
}

TEST_CASE("dense reference: Y = X W^T + B", "[ops][dense][reference]") {
  auto dense = [](std::vector<float> bias, Activation act) {
    GraphBuilder b(S({2, 3}));
    b.constant("w", S({2, 3}), {1, 0, -1, 0.5f, 0.5f, 0.5f}).constant("b", S({2}), std::move(bias));
    b.node("fc", OpKind::Dense, {"x", "w", "b"}, A().act(act));
    return run(b.build(), {1, 2, 3, 4, 5, 6}).data;
  };
  // Row 0: [1 - 3 + 10, 3 + 20]; row 1: [4 - 6 + 10, 7.5 + 20].
  require_close(dense({10, 20}, Activation::None), {8, 23, 8, 27.5f});
  require_close(dense({-10, 0}, Activation::Relu), {0, 3, 0, 7.5f});
  require_close(dense({0, 0}, Activation::Relu6), {0, 3, 0, 6});
  GraphBuilder nb(S({1, 2}));
  nb.constant("w", S({3, 2}), {1, 1, 2, -1, 0, 3}).node("fc", OpKind::Dense, {"x", "w"});
  require_close(run(nb.build(), {2, 5}).data, {7, -1, 15});
}

TEST_CASE("flatten reference: same values, new shape", "[ops][flatten][reference]") {
  GraphBuilder b(S({2, 3, 2, 2}));
  b.node("f", OpKind::Flatten, {"x"});
  const Graph g = b.build();
  const Tensor y = run(g, iota(24));
  CHECK(y.shape == S({2, 12}));
  require_close(y.data, iota(24));
}

TEST_CASE("softmax reference: sums to one, stable for large inputs", "[ops][softmax][reference]") {
  const auto y = unary(OpKind::Softmax, S({1, 3}), {1, 2, 3});
  const double e1 = std::exp(-2.0), e2 = std::exp(-1.0), s = e1 + e2 + 1.0;
  require_close(y, {float(e1 / s), float(e2 / s), float(1.0 / s)}, 1e-6);
  CHECK(double(y[0]) + y[1] + y[2] == Approx(1.0).epsilon(1e-6));
  // exp(1000) overflows float and double: only exp(x - max) is finite.
  const auto big = unary(OpKind::Softmax, S({1, 3}), {1000, 1000, 999});
  const double d = 2.0 + std::exp(-1.0);
  require_close(big, {float(1.0 / d), float(1.0 / d), float(std::exp(-1.0) / d)}, 1e-6);
  const auto neg = unary(OpKind::Softmax, S({1, 2}), {-1000, 0});
  CHECK(std::isfinite(neg[0]));
  CHECK(neg[1] == Approx(1.0));
  // Rows are independent.
  const auto two = unary(OpKind::Softmax, S({2, 2}), {0, 0, 5, 5});
  require_close(two, {0.5f, 0.5f, 0.5f, 0.5f});
  for (float v : big) CHECK(std::isfinite(v));
}

TEST_CASE("interpreter: runs a whole network, interpret_all returns every value", "[interpreter]") {
  const Graph g = mini_shufflenet();
  const Tensor in = Tensor{g.shape(g.input), pattern(g.shape(g.input).elements(), 5)};
  const Tensor out = interpret(g, in);
  CHECK(out.shape == S({1, 10}));
  double sum = 0;
  for (float v : out.data) {
    CHECK(std::isfinite(v));
    sum += v;
  }
  CHECK(sum == Approx(1.0).epsilon(1e-5));
  const auto all = interpret_all(g, in);
  for (const Node &n : g.nodes) {
    INFO(n.name);
    REQUIRE(all.count(n.output));
    CHECK(all.at(n.output).shape == g.shape(n.output));
  }
  CHECK(all.at(g.output).data == out.data);
}
