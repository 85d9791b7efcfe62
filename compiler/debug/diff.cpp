#include "compiler/debug/diff.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "compiler/debug/npz.h"
#include "compiler/debug/onnx_names.h"
#include "compiler/debug/quant_diff.h"
#include "compiler/frontend/onnx_frontend.h"
#include "compiler/debug/tap_runner.h"
#include "compiler/tensor_io.h"
#include "ir/interpreter.h"

namespace shufflec {
namespace {

// Shapes match when equal, or equal once their 1-sized dimensions are dropped (PyTorch's Linear gives [1, 10]
// where a graph may say [1, 10, 1, 1]).
bool same_shape(const Shape &a, const Shape &b) {
  auto squeeze = [](const Shape &s) {
    std::vector<int64_t> d;
    for (int64_t x : s.dims)
      if (x != 1) d.push_back(x);
    return d;
  };
  return a == b || squeeze(a) == squeeze(b);
}

struct Reference {
  std::map<std::string, Tensor> by_node;  // source node name -> its output
  std::vector<std::string> unused;        // npz names the compiled graph does not keep (or the graph lacks)
};

Reference interpreter_reference(const Graph &g, const Tensor &input) {
  std::map<ValueId, Tensor> values = interpret_all(g, input);
  Reference r;
  for (const Node &n : g.nodes) r.by_node[n.name] = std::move(values.at(n.output));
  return r;
}

// The npz's arrays matched to source nodes by node name, else by the node's output value name, else (ONNX) by the
// name of the tensor the node computes.
Reference npz_reference(const Graph &g, const std::string &path) {
  std::map<std::string, std::vector<std::string>> tensors_of;  // node name -> ONNX tensor names
  if (is_onnx_path(g.source))
    for (const auto &[tensor, node] : onnx_tensor_producers(g.source)) tensors_of[node].push_back(tensor);
  std::map<std::string, Tensor> arrays;
  std::vector<std::string> order;
  for (auto &[name, t] : read_npz(path)) {
    order.push_back(name);
    arrays[name] = std::move(t);
  }
  Reference r;
  std::set<std::string> used;
  for (const Node &n : g.nodes) {
    std::vector<std::string> keys = {n.name, g.value(n.output).name};
    if (auto it = tensors_of.find(n.name); it != tensors_of.end())
      keys.insert(keys.end(), it->second.begin(), it->second.end());
    for (const std::string &key : keys) {
      auto it = arrays.find(key);
      if (it == arrays.end()) continue;
      if (!same_shape(it->second.shape, g.shape(n.output)))
        throw UserError(path, n.name, fmt::format("array '{}' has shape {}, the node's output is {}", key,
                                                  it->second.shape.str(), g.shape(n.output).str()));
      used.insert(key);
      r.by_node[n.name] = it->second;
      break;
    }
  }
  for (const std::string &name : order)
    if (!used.count(name)) r.unused.push_back(name);
  return r;
}

}  // namespace

TensorError compare_tensors(const std::vector<float> &got, const std::vector<float> &ref) {
  SHUFFLEC_ASSERT(got.size() == ref.size());
  TensorError e;
  double max_ref = 0, dot = 0, gg = 0, rr = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double a = got[i], b = ref[i], d = std::fabs(a - b);
    e.max_abs = std::isnan(d) || std::isnan(e.max_abs) ? NAN : std::max(e.max_abs, d);
    max_ref = std::max(max_ref, std::fabs(b));
    dot += a * b, gg += a * a, rr += b * b;
  }
  e.relative = std::isnan(e.max_abs) ? INFINITY : e.max_abs / (max_ref > 0 ? max_ref : 1.0);
  e.cosine = gg == 0 && rr == 0 ? 1.0 : (gg == 0 || rr == 0 ? 0.0 : dot / std::sqrt(gg * rr));
  return e;
}

