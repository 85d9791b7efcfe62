#include "compiler/quantize/quant_export.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "ir/quant/int8_interpreter.h"

namespace shufflec {
namespace {

using ojson = nlohmann::ordered_json;

template <typename T>
ojson attr_json(const T &v) {
  return v;
}
ojson attr_json(Activation v) { return std::string(activation_name(v)); }

void append_floats(std::string &data, const std::vector<float> &values) {
  const size_t at = data.size();
  data.resize(at + values.size() * 4);
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    for (size_t k = 0; k < 4; ++k) data[at + 4 * i + k] = char((bits >> (8 * k)) & 0xff);
  }
}

ojson node_json(const Node &n) {
  const OpInfo &info = op_info(n.op);
  ojson j = ojson::object();
  j["name"] = n.name;
  j["op"] = std::string(info.name);
  j["inputs"] = n.inputs;
  j["output"] = n.output;
  ojson attrs = ojson::object();
  const Attrs &a = n.attrs;
  for (AttrId id : info.attrs) {
    switch (id) {
#define SHUFFLEC_ATTR(id, field, kind, print) \
  case AttrId::id: attrs[#field] = attr_json(a.field); break;
#include "ir/attributes.def"
    }
  }
  if (!a.out_channel_map.empty()) attrs["out_channel_map"] = a.out_channel_map;
  j["attrs"] = attrs;
  if (n.quant) {
    ojson q = ojson::object();
    q["act_min"] = n.quant->act_min;
    q["act_max"] = n.quant->act_max;
    if (!n.quant->weight_scales.empty()) q["weight_scales"] = n.quant->weight_scales;
    j["quant"] = q;
  }
  return j;
}

}  // namespace

Int8Export export_int8(const Graph &g, const Tensor &input, const std::string &data_file) {
  const Int8Run run = interpret_int8_all(g, input);
  Int8Export out;
  ojson values = ojson::array();
  for (size_t id = 0; id < g.values.size(); ++id) {
    const Value &v = g.values[id];
    ojson j = ojson::object();
    j["id"] = id;
    j["name"] = v.name;
    j["shape"] = v.shape.dims;
    if (v.kind == ValueKind::Constant) j["constant"] = true;
    if (v.quant) {
      j["scale"] = v.quant->scale;
      j["zero_point"] = v.quant->zero_point;
    }
    const std::vector<float> *data = nullptr;
    std::vector<float> widened;
    if (v.kind == ValueKind::Constant) {
      data = &v.data;
    } else if (const auto q = run.int8.find(ValueId(id)); q != run.int8.end()) {
      widened.assign(q->second.data.begin(), q->second.data.end());
      data = &widened;
    } else if (const auto f = run.fp32.find(ValueId(id)); f != run.fp32.end()) {
      data = &f->second.data;
    } else if (ValueId(id) == g.input) {
      data = &input.data;
    }
    if (data) {
      j["offset"] = out.data.size() / 4;
      append_floats(out.data, *data);
    }
    values.push_back(std::move(j));
  }
  ojson nodes = ojson::array();
  for (const Node &n : g.nodes) nodes.push_back(node_json(n));
  ojson root = ojson::object();
  root["format"] = "shufflec-int8-export";
  root["version"] = 1;
  root["data_file"] = data_file;
  root["input"] = g.input;
  root["output"] = g.output;
  root["values"] = std::move(values);
  root["nodes"] = std::move(nodes);
  out.json = root.dump(1, ' ', false, ojson::error_handler_t::replace) + "\n";
  return out;
}

}  // namespace shufflec
