// Each pass: a graph where it fires (and the interpreter gives the same output before and after, within 1e-6
// relative) and one where it must not fire.
#include <catch2/catch.hpp>

#include "compiler/passes/passes.h"
#include "graph_builder.h"
#include "ir/interpreter.h"
#include "ir/memory_plan.h"
#include "targets/target.h"

using namespace shufflec;
using namespace shufflec::testing;

namespace {

constexpr double kTolerance = 1e-6;

// Runs `pass` on a copy of g; checks the verifier and numerical equivalence; returns the new graph.
Graph run_and_compare(const Graph &g, bool (*pass)(Graph &, const PassContext &), bool expect_change) {
  Graph after = g;
  const bool changed = pass(after, PassContext{});
  REQUIRE(changed == expect_change);
  topo_sort(after);
  remove_dead_code(after);
  verify(after);
  const Tensor input = [&] {
    Tensor t{g.shape(g.input), std::vector<float>(size_t(g.shape(g.input).elements()))};
    for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = float(std::sin(double(i) * 0.37) * 1.5);
    return t;
  }();
  CHECK(relative_error(interpret(after, input), interpret(g, input)) <= kTolerance);
  return after;
}

}  // namespace

TEST_CASE("fold_batch_norm folds BN into the conv before it") {
  GraphBuilder b(Shape{{1, 4, 6, 6}});
  auto y = b.batch_norm("bn", b.conv("conv", b.input(), 6, 3, 2, 1, true));
  Graph after = run_and_compare(b.finish(y), fold_batch_norm, true);
  CHECK(count_ops(after, OpKind::BatchNorm) == 0);
  CHECK(after.nodes.size() == 1);
}

TEST_CASE("fold_batch_norm leaves BN alone when the conv output is read elsewhere or there is no conv") {
  GraphBuilder b(Shape{{1, 4, 6, 6}});
  auto c = b.conv("conv", b.input(), 4, 1);
  auto bn = b.batch_norm("bn", c);
  auto sum = b.node("sum", OpKind::Add, {bn, c});
  auto bn2 = b.batch_norm("bn2", b.input());
  auto out = b.node("out", OpKind::Add, {sum, bn2});
  Graph after = run_and_compare(b.finish(out), fold_batch_norm, false);
  CHECK(count_ops(after, OpKind::BatchNorm) == 2);
}

TEST_CASE("fuse_activation moves relu into conv, pools, add and through a concat") {
  GraphBuilder b(Shape{{1, 4, 6, 6}});
  auto c = b.relu("r1", b.conv("conv", b.input(), 4, 3));
  auto p = b.avg_pool("pool", b.input(), 1);
  auto q = b.conv("conv2", b.input(), 3, 1);
  auto cat = b.relu("r2", b.node("cat", OpKind::Concat, {p, q}));
  auto sum = b.relu("r3", b.node("sum", OpKind::Add, {c, b.conv("conv3", b.input(), 4, 1)}));
  auto out = b.node("out", OpKind::Concat, {cat, sum});
  Graph after = run_and_compare(b.finish(out), fuse_activation, true);
  CHECK(count_ops(after, OpKind::Relu) == 0);
}

TEST_CASE("fuse_activation keeps relu when its input is read twice or the producer has no epilogue") {
  GraphBuilder b(Shape{{1, 4, 6, 6}});
  auto c = b.conv("conv", b.input(), 4, 3);
  auto r = b.relu("r", c);
  auto sum = b.node("sum", OpKind::Add, {r, c});
  auto r2 = b.relu("r2", b.shuffle("shuffle", sum, 2));
  Graph after = run_and_compare(b.finish(r2), fuse_activation, false);
  CHECK(count_ops(after, OpKind::Relu) == 2);
}

TEST_CASE("fuse_activation moves relu6 into conv and through a concat, as it does relu") {
  GraphBuilder b(Shape{{1, 4, 6, 6}});
  Attrs relu6;
  relu6.activation = Activation::Relu6;
  auto c = b.node("r1", OpKind::Relu, {b.conv("conv", b.input(), 4, 3)}, relu6);
  auto p = b.avg_pool("pool", b.input(), 1);
  auto q = b.conv("conv2", b.input(), 3, 1);
  auto cat = b.node("r2", OpKind::Relu, {b.node("cat", OpKind::Concat, {p, q})}, relu6);
  auto out = b.node("out", OpKind::Concat, {c, cat});
  Graph after = run_and_compare(b.finish(out), fuse_activation, true);
  CHECK(count_ops(after, OpKind::Relu) == 0);
  for (const Node &n : after.nodes)
    if (n.op != OpKind::Concat) CHECK(n.attrs.activation == Activation::Relu6);
}

