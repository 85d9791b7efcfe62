// absorb_channel_shuffle: makes channel_shuffle cost nothing. In NCHW a channel permutation only decides where
// each channel plane is stored, so the conv producing the shuffle's input can write output channel c straight to
// its shuffled position (out_channel_map). Per-channel ops between that conv and the shuffle (relu, batch_norm)
// commute with the permutation: the shuffle moves in front of them first, permuting BN's parameters.
// A shuffle no conv can absorb (its input is the graph input, a concat, or read elsewhere) stays as a copy.
#include "compiler/passes/passes.h"

namespace shufflec {
namespace {

// Where input channel c ends up: output channel i*g + j takes input channel j*n + i.
int64_t shuffled_position(int64_t c, int64_t channels, int64_t groups) {
  const int64_t n = channels / groups;
  return (c % n) * groups + c / n;
}

// The source values a node held, now stored shuffled: each channel moves to its shuffled position.
std::vector<SourceValue> shuffled_sources(std::vector<SourceValue> sources, int64_t channels, int64_t groups) {
  for (SourceValue &s : sources) {
    if (s.channel_map.empty())
      for (int64_t c = 0; c < channels; ++c) s.channel_map.push_back(c);
    for (int64_t &c : s.channel_map) c = shuffled_position(c, channels, groups);
  }
  return sources;
}

// shuffle(p(x)) -> p(shuffle(x)) for a per-channel op p whose output only the shuffle reads.
bool move_before_per_channel_op(Graph &g, Node &shuffle) {
  using namespace pass_util;
  Node *p = producer(g, shuffle.inputs[0]);
  if (!p || (p->op != OpKind::Relu && p->op != OpKind::BatchNorm) || !single_use(g, shuffle.inputs[0])) return false;
  const int64_t C = g.shape(p->output)[1], G = shuffle.attrs.groups;
  if (p->op == OpKind::BatchNorm) {
    for (size_t k = 1; k < 5; ++k) {  // parameter for output channel q is the old one of the channel moved there
      const std::vector<float> &old = g.value(p->inputs[k]).data;
      std::vector<float> permuted(old.size());
      for (int64_t c = 0; c < C; ++c) permuted[shuffled_position(c, C, G)] = old[c];
      p->inputs[k] = add_constant(g, g.value(p->inputs[k]).name + ".shuffled", Shape{{C}}, std::move(permuted));
      p = producer(g, shuffle.inputs[0]);
    }
  }
  const ValueId x = p->inputs[0], p_out = p->output, s_out = shuffle.output;
  // Provenance: p's output now holds what the shuffle's held, and its own source values shuffled. The shuffle's
  // holds x's shuffled, which x's producer already reports.
  std::vector<SourceValue> p_sources = shuffled_sources(p->sources, C, G);
  p_sources.insert(p_sources.end(), shuffle.sources.begin(), shuffle.sources.end());
  p->sources = std::move(p_sources);
  shuffle.sources.clear();
  replace_uses(g, s_out, p_out);  // users of the shuffle now read p
  shuffle.inputs[0] = x;          // the shuffle reads p's old input
  p->inputs[0] = s_out;           // and p reads the shuffle
  return true;
}

}  // namespace

bool absorb_channel_shuffle(Graph &g, const PassContext &) {
  using namespace pass_util;
  bool changed = false;
  // One sweep in execution order; restarting it (and sorting the graph) after each change made the pass quadratic.
  for (size_t i = 0; i < g.nodes.size();) {
    Node &shuffle = g.nodes[i];
    if (shuffle.op != OpKind::ChannelShuffle || shuffle.inputs.empty()) {
      ++i;
      continue;
    }
    if (const auto p = g.producer(shuffle.inputs[0]); p && move_before_per_channel_op(g, shuffle)) {
      // p now reads the shuffle. Only the shuffle read p, so swapping the two keeps the order topological; look at
      // the shuffle again in p's place, where it may move further up or into a conv.
      std::swap(g.nodes[static_cast<size_t>(*p)], g.nodes[i]);
      i = static_cast<size_t>(*p);
      changed = true;
      continue;
    }
    Node *conv = producer(g, shuffle.inputs[0]);
    if (conv && conv->op == OpKind::Conv2d && single_use(g, shuffle.inputs[0]) && conv->inputs.size() <= 3) {
      const int64_t M = g.shape(conv->output)[1];
      std::vector<int64_t> map = conv->attrs.out_channel_map;
      if (map.empty())
        for (int64_t m = 0; m < M; ++m) map.push_back(m);
      for (int64_t &c : map) c = shuffled_position(c, M, shuffle.attrs.groups);
      conv->attrs.out_channel_map = std::move(map);
      // The conv's output now holds the shuffle's output as it is, and its own source values shuffled.
      std::vector<SourceValue> sources = shuffled_sources(conv->sources, M, shuffle.attrs.groups);
      sources.insert(sources.end(), shuffle.sources.begin(), shuffle.sources.end());
      conv->sources = std::move(sources);
      replace_uses(g, shuffle.output, shuffle.inputs[0]);
      // The shuffle is dead: it stops reading the conv's output (so it does not count as a use) and the pipeline's
      // remove_dead_code drops it after the pass.
      shuffle.inputs.clear();
      changed = true;
    }
    ++i;
  }
  return changed;
}

}  // namespace shufflec
