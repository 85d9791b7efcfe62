// Graph passes. Each is a free function over the graph that returns whether it changed it; each lives in its own
// file in this folder. The pipeline (pipeline.cpp) lists them once, in order, with the reason each exists.
#pragma once
#include <iosfwd>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "targets/target.h"

namespace shufflec {

struct QuantizeRequest;  // compiler/quantize/calibration.h
struct ConvDims;         // ir/ops/conv2d.h

struct PassContext {
  TargetDesc target = portable_c_target();
  const QuantizeRequest *quantize = nullptr;  // --quantize int8: the calibration data for quantize_int8
  bool tiling = true;  // schedule_convs may choose tiled (GEMM) kernels; off when the user disabled that pass
};

bool fold_batch_norm(Graph &g, const PassContext &ctx);
bool fuse_activation(Graph &g, const PassContext &ctx);
bool fuse_residual(Graph &g, const PassContext &ctx);
bool absorb_channel_shuffle(Graph &g, const PassContext &ctx);
bool eliminate_concat(Graph &g, const PassContext &ctx);
bool schedule_convs(Graph &g, const PassContext &ctx);
bool quantize_int8(Graph &g, const PassContext &ctx);  // compiler/quantize/quantize_pass.cpp
// The schedule of an int8 conv (set by quantize_int8; schedule_convs.cpp): the SIMD int8 GEMM, or none (portable).
std::optional<ConvSchedule> schedule_int8_conv(const ConvDims &d, const Attrs &a, const PassContext &ctx);

struct Pass {
  const char *name;
  bool (*run)(Graph &, const PassContext &);
  const char *why;
  // The code generator needs what this pass records: it always runs; disabling it (--no-pass, --passes) runs it
  // with PassContext::tiling off instead.
  bool required = false;
};

// The pipeline, in order.
const std::vector<Pass> &pipeline();

struct PipelineOptions {
  PassContext context;
  std::set<std::string> disabled;       // --no-pass
  bool only_listed = false;             // --passes=LIST given
  std::set<std::string> listed;
  std::string dump_after;               // pass name or "all"
  std::ostream *dump = nullptr;         // where --dump-after prints
  bool verify_each = true;              // run the verifier after every pass that changed the graph
};

// Runs the enabled passes in pipeline order; returns the names of those that changed the graph. A verifier failure
// after a pass is a compiler bug and aborts with an internal error naming the pass.
std::vector<std::string> run_pipeline(Graph &g, const PipelineOptions &opts);

// Checks pass names given on the command line; throws UserError for an unknown one.
void check_pass_names(const std::set<std::string> &names);

// Helpers shared by the passes.
namespace pass_util {
// Replaces every read of `from` (node operands and the graph output) with `to`.
void replace_uses(Graph &g, ValueId from, ValueId to);
// The node producing v, or nullptr for the graph input and constants.
Node *producer(Graph &g, ValueId v);
// True when exactly one node operand reads v and v is not the graph output.
bool single_use(const Graph &g, ValueId v);
// Adds a constant with a name derived from `base` that no other value has.
ValueId add_constant(Graph &g, const std::string &base, Shape shape, std::vector<float> data);
}  // namespace pass_util

}  // namespace shufflec