TEST_CASE("fuse_activation keeps a relu6 whose producer has no epilogue: it runs standalone") {
  GraphBuilder b(Shape{{1, 4, 6, 6}});
  Attrs relu6;
  relu6.activation = Activation::Relu6;
  auto r = b.node("r6", OpKind::Relu, {b.shuffle("shuffle", b.conv("conv", b.input(), 4, 3), 2)}, relu6);
  Graph after = run_and_compare(b.finish(r), fuse_activation, false);
  REQUIRE(count_ops(after, OpKind::Relu) == 1);
  CHECK(after.nodes.back().attrs.activation == Activation::Relu6);
}

TEST_CASE("fuse_activation moves sigmoid, hard_sigmoid (with its alpha, beta), hard_swish and silu into producers") {
  GraphBuilder b(Shape{{1, 4, 6, 6}});
  Attrs hs;
  hs.alpha = 1.0 / 6.0, hs.beta = 0.25;
  auto c1 = b.node("sig", OpKind::Sigmoid, {b.conv("conv1", b.input(), 4, 3)});
  auto c2 = b.node("hsig", OpKind::HardSigmoid, {b.conv("conv2", b.input(), 4, 1, 1, 1, true)}, hs);
  auto c3 = b.node("hswish", OpKind::HardSwish, {b.avg_pool("pool", b.input(), 1)});
  auto c4 = b.node("silu", OpKind::Silu,
                   {b.node("cat", OpKind::Concat, {b.conv("conv4", b.input(), 2, 3), b.conv("conv5", b.input(), 3, 1)})});
  auto out = b.node("out", OpKind::Concat, {c1, c2, c3, c4});
  Graph after = run_and_compare(b.finish(out), fuse_activation, true);
  for (OpKind op : {OpKind::Sigmoid, OpKind::HardSigmoid, OpKind::HardSwish, OpKind::Silu})
    CHECK(count_ops(after, op) == 0);
  for (const Node &n : after.nodes) {
    if (n.name == "conv4" || n.name == "conv5") CHECK(n.attrs.activation == Activation::Silu);
    if (n.name == "conv2") {
      CHECK(n.attrs.activation == Activation::HardSigmoid);
      CHECK(n.attrs.alpha == 1.0 / 6.0);
      CHECK(n.attrs.beta == 0.25);
    }
  }
}

TEST_CASE("fuse_activation keeps a sigmoid after a mul (no epilogue slot): the squeeze-excitation output") {
  GraphBuilder b(Shape{{1, 4, 6, 6}});
  auto scale = b.node("gate", OpKind::Sigmoid, {b.conv("fc", b.node("gap", OpKind::GlobalAvgPool, {b.input()}), 4, 1)});
  auto y = b.node("sig", OpKind::Sigmoid, {b.node("se", OpKind::Mul, {b.input(), scale})});
  Graph after = run_and_compare(b.finish(y), fuse_activation, true);
  CHECK(count_ops(after, OpKind::Sigmoid) == 1);  // the gate fused into fc; the one after mul stays
  CHECK(count_ops(after, OpKind::Mul) == 1);
}

TEST_CASE("fuse_residual makes add + relu the epilogue of the conv feeding it") {
  GraphBuilder b(Shape{{1, 6, 5, 5}});
  auto x = b.relu("x", b.conv("stem", b.input(), 6, 3));
  Attrs relu;
  relu.activation = Activation::Relu;
  auto y = b.node("add", OpKind::Add, {x, b.conv("branch", x, 6, 1, 3)}, relu);
  Graph after = run_and_compare(b.finish(y), fuse_residual, true);
  CHECK(count_ops(after, OpKind::Add) == 0);
  CHECK(after.nodes.back().inputs.size() == 4);  // x, weight, (zero) bias, residual
  CHECK(after.nodes.back().attrs.activation == Activation::Relu);
}

TEST_CASE("fuse_residual leaves add alone when no single-use conv without epilogue feeds it") {
  GraphBuilder b(Shape{{1, 6, 5, 5}});
  auto c = b.conv("c", b.input(), 6, 1);
  auto twice = b.node("twice", OpKind::Add, {c, c});
  auto r = b.relu("r", b.conv("d", b.input(), 6, 1));
  auto out = b.node("out", OpKind::Add, {twice, r});
  Graph after = run_and_compare(b.finish(out), fuse_residual, false);
  CHECK(count_ops(after, OpKind::Add) == 2);
}

