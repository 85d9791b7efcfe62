// The IR: a graph of values (graph input, constants, intermediates) and nodes (one op each, one output value).
// Plain structs; invariants are checked by each op's shape inference (ir/ops/<op>.cpp) and verify() (ir/verify.cpp).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/diagnostics.h"
#include "ir/quant/quant_params.h"
#include "ir/schedule.h"

namespace shufflec {

enum class OpKind {
#define SHUFFLEC_OP(id, json_name) id,
#include "ir/ops.def"
};

inline constexpr int kOpCount = 0
#define SHUFFLEC_OP(id, json_name) +1
#include "ir/ops.def"
    ;

std::string_view op_name(OpKind kind);
std::optional<OpKind> op_from_name(std::string_view name);

// Dimensions are int64 so that shape arithmetic on absurd inputs cannot overflow before it is checked.
struct Shape {
  std::vector<int64_t> dims;

  size_t rank() const { return dims.size(); }
  int64_t operator[](size_t i) const { return dims[i]; }
  int64_t elements() const;
  bool operator==(const Shape &) const = default;
  std::string str() const;  // "[1, 3, 224, 224]"
};

// Largest tensor we accept: the generated C indexes with int arithmetic.
inline constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;

// An elementwise function applied to an op's result (its epilogue). The clamps (relu, relu6) are max/min in any
// vector dialect; the others need expf or a multiply and run as scalar C over each finished output row or tile.
// hard_sigmoid reads the node's alpha and beta.
enum class Activation { None, Relu, Relu6, Sigmoid, HardSigmoid, HardSwish, Silu };
std::string_view activation_name(Activation a);
std::optional<Activation> activation_from_name(std::string_view name);
inline bool is_clamp(Activation a) { return a == Activation::None || a == Activation::Relu || a == Activation::Relu6; }

// The attributes a node may carry, from ir/attributes.def (its JSON name is the field's name).
enum class AttrId {
#define SHUFFLEC_ATTR(id, field, kind, print) id,
#include "ir/attributes.def"
};
std::string_view attr_name(AttrId id);
std::optional<AttrId> attr_from_name(std::string_view name);

// One attribute record shared by all ops; each op reads the fields its table entry lists (ir/op.h) and the
// frontend rejects the others. Window fields are {height, width}; pads are {top, left, bottom, right}.
struct Attrs {
  std::array<int64_t, 2> kernel{0, 0};
  std::array<int64_t, 2> stride{1, 1};  // the JSON default for pools is the kernel size
  std::array<int64_t, 2> dilation{1, 1};
  std::array<int64_t, 4> pads{0, 0, 0, 0};
  int64_t groups = 1;
  int64_t axis = 1;
  double epsilon = 1e-5;
  Activation activation = Activation::None;
  double alpha = 0.2, beta = 0.5;  // hard_sigmoid: max(0, min(1, alpha * x + beta)) (ONNX's defaults)
  bool ceil_mode = false;
  bool count_include_pad = true;
  int64_t begin = 0, end = 0;  // channel_slice: channels [begin, end)

  // Set by passes (compiler/passes/), never read from JSON:
  // conv2d: output channel m is stored at channel out_channel_map[m] (empty: identity). This is how a channel
  // shuffle costs nothing: the producer writes each output plane where the shuffle would have moved it.
  std::vector<int64_t> out_channel_map;
  // concat: the producers write straight into their channel slices of the output, so the concat copies nothing.
  bool in_place = false;
};

using ValueId = int32_t;
using NodeId = int32_t;
inline constexpr ValueId kNoValue = -1;

enum class ValueKind { Input, Constant, Intermediate };

struct Value {
  // A constructor, not aggregate initialisation: fields added later (quant) need no edit at every Value{...}.
  Value() = default;
  Value(std::string name_, ValueKind kind_, Shape shape_, std::vector<float> data_ = {},
        std::optional<QuantParams> quant_ = std::nullopt)
      : name(std::move(name_)), kind(kind_), shape(std::move(shape_)), data(std::move(data_)), quant(quant_) {}

  std::string name;
  ValueKind kind = ValueKind::Intermediate;
  Shape shape;
  std::vector<float> data;  // constants only
  // Set by the quantize_int8 pass: the value is stored as int8 with these parameters (ir/quant/quant_params.h).
  std::optional<QuantParams> quant;
  bool is_int8() const { return quant.has_value(); }
};

// A value of the source graph (as the frontend built it, before any pass) that a node's output still holds, for
// debug taps: the source node's name, and where each of its channels is stored: source channel c is channel
// channel_map[c] of the node's output (empty: the same layout as the source).
struct SourceValue {
  std::string node;
  std::vector<int64_t> channel_map;
};

struct Node {
  std::string name;
  OpKind op = OpKind::Relu;
  std::vector<ValueId> inputs;
  ValueId output = kNoValue;
  Attrs attrs;
  // conv2d: how it is computed, set by the schedule_convs pass (ir/schedule.h); read by the code generator.
  std::optional<ConvSchedule> schedule;
  // The source values this node's output holds (a conv with BN and ReLU fused: the ReLU's; none when a pass made
  // it something the source never computed). compile_model() starts each node with its own name; passes keep it
  // up to date; only debug taps read it.
  std::vector<SourceValue> sources;
  // Set by the quantize_int8 pass: the node runs in int8 with these parameters (ir/quant/quant_params.h).
  std::optional<NodeQuant> quant;
};

struct Graph {
  std::string name;
  std::string source;  // the model file, named in every error message
  std::vector<Value> values;
  std::vector<Node> nodes;  // in execution order once the frontend has sorted them
  ValueId input = kNoValue;
  ValueId output = kNoValue;

  const Value &value(ValueId id) const { return values.at(static_cast<size_t>(id)); }
  Value &value(ValueId id) { return values.at(static_cast<size_t>(id)); }
  const Shape &shape(ValueId id) const { return value(id).shape; }
  bool is_constant(ValueId id) const { return value(id).kind == ValueKind::Constant; }

  ValueId add_value(Value v);
  std::optional<ValueId> find_value(std::string_view name) const;
  // Index of the node producing `id`, if any.
  std::optional<NodeId> producer(ValueId id) const;
  std::vector<NodeId> consumers(ValueId id) const;

  // Lookup caches for find_value() and producer(), rebuilt on demand from the vectors above, which stay the truth
  // (graph.cpp says what each relies on). Without them each lookup scans the graph and compiling is quadratic.
  mutable std::map<std::string, ValueId, std::less<>> name_index_;
  mutable size_t names_indexed_ = 0;  // values[0, names_indexed_) are in name_index_
  mutable std::vector<NodeId> producer_index_;

  // A user error located at a node of this graph.
  UserError error(const Node &node, const std::string &message) const { return {source, node.name, message}; }
  UserError error(const std::string &message) const { return {source, "", message}; }
};

// Orders nodes so each runs after its producers (stable: keeps file order where possible). Throws on a cycle.
void topo_sort(Graph &g);

// Removes nodes whose output nothing reads (other than the graph output) and values no node uses.
bool remove_dead_code(Graph &g);

// Human-readable dump of the graph, one node per line (used by --dump-after and tests).
std::string print_graph(const Graph &g);

}  // namespace shufflec
