#include "compiler/compile.h"

#include "compiler/info.h"
#include "compiler/tensor_io.h"
#include "ir/interpreter.h"
#include "ir/quant/int8_interpreter.h"

namespace shufflec {

CompiledModel compile_model(Graph g, const CompileOptions &options) {
  const std::string model = g.source;
  const Graph original = options.emit_test && !options.test_expect ? g : Graph{};
  for (Node &n : g.nodes) n.sources = {SourceValue{n.name, {}}};  // debug taps: the source graph is this one
  PipelineOptions pipeline = options.pipeline;
  pipeline.context.target = options.emit.target;
  run_pipeline(g, pipeline);
  MemoryPlan plan = plan_memory(g);
  if (options.ram_budget && plan.arena_bytes() > *options.ram_budget)
    throw UserError(model, g.nodes[static_cast<size_t>(plan.peak_node)].name,
                    fmt::format("the activation arena needs {} bytes, over the --ram-budget of {} bytes (peak at this "
                                "layer; liveness lower bound {} bytes)",
                                plan.arena_bytes(), *options.ram_budget, plan.lower_bound_floats * plan.unit_bytes));
  CModule m = emit_c_module(g, plan, options.emit);
  Footprint footprint = model_footprint(m, options.emit, options.measure_footprint || options.flash_budget);
  if (options.flash_budget && footprint.flash_bytes() > *options.flash_budget) {
    const LayerFlash *largest = footprint.largest_layer();
    throw UserError(model, largest ? g.nodes[largest->node].name : "",
                    fmt::format("flash needs {} bytes ({}code {} + weights {} + other constants {} + data {}), over "
                                "the --flash-budget of {} bytes (largest contributor: {})",
                                footprint.flash_bytes(), footprint.measured ? "" : "estimated: ", footprint.code_bytes,
                                footprint.weights_bytes, footprint.other_constant_bytes, footprint.data_bytes,
                                *options.flash_budget,
                                largest ? fmt::format("this layer, {} bytes of weights + {} bytes of code",
                                                      largest->weights_bytes, largest->code_bytes)
                                        : "none"));
  }
  const std::string &prefix = options.emit.prefix;
  CompiledModel out{std::move(g), std::move(plan), std::move(footprint), {}};
  out.files.push_back({prefix + ".c", std::move(m.source)});
  out.files.push_back({prefix + ".h", std::move(m.header)});
  if (options.emit.external_weights) out.files.push_back({prefix + ".weights.bin", m.weights_file});
  const std::vector<TapPoint> taps = options.emit.debug_taps ? plan_taps(out.graph) : std::vector<TapPoint>{};
  out.files.push_back(
      {prefix + ".memplan.json", memory_plan_json(out.graph, out.plan, options.emit.debug_taps ? &taps : nullptr,
                                                      &out.footprint)});
  if (options.emit_test) {
    const Tensor input = options.test_input ? *options.test_input : random_tensor(out.graph.shape(out.graph.input), 1);
    // A quantized model's golden is the int8 interpreter's output: the generated C must equal it bit for bit.
    const bool quantized = options.pipeline.context.quantize != nullptr;
    const Tensor golden = options.test_expect ? *options.test_expect
                          : quantized         ? interpret_int8(out.graph, input)
                                              : interpret(original, input);
    out.files.push_back({prefix + "_test.c", emit_c_test(out.graph, options.emit, input, golden, m.weights_file)});
  }
  return out;
}

}  // namespace shufflec