TEST_CASE("absorb_channel_shuffle folds the shuffle into the producing conv's output placement") {
  for (int64_t groups : {2, 3, 4}) {
    GraphBuilder b(Shape{{1, 12, 5, 5}});
    auto c = b.conv("gconv", b.input(), 12, 1, groups);
    auto s = b.shuffle("shuffle", c, groups);
    auto y = b.conv("dw", s, 12, 3, 12);
    Graph after = run_and_compare(b.finish(y), absorb_channel_shuffle, true);
    CHECK(count_ops(after, OpKind::ChannelShuffle) == 0);
  }
}

TEST_CASE("absorb_channel_shuffle moves the shuffle across relu and batch_norm first") {
  GraphBuilder b(Shape{{1, 12, 5, 5}});
  auto c = b.relu("relu", b.batch_norm("bn", b.conv("gconv", b.input(), 12, 1, 3)));
  auto y = b.conv("dw", b.shuffle("shuffle", c, 3), 12, 3, 12);
  Graph after = run_and_compare(b.finish(y), absorb_channel_shuffle, true);
  CHECK(count_ops(after, OpKind::ChannelShuffle) == 0);
  CHECK(count_ops(after, OpKind::BatchNorm) == 1);
}

TEST_CASE("absorb_channel_shuffle keeps a shuffle no conv can absorb, as a correct copy") {
  GraphBuilder b(Shape{{1, 12, 5, 5}});
  auto on_input = b.shuffle("s1", b.input(), 3);  // graph input: nothing to absorb it
  auto c = b.conv("c", b.input(), 12, 1, 2);
  auto s2 = b.shuffle("s2", c, 4);
  auto read_twice = b.node("sum", OpKind::Add, {s2, c});  // the conv output is read elsewhere too
  auto out = b.node("out", OpKind::Add, {on_input, read_twice});
  Graph after = run_and_compare(b.finish(out), absorb_channel_shuffle, false);
  CHECK(count_ops(after, OpKind::ChannelShuffle) == 2);
}

TEST_CASE("eliminate_concat marks a concat of single-use producers in place, and the plan places them") {
  GraphBuilder b(Shape{{1, 4, 8, 8}});
  auto p = b.avg_pool("pool", b.input(), 2);
  auto c = b.conv("conv", b.input(), 6, 3, 1, 2);
  auto cat = b.node("cat", OpKind::Concat, {p, c});
  Graph after = run_and_compare(b.finish(cat), eliminate_concat, true);
  REQUIRE(after.nodes.back().attrs.in_place);
  const MemoryPlan plan = plan_memory(after);
  const auto [root_p, off_p] = storage_root(plan, *after.find_value("pool"));
  const auto [root_c, off_c] = storage_root(plan, *after.find_value("conv"));
  CHECK(root_p == *after.find_value("cat"));
  CHECK(root_c == root_p);
  CHECK(off_p == 0);
  CHECK(off_c == 4 * 4 * 4);  // after the pool's 4 channels of 4x4
}

TEST_CASE("eliminate_concat does not fire for batch 2 or inputs read elsewhere") {
  {
    GraphBuilder b(Shape{{2, 4, 8, 8}});
    auto cat = b.node("cat", OpKind::Concat, {b.avg_pool("p", b.input(), 2), b.conv("c", b.input(), 2, 3, 1, 2)});
    run_and_compare(b.finish(cat), eliminate_concat, false);
  }
  {
    GraphBuilder b(Shape{{1, 4, 8, 8}});
    auto p = b.avg_pool("p", b.input(), 2);
    auto cat = b.node("cat", OpKind::Concat, {p, b.conv("c", b.input(), 4, 3, 1, 2)});
    auto out = b.node("out", OpKind::Concat, {cat, p});
    run_and_compare(b.finish(out), eliminate_concat, false);
  }
}