int run_diff(const Graph &g, const DiffOptions &options, std::ostream &out) {
  const Tensor input = read_tensor(options.input, g.shape(g.input));
  for (size_t i = 0; i < input.data.size(); ++i)
    if (!std::isfinite(input.data[i]))
      throw UserError(options.input, "", fmt::format("value {} is not finite", i));
  const bool interpreter = options.reference == "interpreter";
  Reference ref = interpreter ? Reference{} : npz_reference(g, options.reference);
  TapRunner runner(g, options.target, options.pipeline);
  if (interpreter) ref = interpreter_reference(g, input);
  const std::map<int, std::vector<float>> tapped = runner.dump(input);

  // Report in source graph order: the first diverging node is the first in the model as written.
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < g.nodes.size(); ++i) position[g.nodes[i].name] = i;
  std::vector<const TapPoint *> taps;
  for (const TapPoint &t : runner.build().taps) taps.push_back(&t);
  std::stable_sort(taps.begin(), taps.end(), [&](const TapPoint *a, const TapPoint *b) {
    return position.at(a->source) < position.at(b->source);
  });
  const bool int8 = options.pipeline.context.quantize != nullptr;
  size_t width = 4;
  for (const TapPoint *t : taps) width = std::max(width, t->source.size());
  out << fmt::format("{:<{}}  {:<20} {:>11} {:>11} {:>10}{}  {}\n", "node", width, "shape", "max|err|", "rel err",
                     "cosine", int8 ? fmt::format(" {:>9}", "SQNR dB") : "", "verdict");
  std::string first_diverging;
  std::vector<std::string> unchecked;
  for (const TapPoint *t : taps) {
    auto r = ref.by_node.find(t->source);
    auto got = tapped.find(t->index);
    SHUFFLEC_ASSERT(got != tapped.end());
    if (r == ref.by_node.end()) {
      unchecked.push_back(t->source);
      continue;
    }
    SHUFFLEC_ASSERT(r->second.data.size() == got->second.size());
    const TensorError e = compare_tensors(got->second, r->second.data);
    const double sqnr = int8 ? sqnr_db(got->second, r->second.data) : 0.0;
    const bool ok = int8 ? sqnr >= options.min_sqnr_db : e.relative <= options.tolerance;  // NaN: diverges
    if (!ok && first_diverging.empty()) first_diverging = t->source;
    out << fmt::format("{:<{}}  {:<20} {:>11.3g} {:>11.3g} {:>10.6f}{}  {}\n", t->source, width, t->shape.str(),
                       e.max_abs, e.relative, e.cosine, int8 ? fmt::format(" {:>9.1f}", sqnr) : "",
                       ok ? "ok" : "DIVERGES");
  }
  if (!unchecked.empty())
    out << fmt::format("not in the reference ({}): {}\n", unchecked.size(), fmt::join(unchecked, ", "));
  std::set<std::string> tapped_names;
  for (const TapPoint *t : taps) tapped_names.insert(t->source);
  std::vector<std::string> folded;
  for (const Node &n : g.nodes)
    if (ref.by_node.count(n.name) && !tapped_names.count(n.name)) folded.push_back(n.name);
  if (!folded.empty())
    out << fmt::format("not kept by the compiled graph (fused or folded away) ({}): {}\n", folded.size(),
                       fmt::join(folded, ", "));
  if (!ref.unused.empty())
    out << fmt::format("in the reference but no node of the model ({}): {}\n", ref.unused.size(),
                       fmt::join(ref.unused, ", "));
  bool int8_exact = true;
  if (int8) {
    // The build's own correctness, apart from quantization error: its int8 tensors against the int8 oracle.
    const Int8TapCheck check = check_int8_taps(runner.build(), input, tapped);
    std::vector<std::string> differing;
    for (int index : check.differing) differing.push_back(runner.build().taps[size_t(index)].source);
    int8_exact = differing.empty();
    out << fmt::format("int8 interpreter: {} of {} int8 taps equal bit for bit{}\n",
                       check.checked - int(differing.size()), check.checked,
                       int8_exact ? "" : fmt::format("; differing: {}", fmt::join(differing, ", ")));
    out << fmt::format("verdict: SQNR >= {:g} dB against the fp32 {}; target {}\n", options.min_sqnr_db,
                       interpreter ? "interpreter" : "reference", options.target.name);
  } else {
    out << fmt::format("tolerance: max|err| / max|ref| <= {:g}; target {}\n", options.tolerance,
                       options.target.name);
  }
  out << "first diverging node: " << (first_diverging.empty() ? "none" : first_diverging) << "\n";
  return first_diverging.empty() && int8_exact ? 0 : 1;
}

}  // namespace shufflec
