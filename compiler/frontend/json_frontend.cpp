#include "compiler/frontend/json_frontend.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "compiler/tensor_io.h"
#include "ir/op.h"
#include "ir/verify.h"

namespace shufflec {
namespace {

using json = nlohmann::json;

// A JSON value as shown in a message. dump() recurses once per nesting level, so a hostile file nesting arrays a
// million deep would overflow the stack: values nested deeper than a few levels are shown by their type only.
bool shallow(const json &v, int levels) {
  if (!v.is_structured()) return true;
  if (levels == 0) return false;
  for (const json &e : v)
    if (!shallow(e, levels - 1)) return false;
  return true;
}
std::string show(const json &v) { return shallow(v, 8) ? v.dump() : std::string(v.type_name()); }

// Reads checked fields out of JSON objects; every failure is a UserError naming the file and the node.
struct Reader {
  const std::string &file;
  std::string node;  // current node (or empty)
  std::string where;  // e.g. "constant 'fc.bias'", used when there is no node

  [[noreturn]] void fail(const std::string &msg) const {
    throw UserError(file, node, where.empty() ? msg : where + ": " + msg);
  }
  const json &field(const json &obj, const char *key) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(fmt::format("missing field '{}'", key));
    return *it;
  }
  std::string string(const json &v, const char *what) const {
    if (!v.is_string()) fail(fmt::format("'{}' must be a string, got {}", what, v.type_name()));
    return v.get<std::string>();
  }
  int64_t integer(const json &v, const char *what) const {
    // Unsigned first: is_number_integer() is true for unsigned values too, and 2^64 - 1 would read as -1.
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u > uint64_t(INT64_MAX)) fail(fmt::format("'{}' is absurdly large", what));
      return int64_t(u);
    }
    if (v.is_number_integer()) return v.get<int64_t>();
    if (v.is_number_float()) {
      const double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return int64_t(d);
    }
    fail(fmt::format("'{}' must be an integer, got {}", what, show(v)));
  }
  bool boolean(const json &v, const char *what) const {
    if (!v.is_boolean()) fail(fmt::format("'{}' must be true or false, got {}", what, show(v)));
    return v.get<bool>();
  }
  Shape shape(const json &v) const {
    if (!v.is_array() || v.empty()) fail(fmt::format("'shape' must be a non-empty array of integers, got {}", show(v)));
    Shape s;
    int64_t count = 1;
    for (const json &d : v) {
      const int64_t n = integer(d, "shape");
      if (n < 1) fail(fmt::format("dimension {} in shape {} must be >= 1", n, show(v)));
      if (n > kMaxElements || count > kMaxElements / n)
        fail(fmt::format("shape {} is absurdly large (more than 2^31 - 1 elements)", show(v)));
      count *= n;
      s.dims.push_back(n);
    }
    return s;
  }
  // One integer or [h, w].
  std::array<int64_t, 2> pair(const json &v, const char *what) const {
    if (v.is_array()) {
      if (v.size() != 2) fail(fmt::format("'{}' must be an integer or [h, w], got {}", what, show(v)));
      return {integer(v[0], what), integer(v[1], what)};
    }
    const int64_t n = integer(v, what);
    return {n, n};
  }
  // One integer, [h, w] or [top, left, bottom, right].
  std::array<int64_t, 4> pads(const json &v) const {
    if (v.is_array() && v.size() == 4)
      return {integer(v[0], "pads"), integer(v[1], "pads"), integer(v[2], "pads"), integer(v[3], "pads")};
    if (v.is_array() && v.size() != 2)
      fail(fmt::format("'pads' must be an integer, [h, w] or [top, left, bottom, right], got {}", show(v)));
    const auto p = pair(v, "pads");
    return {p[0], p[1], p[0], p[1]};
  }
};

// Model and weights files: regular files only (a FIFO or a device would hang the compiler), of bounded size.
constexpr int64_t kMaxModelFileBytes = int64_t{1} << 30;  // a JSON graph with every weight inline stays far below
constexpr int64_t kMaxWeightsFileBytes = int64_t{16} << 30;

std::string read_file(const Reader &r, const std::string &path, const char *what, int64_t max_bytes) {
  std::string bytes, error;
  if (!read_input_file(path, what, max_bytes, bytes, error)) r.fail(error);
  return bytes;
}

// A constant or a node, found by the marker that replaced the number nlohmann could not read (see below).
bool holds_marker(const json &v, const std::string &marker, int levels) {
  if (v.is_string()) return v.get_ref<const std::string &>() == marker;
  if (!v.is_structured() || levels == 0) return false;
  for (const json &e : v)
    if (holds_marker(e, marker, levels - 1)) return true;
  return false;
}