TEST_CASE("schedule_convs gives GEMM convs a register tile from the target, other convs their own kernel") {
  GraphBuilder b(Shape{{1, 240, 28, 28}});
  auto c = b.conv("pw", b.input(), 60, 1, 3);
  Graph after = run_and_compare(b.finish(c), schedule_convs, true);
  REQUIRE(after.nodes[0].schedule);
  const ConvSchedule &pw = *after.nodes[0].schedule;
  CHECK(pw.kernel == ConvKernel::Gemm);
  // Portable C: 4-float vectors, 16 registers. NR = 2 vectors = 8 pixels; MR = (16 - 2 - 2) / 2 = 6 channels.
  CHECK((pw.gemm.mr == 6 && pw.gemm.nr == 8 && pw.gemm.nr_tail == 0));
  // 1x1, 80 taps: one K block (80 x 8 floats fit half of L1), all 4 channel blocks (80 x 6 weights per block fit
  // half of L2), slabs of 408 pixels (80 x 408 floats within half of the 256 KB L2), input read in place.
  CHECK(pw.gemm.panels == GemmPanels::InPlace);
  CHECK(pw.gemm.blocking == PointwiseBlocking{.tile_stationary = true, .pack_slab = false, .k_block = 80,
                                              .channel_blocks = 4, .slab_pixels = 408});
  CHECK(pw.workspace_floats == 0);  // 784 pixels: whole tiles only, read in place
  CHECK(describe(pw) == "gemm(tile=6x8/0, in_place, k_block=80, channel_blocks=4, slab=408, tile_stationary)");
  // A dense 3x3 conv is a GEMM too; on a 2x2 output plane one vector of pixels is enough, leaving room for 8 rows
  // (capped) but only 5 output channels exist. Its 72 taps x 4 pixels are packed as whole rows (2 rows of 2).
  GraphBuilder b2(Shape{{1, 8, 4, 4}});
  Graph k3 = run_and_compare(b2.finish(b2.conv("k3", b2.input(), 5, 3, 1, 2)), schedule_convs, true);
  REQUIRE(k3.nodes[0].schedule);
  CHECK((k3.nodes[0].schedule->gemm.mr == 5 && k3.nodes[0].schedule->gemm.nr == 4));
  CHECK(k3.nodes[0].schedule->gemm.panels == GemmPanels::RowPanels);
  CHECK(k3.nodes[0].schedule->workspace_floats == 72 * 4);
  // Depthwise: one output channel per group, its own kernel.
  GraphBuilder b3(Shape{{1, 8, 6, 6}});
  Graph dw = run_and_compare(b3.finish(b3.conv("dw", b3.input(), 8, 3, 8)), schedule_convs, true);
  CHECK(dw.nodes[0].schedule->kernel == ConvKernel::Depthwise);
  // With tiling off (the pass disabled), a dense conv gets the direct kernel, 4 channels at a time when MG allows.
  GraphBuilder b4(Shape{{1, 8, 6, 6}});
  Graph direct = b4.finish(b4.conv("d", b4.input(), 12, 3, 1, 1));
  PassContext untiled;
  untiled.tiling = false;
  REQUIRE(schedule_convs(direct, untiled));
  CHECK(direct.nodes[0].schedule->kernel == ConvKernel::Direct);
  CHECK(direct.nodes[0].schedule->direct_channels == 4);
  CHECK_FALSE(schedule_convs(direct, untiled));  // deciding again changes nothing
}

TEST_CASE("schedule_convs gives narrow stride-1 depthwise planes the flat kernel, with its workspace") {
  // 5x5 depthwise on 14x14 (EfficientNet's stage 5): the row kernel's interior is 10 columns, less than AVX-512's
  // 16 lanes, so it would run scalar; AVX2's 8 lanes fit. Stride 2 always keeps the row kernel.
  GraphBuilder b(Shape{{1, 32, 14, 14}});
  const ValueId s1 = b.conv("s1", b.input(), 32, 5, 32);
  const Graph g = b.finish(b.conv("s2", s1, 32, 5, 32, 2));
  Graph avx512 = g, avx2 = g, portable = g;
  REQUIRE(schedule_convs(avx512, PassContext{parse_target("x86_64-linux-gnu+avx512f,avx512bw,avx512vl")}));
  REQUIRE(schedule_convs(avx2, PassContext{parse_target("x86_64-linux-gnu+avx2,fma")}));
  REQUIRE(schedule_convs(portable, PassContext{parse_target("c")}));
  CHECK(avx512.nodes[0].schedule->kernel == ConvKernel::DepthwiseFlat);
  // Sums: 14 rows of 18 = 252, whole vectors: 256. Padded plane: 18 x 18 = 324 floats, but the last vector's taps
  // reach 256 + 4 rows * 18 + 4 = 332.
  CHECK(avx512.nodes[0].schedule->workspace_floats == 332 + 256);
  CHECK(avx512.nodes[1].schedule->kernel == ConvKernel::Depthwise);
  CHECK(avx2.nodes[0].schedule->kernel == ConvKernel::Depthwise);
  CHECK(portable.nodes[0].schedule->kernel == ConvKernel::Depthwise);
}

