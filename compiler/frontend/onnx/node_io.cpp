// A node's attributes (typed, with defaults), its inputs (symbols, constants) and its outputs.
#include "compiler/frontend/onnx/converter.h"

#include "ir/diagnostics.h"

namespace shufflec::onnx_import {

const AttributeProto *Converter::attr(const NodeProto &n, const char *name) const {
  for (const AttributeProto &a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t Converter::attr_int(const NodeProto &n, const char *name, int64_t def) const {
  const AttributeProto *a = attr(n, name);
  if (!a) return def;
  if (a->type() != AttributeProto::INT) fail(n, fmt::format("attribute '{}' must be an integer", name));
  return a->i();
}

float Converter::attr_float(const NodeProto &n, const char *name, float def) const {
  const AttributeProto *a = attr(n, name);
  if (!a) return def;
  if (a->type() != AttributeProto::FLOAT) fail(n, fmt::format("attribute '{}' must be a float", name));
  return a->f();
}

std::string Converter::attr_string(const NodeProto &n, const char *name, const std::string &def) const {
  const AttributeProto *a = attr(n, name);
  if (!a) return def;
  if (a->type() != AttributeProto::STRING) fail(n, fmt::format("attribute '{}' must be a string", name));
  return a->s();
}

std::optional<std::vector<int64_t>> Converter::attr_ints(const NodeProto &n, const char *name) const {
  const AttributeProto *a = attr(n, name);
  if (!a) return std::nullopt;
  if (a->type() != AttributeProto::INTS) fail(n, fmt::format("attribute '{}' must be a list of integers", name));
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::array<int64_t, 2> Converter::attr_pair(const NodeProto &n, const char *name, int64_t def) const {
  auto v = attr_ints(n, name);
  if (!v) return {def, def};
  if (v->size() != 2)
    fail(n, fmt::format("attribute '{}' = {} must have 2 values (shufflec supports 2-D windows only)", name,
                        dims_str(*v)));
  return {(*v)[0], (*v)[1]};
}

// Symbols: a node's inputs and outputs.

const Sym &Converter::in(const NodeProto &n, int k) const {
  if (!has_input(n, k)) fail(n, fmt::format("input {} is missing", k));
  auto it = syms_.find(n.input(k));
  SHUFFLEC_ASSERT(it != syms_.end());  // check_structure() and the topological order guarantee it
  return it->second;
}

ConstPtr Converter::const_in(const NodeProto &n, int k, const char *role) const {
  const Sym &s = in(n, k);
  if (!s.is_const())
    fail(n, fmt::format("unsupported: the {} '{}' is computed at run time; shufflec needs it to be a constant", role,
                        clip_text(n.input(k))));
  return s.c;
}

std::vector<int64_t> Converter::ints_in(const NodeProto &n, int k, const char *role) const {
  ConstPtr c = const_in(n, k, role);
  if (c->dims.size() > 1) fail(n, fmt::format("the {} must be a 1-D tensor, got shape {}", role, dims_str(c->dims)));
  if (c->is_float) fail(n, fmt::format("the {} must be an integer tensor", role));
  return c->i;
}

void Converter::set_const(const NodeProto &n, int k, ConstTensor t) {
  if (k >= n.output_size() || n.output(k).empty()) return;
  if (t.count() > kMaxFoldElements)
    fail(n, fmt::format("folding it gives a constant of shape {}: absurdly large", dims_str(t.dims)));
  Sym s;
  s.c = std::make_shared<const ConstTensor>(std::move(t));
  syms_[n.output(k)] = std::move(s);
}

void Converter::set_sym(const NodeProto &n, int k, Sym s) {
  if (k >= n.output_size() || n.output(k).empty()) return;
  if (!s.is_const()) base_refs_[s.base] += consumers_[n.output(k)];
  syms_[n.output(k)] = std::move(s);
}

// Optional outputs (MaxPool's Indices, Dropout's mask, BatchNormalization's running statistics) must be unused.
void Converter::require_unused(const NodeProto &n, int from_output) const {
  for (int k = from_output; k < n.output_size(); ++k)
    if (!n.output(k).empty() && consumers_.count(n.output(k)) && consumers_.at(n.output(k)) > 0)
      fail(n, fmt::format("unsupported: output {} ('{}') is used; shufflec computes only the first output", k,
                          clip_text(n.output(k))));
}

}  // namespace shufflec::onnx_import