// A number outside double range ("1e400") ends nlohmann's parse with an out_of_range error that gives no position.
// This parser remembers where the bad token ends, so the error can name the node (or constant) holding it.
struct DomParserKeepingErrorPosition : nlohmann::detail::json_sax_dom_parser<json> {
  using nlohmann::detail::json_sax_dom_parser<json>::json_sax_dom_parser;
  size_t error_end = 0;
  std::string error_token;
  template <class Exception>
  bool parse_error(std::size_t position, const std::string &token, const Exception &ex) {
    error_end = position;
    error_token = token;
    return nlohmann::detail::json_sax_dom_parser<json>::parse_error(position, token, ex);
  }
};

[[noreturn]] void fail_number_out_of_range(Reader &r, const std::string &text, size_t end, const std::string &token) {
  const std::string message = fmt::format("number {} is out of range (it must fit a double)", token);
  // Parse again with the token replaced by a marker string, then look for the node or constant holding it.
  const size_t begin = token.empty() ? std::string::npos : text.rfind(token, end);
  if (begin != std::string::npos) {
    const std::string marker = std::string(1, '\0') + "shufflec: out of range";
    const std::string patched = text.substr(0, begin) + "\"\\u0000shufflec: out of range\"" +
                                text.substr(begin + token.size());
    const json doc = json::parse(patched, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object()) {
      for (const char *list : {"nodes", "constants"}) {
        const auto it = doc.find(list);
        if (it == doc.end() || !it->is_array()) continue;
        for (const json &item : *it) {
          if (!holds_marker(item, marker, 16)) continue;
          const auto name = item.is_object() ? item.find("name") : item.end();
          const std::string n = item.is_object() && name != item.end() && name->is_string() ? name->get<std::string>() : "";
          if (n.empty()) break;
          if (std::string(list) == "nodes") r.node = n;
          else r.where = fmt::format("constant '{}'", n);
          r.fail(message);
        }
      }
    }
  }
  r.fail(message);
}

// One attribute's value, by its kind in ir/attributes.def.
void parse_attr(const Reader &r, const json &v, const char *name, std::array<int64_t, 2> &out) { out = r.pair(v, name); }
void parse_attr(const Reader &r, const json &v, const char *, std::array<int64_t, 4> &out) { out = r.pads(v); }
void parse_attr(const Reader &r, const json &v, const char *name, int64_t &out) { out = r.integer(v, name); }
void parse_attr(const Reader &r, const json &v, const char *name, bool &out) { out = r.boolean(v, name); }
void parse_attr(const Reader &r, const json &v, const char *name, double &out) {
  if (!v.is_number()) r.fail(fmt::format("'{}' must be a number, got {}", name, show(v)));
  out = v.get<double>();
}
void parse_attr(const Reader &r, const json &v, const char *name, Activation &out) {
  const std::string s = r.string(v, name);
  const std::optional<Activation> a = activation_from_name(s);
  if (!a)
    r.fail(fmt::format("unknown activation '{}' (expected none, relu, relu6, sigmoid, hard_sigmoid, hard_swish or "
                       "silu)", s));
  out = *a;
}

Attrs parse_attrs(const Reader &r, OpKind op, const json &j) {
  Attrs a;
  // No "attrs" (null) reads as {}: the checks for required attributes below still apply.
  if (!j.is_null() && !j.is_object()) r.fail(fmt::format("'attrs' must be an object, got {}", j.type_name()));
  const OpInfo &info = op_info(op);
  auto accepts = [&](AttrId id) { return std::find(info.attrs.begin(), info.attrs.end(), id) != info.attrs.end(); };
  bool has_stride = false;
  for (auto &[key, v] : j.items()) {
    const std::optional<AttrId> id = attr_from_name(key);
    if (!id || !accepts(*id)) {
      std::vector<std::string_view> accepted;
      for (AttrId k : info.attrs) accepted.push_back(attr_name(k));
      r.fail(fmt::format("unknown attribute '{}' for {} (accepted: {})", key, info.name,
                         accepted.empty() ? "none" : fmt::format("{}", fmt::join(accepted, ", "))));
    }
    has_stride |= *id == AttrId::Stride;
    switch (*id) {
#define SHUFFLEC_ATTR(id, field, kind, print) \
  case AttrId::id: parse_attr(r, v, #field, a.field); break;
#include "ir/attributes.def"
    }
  }
  const bool has_kernel = accepts(AttrId::Kernel);
  if (has_kernel && !j.contains("kernel")) r.fail(fmt::format("{} needs the attribute 'kernel'", info.name));
  if (has_kernel && !has_stride) a.stride = a.kernel;  // pools default to non-overlapping windows
  if (op == OpKind::ChannelShuffle && !j.contains("groups")) r.fail("channel_shuffle needs the attribute 'groups'");
  if (op == OpKind::ChannelSlice && !(j.contains("begin") && j.contains("end")))
    r.fail("channel_slice needs the attributes 'begin' and 'end'");
  return a;
}

}  // namespace