TEST_CASE("schedule_convs sizes the register tile from the target's registers and lanes") {
  GraphBuilder b(Shape{{1, 240, 28, 28}});
  const Graph g = b.finish(b.conv("pw", b.input(), 240, 1, 3));
  // AVX2 (16 registers of 8 floats): NR = 2 vectors, MR = (16 - 2 - 2) / 2 = 6. AVX-512 (32 registers of 16
  // floats): NR = 4 vectors = 64 pixels, MR = (32 - 4 - 2) / 4 = 6; 784 pixels leave a last tile of 16. On a 7x7
  // plane 4 vectors cover the 49 pixels, and on a 2x2 plane one vector leaves room for 29 channels, capped at 12.
  // AArch64 (32 registers of 4): NR = 4 vectors, MR = (32 - 4 - 2) / 4 = 6.
  const struct {
    std::string spec;
    int64_t mr, nr, nr_tail;
  } cases[] = {{"x86_64-linux-gnu+avx2,fma", 6, 16, 0},
               {"x86_64-linux-gnu+avx512f,avx512bw,avx512vl", 6, 64, 16},
               {"aarch64-linux-gnu", 6, 16, 0}};
  for (const auto &c : cases) {
    INFO(c.spec);
    Graph after = g;
    REQUIRE(schedule_convs(after, PassContext{parse_target(c.spec)}));
    const GemmSchedule &s = after.nodes[0].schedule->gemm;
    CHECK((s.mr == c.mr && s.nr == c.nr && s.nr_tail == c.nr_tail));
  }
  GraphBuilder small(Shape{{1, 64, 2, 2}});
  Graph tiny = small.finish(small.conv("pw", small.input(), 64, 1));
  REQUIRE(schedule_convs(tiny, PassContext{parse_target("x86_64-linux-gnu+avx512f,avx512bw,avx512vl")}));
  const GemmSchedule &s = tiny.nodes[0].schedule->gemm;
  CHECK((s.mr == 12 && s.nr == 16 && s.nr_tail == 16));
}

TEST_CASE("schedule_convs packs dense KxK convs with many input channels on wide planes as K-blocked row panels") {
  // ResNet-18's 3x3 conv at 56x56 (64 -> 64 channels). AVX-512: NR = 64 pixels spans two output rows, so per-tile
  // im2col would take its per-pixel path. K blocks of 7 channels (63 taps x 64 pixels within half of the 32 KB L1)
  // and panels of 8 rows (448 pixels = 7 tiles; 63 x 448 floats within half of the 1 MB L2).
  GraphBuilder b(Shape{{1, 64, 56, 56}});
  const Graph g = b.finish(b.conv("c3", b.input(), 64, 3));
  Graph avx512 = g;
  REQUIRE(schedule_convs(avx512, PassContext{parse_target("x86_64-linux-gnu+avx512f,avx512bw,avx512vl")}));
  const ConvSchedule &s = *avx512.nodes[0].schedule;
  CHECK(s.gemm.panels == GemmPanels::RowPanels);
  CHECK((s.gemm.panel_rows == 8 && s.gemm.panel_channels == 7));
  CHECK(s.workspace_floats == 63 * 448);
  CHECK(describe(s) == "gemm(tile=6x64/0, row_panels=8, k_block_channels=7, workspace=28224)");
  // AVX2: NR = 16; 28 channels (252 taps x 16 pixels in half of L1), 2 rows (252 x 112 floats in half of 256 KB).
  Graph avx2 = g;
  REQUIRE(schedule_convs(avx2, PassContext{parse_target("x86_64-linux-gnu+avx2,fma")}));
  CHECK((avx2.nodes[0].schedule->gemm.panel_rows == 2 && avx2.nodes[0].schedule->gemm.panel_channels == 28));
  // The interpreter's output is unchanged (the schedule is data only).
  run_and_compare(g, schedule_convs, true);
}

TEST_CASE("schedule_convs keeps per-tile panels where no row panel fits, and few taps in one block") {
  // 14x14 on AVX-512: no whole number of rows (dividing 14) makes a multiple of 64 pixels: packed per tile.
  GraphBuilder b(Shape{{1, 256, 14, 14}});
  Graph narrow = b.finish(b.conv("c3", b.input(), 32, 3));
  REQUIRE(schedule_convs(narrow, PassContext{parse_target("x86_64-linux-gnu+avx512f,avx512bw,avx512vl")}));
  CHECK(narrow.nodes[0].schedule->gemm.panels == GemmPanels::TilePanels);
  // A first layer (3 channels x 3 x 3 taps): one K block, row panels as before (no k_block_channels).
  GraphBuilder b2(Shape{{1, 3, 32, 32}});
  Graph first = b2.finish(b2.conv("c1", b2.input(), 16, 3));
  REQUIRE(schedule_convs(first, PassContext{parse_target("x86_64-linux-gnu+avx2,fma")}));
  CHECK(first.nodes[0].schedule->gemm.panels == GemmPanels::RowPanels);
  CHECK(first.nodes[0].schedule->gemm.panel_channels == 0);
}
