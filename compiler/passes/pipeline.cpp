#include <ostream>

#include "compiler/passes/passes.h"
#include "ir/verify.h"

namespace shufflec {

const std::vector<Pass> &pipeline() {
  static const std::vector<Pass> passes = {
      {"fold_batch_norm", fold_batch_norm,
       "inference BN after a conv is a per-channel scale and shift: fold it into the conv's weights and bias"},
      {"fuse_activation", fuse_activation,
       "ReLU becomes its producer's epilogue (through a concat, the epilogue of each of its producers)"},
      {"fuse_residual", fuse_residual,
       "a residual add (+ReLU) becomes the epilogue of the conv feeding it: no separate pass over memory"},
      {"absorb_channel_shuffle", absorb_channel_shuffle,
       "the channel shuffle moves past per-channel ops into its producing conv, which writes each output plane "
       "at its shuffled position: the shuffle costs nothing"},
      {"eliminate_concat", eliminate_concat,
       "a concat's producers write straight into their channel slices of its buffer: no copy"},
      {"schedule_convs", schedule_convs,
       "each conv's kernel, register tile and cache blocking, chosen once from the target description (convs with "
       "two or more output channels per group run as a packed GEMM per group)",
       /*required=*/true},
      {"quantize_int8", quantize_int8,
       "--quantize int8: calibrate the optimised graph, run what has an int8 kernel in int8 and record every scale, "
       "zero point and requantization on the graph (docs/quantization.md); nothing without --quantize",
       /*required=*/true},
  };
  return passes;
}

void check_pass_names(const std::set<std::string> &names) {
  for (const std::string &name : names) {
    bool known = false;
    std::string all;
    for (const Pass &p : pipeline()) {
      known |= name == p.name;
      all += (all.empty() ? "" : ", ") + std::string(p.name);
    }
    if (!known && name != "all") throw UserError("", "", fmt::format("unknown pass '{}' (passes: {})", name, all));
  }
}

std::vector<std::string> run_pipeline(Graph &g, const PipelineOptions &opts) {
  std::vector<std::string> changed_by;
  for (const Pass &p : pipeline()) {
    const bool enabled = !opts.disabled.count(p.name) && (!opts.only_listed || opts.listed.count(p.name));
    if (!enabled && !p.required) continue;
    PassContext context = opts.context;
    if (!enabled) context.tiling = false;
    if (!p.run(g, context)) continue;
    changed_by.push_back(p.name);
    topo_sort(g);
    remove_dead_code(g);
    if (opts.verify_each) {
      try {
        verify(g);
      } catch (const UserError &e) {
        std::fprintf(stderr, "shufflec: internal error: the graph is invalid after pass '%s': %s\n", p.name, e.what());
        std::abort();
      }
    }
    if (opts.dump && (opts.dump_after == "all" || opts.dump_after == p.name))
      *opts.dump << "// after " << p.name << "\n" << print_graph(g);
  }
  return changed_by;
}

namespace pass_util {

void replace_uses(Graph &g, ValueId from, ValueId to) {
  for (Node &n : g.nodes)
    for (ValueId &in : n.inputs)
      if (in == from) in = to;
  if (g.output == from) g.output = to;
}

Node *producer(Graph &g, ValueId v) {
  const auto i = g.producer(v);  // cached: a scan here made every pass quadratic in the graph size
  return i ? &g.nodes[static_cast<size_t>(*i)] : nullptr;
}

bool single_use(const Graph &g, ValueId v) {
  if (v == g.output) return false;
  int uses = 0;
  for (const Node &n : g.nodes)
    for (ValueId in : n.inputs) uses += in == v;
  return uses == 1;
}

ValueId add_constant(Graph &g, const std::string &base, Shape shape, std::vector<float> data) {
  std::string name = base;
  for (int i = 2; g.find_value(name); ++i) name = fmt::format("{}.{}", base, i);
  return g.add_value(Value{name, ValueKind::Constant, std::move(shape), std::move(data)});
}

}  // namespace pass_util
}  // namespace shufflec