Graph load_json_graph(const std::string &path) {
  Reader r{path, "", ""};
  const std::string text = read_file(r, path, "model file", kMaxModelFileBytes);
  json doc;
  DomParserKeepingErrorPosition parser(doc);
  try {
    json::sax_parse(text, &parser);
  } catch (const json::out_of_range &) {
    fail_number_out_of_range(r, text, parser.error_end, parser.error_token);
  } catch (const json::parse_error &e) {
    // Turn nlohmann's byte offset into a line:column a person can jump to.
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') ++line, col = 1;
      else ++col;
    }
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    r.fail(fmt::format("invalid JSON at line {}, column {}: {}", line, col, what));
  }
  if (!doc.is_object()) r.fail("the model must be a JSON object");
  if (!doc.contains("format") || doc["format"] != "shufflec-graph")
    r.fail("not a shufflec graph: field 'format' must be \"shufflec-graph\"");
  if (r.integer(r.field(doc, "version"), "version") != 1)
    r.fail(fmt::format("unsupported version {} (this shufflec reads version 1)", show(doc["version"])));

  Graph g;
  g.source = path;
  g.name = doc.contains("name") ? r.string(doc["name"], "name") : std::filesystem::path(path).stem().string();
  std::set<std::string> names;
  auto claim_name = [&](const std::string &name, const char *kind) {
    if (name.empty()) r.fail(fmt::format("{} has an empty name", kind));
    if (!names.insert(name).second) r.fail(fmt::format("duplicate name '{}' ({})", name, kind));
  };

  // Input.
  const json &inputs = r.field(doc, "inputs");
  if (!inputs.is_array() || inputs.size() != 1)
    r.fail("'inputs' must be an array holding exactly one input (version 1 models have one input)");
  {
    const json &in = inputs[0];
    if (!in.is_object()) r.fail("each input must be an object with 'name' and 'shape'");
    Value v{r.string(r.field(in, "name"), "name"), ValueKind::Input, {}, {}};
    r.where = fmt::format("input '{}'", v.name);
    v.shape = r.shape(r.field(in, "shape"));
    r.where.clear();
    claim_name(v.name, "input");
    g.input = g.add_value(std::move(v));
  }

  // Weights file and constants.
  const json constants = doc.contains("constants") ? doc["constants"] : json::array();
  if (!constants.is_array()) r.fail("'constants' must be an array");
  std::string weights;
  bool weights_loaded = false;
  int64_t weights_bytes = 0;
  for (const json &c : constants) {
    if (!c.is_object()) r.fail("each constant must be an object");
    Value v{r.string(r.field(c, "name"), "name"), ValueKind::Constant, {}, {}};
    r.where = fmt::format("constant '{}'", v.name);
    v.shape = r.shape(r.field(c, "shape"));
    const int64_t count = v.shape.elements();
    if (c.contains("offset") == c.contains("values")) r.fail("needs exactly one of 'offset' or 'values'");
    // data is allocated only once the file is known to hold that many values: a hostile shape allocates nothing.
    if (c.contains("values")) {
      const json &vals = c["values"];
      if (!vals.is_array() || static_cast<int64_t>(vals.size()) != count)
        r.fail(fmt::format("'values' must be an array of {} numbers for shape {}", count, v.shape.str()));
      v.data.resize(static_cast<size_t>(count));  // after the check: a 30-byte file must not allocate 8 GB
      for (size_t i = 0; i < vals.size(); ++i) {
        if (!vals[i].is_number()) r.fail(fmt::format("values[{}] is not a number: {}", i, show(vals[i])));
        v.data[i] = vals[i].get<float>();
      }
    } else {
      if (!weights_loaded) {
        r.where.clear();
        const std::string file = r.string(r.field(doc, "weights_file"), "weights_file");
        weights_bytes = r.integer(r.field(doc, "weights_bytes"), "weights_bytes");
        if (weights_bytes < 0) r.fail(fmt::format("'weights_bytes' must be >= 0, got {}", weights_bytes));
        if (weights_bytes > kMaxWeightsFileBytes)
          r.fail(fmt::format("'weights_bytes' {} is absurdly large (the limit is {})", weights_bytes, kMaxWeightsFileBytes));
        const std::string wpath = (std::filesystem::path(path).parent_path() / file).string();
        weights = read_file(r, wpath, "weights file", weights_bytes);  // a longer file fails unread
        if (static_cast<int64_t>(weights.size()) < weights_bytes)
          r.fail(fmt::format("weights file '{}' is truncated: {} bytes, expected {}", wpath, weights.size(),
                             weights_bytes));
        if (static_cast<int64_t>(weights.size()) > weights_bytes)
          r.fail(fmt::format("weights file '{}' is too long: {} bytes, expected {}", wpath, weights.size(),
                             weights_bytes));
        weights_loaded = true;
        r.where = fmt::format("constant '{}'", v.name);
      }
      const int64_t offset = r.integer(c["offset"], "offset");
      if (offset < 0 || offset % 4 != 0) r.fail(fmt::format("offset {} must be a non-negative multiple of 4", offset));
      if (offset > weights_bytes || count * 4 > weights_bytes - offset)
        r.fail(fmt::format("bytes {}..{} lie outside the {}-byte weights file", offset, offset + count * 4,
                           weights_bytes));
      v.data.resize(static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) {  // little-endian float32, independent of the host's byte order
        const auto *b = reinterpret_cast<const unsigned char *>(weights.data() + offset + 4 * i);
        const uint32_t bits = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
        std::memcpy(&v.data[static_cast<size_t>(i)], &bits, 4);
      }
    }
    for (size_t i = 0; i < v.data.size(); ++i)
      if (!std::isfinite(v.data[i]))
        r.fail(fmt::format("value {} is {} (weights must be finite)", i, std::isnan(v.data[i]) ? "NaN" : "Inf"));
    r.where.clear();
    claim_name(v.name, "constant");
    g.add_value(std::move(v));
  }

  // Nodes.
  const json &nodes = r.field(doc, "nodes");
  if (!nodes.is_array() || nodes.empty()) r.fail("'nodes' must be a non-empty array");
  for (const json &jn : nodes) {
    if (!jn.is_object()) r.fail("each node must be an object");
    Node n;
    n.name = r.string(r.field(jn, "name"), "name");
    r.node = n.name;
    const std::string op = r.string(r.field(jn, "op"), "op");
    auto kind = op_from_name(op);
    if (!kind) {
      std::vector<std::string> known;
      for (int i = 0; i < kOpCount; ++i) known.emplace_back(op_name(static_cast<OpKind>(i)));
      r.fail(fmt::format("unknown op '{}' (known: {})", op, fmt::join(known, ", ")));
    }
    n.op = *kind;
    n.attrs = parse_attrs(r, n.op, jn.contains("attrs") ? jn["attrs"] : json());
    for (auto &[key, v] : jn.items())
      if (key != "name" && key != "op" && key != "inputs" && key != "attrs") r.fail(fmt::format("unknown field '{}'", key));
    claim_name(n.name, "node");
    r.node.clear();
    n.output = g.add_value(Value{n.name, ValueKind::Intermediate, {}, {}});
    g.nodes.push_back(std::move(n));
  }
  // Resolve operands now that every name is known.
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node &n = g.nodes[i];
    r.node = n.name;
    const json &ins = r.field(nodes[i], "inputs");
    if (!ins.is_array()) r.fail("'inputs' must be an array of tensor names");
    for (const json &in : ins) {
      const std::string name = r.string(in, "inputs");
      auto id = g.find_value(name);
      if (!id) r.fail(fmt::format("input '{}' is not defined (no input, constant or node has that name)", name));
      n.inputs.push_back(*id);
    }
  }
  r.node.clear();

  const json &outputs = r.field(doc, "outputs");
  if (!outputs.is_array() || outputs.size() != 1)
    r.fail("'outputs' must be an array holding exactly one name (version 1 models have one output)");
  const std::string out_name = r.string(outputs[0], "outputs");
  auto out = g.find_value(out_name);
  if (!out) r.fail(fmt::format("output '{}' is not defined", out_name));
  if (g.value(*out).kind != ValueKind::Intermediate)
    r.fail(fmt::format("output '{}' must be computed by a node", out_name));
  g.output = *out;

  topo_sort(g);
  infer_shapes(g);
  remove_dead_code(g);
  verify(g);
  return g;
}

}  // namespace shufflec
