#include "compiler/quantize/quant_report.h"

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "ir/interpreter.h"
#include "ir/quant/fixed_point.h"
#include "ir/quant/int8_interpreter.h"

namespace shufflec {

std::string quantization_table(const Graph &g, const std::vector<Tensor> &samples) {
  struct Error {
    double signal = 0.0, noise = 0.0;
  };
  std::map<ValueId, Error> errors;
  for (const Tensor &sample : samples) {
    const std::map<ValueId, Tensor> reference = interpret_all(g, sample);
    const Int8Run run = interpret_int8_all(g, sample);
    for (const auto &[v, q] : run.int8) {
      const Tensor &r = reference.at(v);
      Error &e = errors[v];
      for (size_t i = 0; i < q.data.size(); ++i) {
        const double x = r.data[i], y = quant::dequantize_value(q.data[i], *g.value(v).quant);
        e.signal += x * x;
        e.noise += (x - y) * (x - y);
      }
    }
  }
  std::string out = fmt::format("int8 quantization of '{}' on {} calibration samples: each int8 layer's output\n\n",
                                g.name, samples.size());
  out += fmt::format("{:<28} {:<16} {:>12} {:>6} {:>10}\n", "layer", "op", "scale", "zero", "SQNR dB");
  for (const Node &n : g.nodes) {
    if (!g.value(n.output).is_int8()) {
      out += fmt::format("{:<28} {:<16} {:>12} {:>6} {:>10}\n", n.name, op_name(n.op), "float", "", "");
      continue;
    }
    const QuantParams &q = *g.value(n.output).quant;
    const Error &e = errors.at(n.output);
    const std::string sqnr = e.noise > 0.0 ? fmt::format("{:.1f}", 10.0 * std::log10(e.signal / e.noise))
                             : "exact";
    out += fmt::format("{:<28} {:<16} {:>12.6g} {:>6} {:>10}\n", n.name, op_name(n.op), q.scale, q.zero_point, sqnr);
  }
  return out;
}

}  // namespace shufflec
