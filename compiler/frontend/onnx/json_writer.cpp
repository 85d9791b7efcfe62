// A Graph as a shufflec JSON graph (docs/format.md, version 1) plus its weights file (`shufflec convert`).
#include <cstring>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "compiler/frontend/onnx_frontend.h"
#include "ir/op.h"

namespace shufflec {

namespace {
using ojson = nlohmann::ordered_json;
// An attribute as JSON, by its kind in ir/attributes.def.
template <typename T>
ojson json_attr_value(const T &v) {
  return v;
}
ojson json_attr_value(Activation v) { return std::string(activation_name(v)); }
}  // namespace

JsonGraphFiles graph_to_json(const Graph &g, const std::string &weights_file) {
  using ojson = nlohmann::ordered_json;
  JsonGraphFiles out;
  // Constants in order of first use, each at a 64-byte aligned offset.
  std::vector<ValueId> consts;
  std::set<ValueId> seen;
  for (const Node &n : g.nodes)
    for (ValueId v : n.inputs)
      if (g.is_constant(v) && seen.insert(v).second) consts.push_back(v);
  std::vector<ojson> const_lines;
  for (ValueId v : consts) {
    const Value &val = g.value(v);
    const size_t offset = (out.weights.size() + 63) / 64 * 64;
    out.weights.resize(offset, '\0');
    for (float f : val.data) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      for (int k = 0; k < 4; ++k) out.weights.push_back(char((bits >> (8 * k)) & 0xff));
    }
    ojson c = ojson::object();
    c["name"] = val.name;
    c["shape"] = val.shape.dims;
    c["offset"] = offset;
    const_lines.push_back(std::move(c));
  }
  std::vector<ojson> node_lines;
  for (const Node &n : g.nodes) {
    const OpInfo &info = op_info(n.op);
    ojson j = ojson::object();
    j["name"] = n.name;
    j["op"] = std::string(info.name);
    std::vector<std::string> ins;
    for (ValueId v : n.inputs) ins.push_back(g.value(v).name);
    j["inputs"] = ins;
    ojson attrs = ojson::object();
    const Attrs &a = n.attrs;
    for (AttrId id : info.attrs) {
      // relu's activation is written only when it is relu6 (plain relu is the op itself).
      if (id == AttrId::Activation && n.op == OpKind::Relu && a.activation != Activation::Relu6) continue;
      switch (id) {
#define SHUFFLEC_ATTR(id, field, kind, print) \
  case AttrId::id: attrs[#field] = json_attr_value(a.field); break;
#include "ir/attributes.def"
      }
    }
    if (!attrs.empty()) j["attrs"] = attrs;
    node_lines.push_back(std::move(j));
  }
  // Names from the model are valid UTF-8 (both frontends check), but the graph name and `converted_from` may come
  // from a file name, which can hold any bytes: those are written as U+FFFD rather than thrown on.
  auto text = [](const ojson &v) { return v.dump(-1, ' ', false, ojson::error_handler_t::replace); };
  auto kv = [&](const char *key, const ojson &v) { return "  " + ojson(key).dump() + ": " + text(v); };
  auto list = [&](const std::vector<ojson> &items) {
    std::string s = "[";
    for (size_t k = 0; k < items.size(); ++k) s += (k ? ",\n    " : "\n    ") + text(items[k]);
    return s + (items.empty() ? "]" : "\n  ]");
  };
  ojson input = ojson::object();
  input["name"] = g.value(g.input).name;
  input["shape"] = g.shape(g.input).dims;
  std::string s = "{\n";
  s += kv("format", "shufflec-graph") + ",\n";
  s += kv("version", 1) + ",\n";
  s += kv("name", g.name) + ",\n";
  if (!consts.empty()) {
    s += kv("weights_file", weights_file) + ",\n";
    s += kv("weights_bytes", out.weights.size()) + ",\n";
  }
  s += kv("inputs", ojson::array({input})) + ",\n";
  s += kv("outputs", ojson::array({g.value(g.output).name})) + ",\n";
  s += "  \"constants\": " + list(const_lines) + ",\n";
  s += "  \"nodes\": " + list(node_lines) + ",\n";
  ojson meta = ojson::object();
  meta["converted_from"] = std::filesystem::path(g.source).filename().string();
  s += kv("meta", meta) + "\n}\n";
  out.json = std::move(s);
  return out;
}

}  // namespace shufflec
