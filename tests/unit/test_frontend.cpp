// The JSON frontend (compiler/frontend/json_frontend.h): loading models, weights files, defaults, node order,
// ignored metadata, and a few of its error paths (the full must-fail corpus is tests/errors/).
#include <cmath>

#include "compiler/frontend/json_frontend.h"
#include "compiler/frontend/onnx_frontend.h"
#include "helpers.h"

using namespace shufflec;
using namespace shufflec::test;
using Catch::Matchers::Contains;

namespace {

// A model with one input [1, 2, 4, 4] and the given constants and nodes (JSON text of the arrays' contents).
std::string model(const std::string &constants, const std::string &nodes, const std::string &output,
                  const std::string &extra = "") {
  return R"({"format": "shufflec-graph", "version": 1, "name": "m",)" + extra +
         R"( "inputs": [{"name": "x", "shape": [1, 2, 4, 4]}], "outputs": [")" + output + R"("],
  "constants": [)" + constants + R"(], "nodes": [)" + nodes + "]}";
}

Graph load_text(const TempDir &dir, const std::string &text, const std::string &name = "m.json") {
  write_file(dir / name, text);
  return load_json_graph(dir / name);
}

const Node &node_named(const Graph &g, const std::string &name) {
  for (const Node &n : g.nodes)
    if (n.name == name) return n;
  FAIL("no node " << name);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("frontend: the hand-written sample model loads", "[frontend]") {
  const Graph g = load_json_graph(source_path("samples/hand/tiny.json"));
  CHECK(g.name == "tiny");
  CHECK(g.source == source_path("samples/hand/tiny.json"));
  CHECK(g.nodes.size() == 14);
  CHECK(g.value(g.input).name == "input");
  CHECK(g.shape(g.input) == S({1, 3, 8, 8}));
  CHECK(g.value(g.output).name == "prob");
  CHECK(g.shape(g.output) == S({1, 4}));
  CHECK(g.nodes.back().name == "prob");
  // Inline values arrive exactly (as float).
  const Value &bias = g.value(*g.find_value("fc.bias"));
  CHECK(bias.kind == ValueKind::Constant);
  CHECK(bias.data == std::vector<float>{-0.3385f, -0.0685f, 0.0156f, -0.1609f});
  // Attributes.
  CHECK(node_named(g, "conv1").attrs.pads == std::array<int64_t, 4>{1, 1, 1, 1});
  CHECK(node_named(g, "gconv").attrs.groups == 2);
  CHECK(node_named(g, "dw").attrs.groups == 6);
  CHECK(node_named(g, "add").attrs.activation == Activation::Relu);
  CHECK(node_named(g, "pool").attrs.kernel == std::array<int64_t, 2>{3, 3});
  CHECK(node_named(g, "pool").attrs.stride == std::array<int64_t, 2>{2, 2});
  CHECK(node_named(g, "avg").attrs.count_include_pad);
  // It runs: a probability vector.
  const Tensor y = interpret(g, Tensor{g.shape(g.input), pattern(192)});
  double sum = 0;
  for (float v : y.data) sum += v;
  CHECK(sum == Approx(1.0));
}

TEST_CASE("frontend: constants read from the weights file at their offsets", "[frontend][weights]") {
  TempDir dir;
  // Layout: 16 bytes of padding, then b (2 floats) at 16, a gap of 8 bytes, then w (4 floats) at 32. The file
  // lists w before b.
  const std::vector<float> w{1.5f, -2.0f, 0.25f, 3e-8f}, b{-7.0f, 1e6f};
  std::string bytes = le_floats({9, 9, 9, 9}) + le_floats(b) + le_floats({9, 9}) + le_floats(w);
  REQUIRE(bytes.size() == 48);
  write_file(dir / "m.weights", bytes);
  const std::string text = model(
      R"({"name": "w", "shape": [2, 2, 1, 1], "offset": 32}, {"name": "b", "shape": [2], "offset": 16},
         {"name": "shared", "shape": [3], "offset": 20})",
      R"({"name": "c", "op": "conv2d", "inputs": ["x", "w", "b"]})", "c",
      R"( "weights_file": "m.weights", "weights_bytes": 48,)");
  const Graph g = load_text(dir, text);
  CHECK(g.value(*g.find_value("w")).data == w);
  CHECK(g.value(*g.find_value("b")).data == b);
  // Overlapping constants are allowed (bytes 20..32 are b[1] and the gap).
  CHECK(g.value(*g.find_value("shared")).data == std::vector<float>{1e6f, 9.0f, 9.0f});
  // The weights path is relative to the model's folder, not the working directory.
  CHECK(g.source == dir / "m.json");
}

TEST_CASE("frontend: weights file errors", "[frontend][weights][errors]") {
  TempDir dir;
  const std::string nodes = R"({"name": "c", "op": "conv2d", "inputs": ["x", "w"]})";
  const std::string w = R"({"name": "w", "shape": [2, 2, 1, 1], "offset": 0})";
  auto error = [&](const std::string &bytes, const std::string &consts, int64_t declared) {
    write_file(dir / "m.weights", bytes);
    const std::string extra = R"( "weights_file": "m.weights", "weights_bytes": )" + std::to_string(declared) + ",";
    return user_error([&] { load_text(dir, model(consts, nodes, "c", extra)); }).message();
  };
  CHECK_THAT(error(le_floats({1, 2, 3}), w, 16), Contains("is truncated: 12 bytes, expected 16"));
  CHECK_THAT(error(le_floats({1, 2, 3, 4, 5}), w, 16), Contains("is too long: 20 bytes, expected 16"));
  CHECK_THAT(error(le_floats({1, 2, 3, 4}), R"({"name": "w", "shape": [2, 2, 1, 1], "offset": 4})", 16),
             Contains("bytes 4..20 lie outside the 16-byte weights file"));
  CHECK_THAT(error(le_floats({1, 2, 3, 4, 5}), R"({"name": "w", "shape": [2, 2, 1, 1], "offset": 2})", 20),
             Contains("offset 2 must be a non-negative multiple of 4"));
  CHECK_THAT(error(le_floats({1, 2, NAN, 4}), w, 16), Contains("constant 'w': value 2 is NaN (weights must be finite)"));
  CHECK_THAT(error(le_floats({1, INFINITY, 3, 4}), w, 16), Contains("value 1 is Inf"));
  std::filesystem::remove(dir / "m.weights");
  const std::string extra = R"( "weights_file": "m.weights", "weights_bytes": 16,)";
  CHECK_THAT(user_error([&] { load_text(dir, model(w, nodes, "c", extra)); }).message(),
             Contains("cannot open weights file"));
  CHECK_THAT(user_error([&] { load_text(dir, model(w, nodes, "c")); }).message(), Contains("missing field 'weights_file'"));
}

TEST_CASE("frontend: inline values", "[frontend]") {
  TempDir dir;
  const Graph g = load_text(dir, model(R"({"name": "w", "shape": [1, 2, 1, 1], "values": [0.5, -2]})",
                                       R"({"name": "c", "op": "conv2d", "inputs": ["x", "w"]})", "c"));
  CHECK(g.value(*g.find_value("w")).data == std::vector<float>{0.5f, -2.0f});
  CHECK(g.shape(g.output) == S({1, 1, 4, 4}));
  // Integers are numbers too; the count must match the shape.
  CHECK_NOTHROW(load_text(dir, model(R"({"name": "w", "shape": [1, 2, 1, 1], "values": [1, 2]})",
                                     R"({"name": "c", "op": "conv2d", "inputs": ["x", "w"]})", "c")));
  CHECK_THAT(user_error([&] {
               load_text(dir, model(R"({"name": "w", "shape": [1, 2, 1, 1], "values": [1, 2, 3]})",
                                    R"({"name": "c", "op": "conv2d", "inputs": ["x", "w"]})", "c"));
             }).message(),
             Contains("constant 'w': 'values' must be an array of 2 numbers for shape [1, 2, 1, 1]"));
  CHECK_THAT(user_error([&] {
               load_text(dir, model(R"({"name": "w", "shape": [1, 2, 1, 1], "values": [1, "2"]})",
                                    R"({"name": "c", "op": "conv2d", "inputs": ["x", "w"]})", "c"));
             }).message(),
             Contains("values[1] is not a number: \"2\""));
  // A value too large for float becomes Inf and is rejected.
  CHECK_THAT(user_error([&] {
               load_text(dir, model(R"({"name": "w", "shape": [1, 2, 1, 1], "values": [1, 1e39]})",
                                    R"({"name": "c", "op": "conv2d", "inputs": ["x", "w"]})", "c"));
             }).message(),
             Contains("value 1 is Inf"));
}

TEST_CASE("frontend: pool stride defaults to the kernel, attribute forms", "[frontend][attrs]") {
  TempDir dir;
  const Graph g = load_text(dir, model("", R"(
      {"name": "p1", "op": "max_pool", "inputs": ["x"], "attrs": {"kernel": 2}},
      {"name": "p2", "op": "avg_pool", "inputs": ["x"], "attrs": {"kernel": [4, 2]}},
      {"name": "p3", "op": "max_pool", "inputs": ["x"], "attrs": {"kernel": 3, "stride": 1, "pads": [1, 0]}},
      {"name": "p4", "op": "avg_pool", "inputs": ["x"], "attrs": {"kernel": 2, "pads": [1, 0, 0, 1],
                                                                  "count_include_pad": false, "ceil_mode": true}})",
                                       "p1"));
  // Only p1 is the output; the others are dead and removed, so load again with each as output.
  CHECK(node_named(g, "p1").attrs.stride == std::array<int64_t, 2>{2, 2});
  CHECK(g.shape(g.output) == S({1, 2, 2, 2}));
  auto with_output = [&](const std::string &out) {
    return load_text(dir, model("", R"(
      {"name": "p2", "op": "avg_pool", "inputs": ["x"], "attrs": {"kernel": [4, 2]}},
      {"name": "p3", "op": "max_pool", "inputs": ["x"], "attrs": {"kernel": 3, "stride": 1, "pads": [1, 0]}},
      {"name": "p4", "op": "avg_pool", "inputs": ["x"], "attrs": {"kernel": 2, "pads": [1, 0, 0, 1],
                                                                  "count_include_pad": false, "ceil_mode": true}})",
                                out));
  };
  const Graph g2 = with_output("p2");
  CHECK(node_named(g2, "p2").attrs.stride == std::array<int64_t, 2>{4, 2});
  CHECK(g2.shape(g2.output) == S({1, 2, 1, 2}));
  const Graph g3 = with_output("p3");
  CHECK(node_named(g3, "p3").attrs.stride == std::array<int64_t, 2>{1, 1});
  CHECK(node_named(g3, "p3").attrs.pads == std::array<int64_t, 4>{1, 0, 1, 0});
  CHECK(g3.shape(g3.output) == S({1, 2, 4, 2}));
  const Graph g4 = with_output("p4");
  const Attrs &a4 = node_named(g4, "p4").attrs;
  CHECK(a4.pads == std::array<int64_t, 4>{1, 0, 0, 1});
  CHECK_FALSE(a4.count_include_pad);
  CHECK(a4.ceil_mode);
  CHECK(a4.stride == std::array<int64_t, 2>{2, 2});
}

TEST_CASE("frontend: node order in the file does not matter", "[frontend]") {
  TempDir dir;
  const std::string consts = R"({"name": "w", "shape": [3, 2, 1, 1], "values": [1, 2, 3, 4, 5, 6]},
                                {"name": "fw", "shape": [2, 3], "values": [1, 0, -1, 0.5, 0.5, 0.5]})";
  const std::string a = R"({"name": "c", "op": "conv2d", "inputs": ["x", "w"], "attrs": {"activation": "relu"}})";
  const std::string b = R"({"name": "g", "op": "global_avg_pool", "inputs": ["c"]})";
  const std::string c = R"({"name": "f", "op": "flatten", "inputs": ["g"]})";
  const std::string d = R"({"name": "fc", "op": "dense", "inputs": ["f", "fw"]})";
  const Graph in_order = load_text(dir, model(consts, a + "," + b + "," + c + "," + d, "fc"), "a.json");
  const Graph reversed = load_text(dir, model(consts, d + "," + c + "," + b + "," + a, "fc"), "b.json");
  const Graph shuffled = load_text(dir, model(consts, c + "," + a + "," + d + "," + b, "fc"), "c.json");
  for (const Graph *g : {&in_order, &reversed, &shuffled}) {
    REQUIRE(g->nodes.size() == 4);
    CHECK(g->nodes[0].name == "c");
    CHECK(g->nodes[1].name == "g");
    CHECK(g->nodes[2].name == "f");
    CHECK(g->nodes[3].name == "fc");
  }
  const Tensor x{S({1, 2, 4, 4}), pattern(32, 1)};
  CHECK(interpret(in_order, x).data == interpret(reversed, x).data);
  CHECK(interpret(in_order, x).data == interpret(shuffled, x).data);
}

TEST_CASE("frontend: meta is ignored, name defaults to the file stem, dead nodes are dropped", "[frontend]") {
  TempDir dir;
  const std::string nodes = R"({"name": "r", "op": "relu", "inputs": ["x"]},
                               {"name": "unused", "op": "global_avg_pool", "inputs": ["x"]})";
  const Graph plain = load_text(dir, model("", nodes, "r"), "plain.json");
  const Graph meta = load_text(
      dir, model("", nodes, "r", R"( "meta": {"family": "shufflenet", "groups": [1, 2, {"deep": [[["x"]]]}], "scale": 0.5},)"),
      "meta.json");
  CHECK(print_graph(plain) == print_graph(meta));
  CHECK(plain.nodes.size() == 1);  // "unused" feeds nothing and is not the output
  CHECK(plain.nodes[0].name == "r");
  // Without "name" the model is named after its file.
  std::string text = model("", R"({"name": "r", "op": "relu", "inputs": ["x"]})", "r");
  text.replace(text.find(R"("name": "m",)"), std::string(R"("name": "m",)").size(), "");
  CHECK(load_text(dir, text, "resnet_like.json").name == "resnet_like");
}

TEST_CASE("frontend: dead nodes are still checked", "[frontend][errors]") {
  TempDir dir;
  // softmax needs rank 2; the node is unused but a broken model is broken wherever the mistake is.
  const std::string nodes = R"({"name": "r", "op": "relu", "inputs": ["x"]},
                               {"name": "bad", "op": "softmax", "inputs": ["x"]})";
  const UserError e = user_error([&] { load_text(dir, model("", nodes, "r")); });
  CHECK(e.node() == "bad");
  CHECK_THAT(e.message(), Contains("must have rank 2"));
}

TEST_CASE("frontend: errors name the file and the node", "[frontend][errors]") {
  TempDir dir;
  const std::string path = dir / "m.json";
  auto err = [&](const std::string &text) { return user_error([&] { load_text(dir, text); }); };

  const UserError op = err(model("", R"({"name": "n1", "op": "conv3d", "inputs": ["x"]})", "n1"));
  CHECK(op.file() == path);
  CHECK(op.node() == "n1");
  CHECK_THAT(op.message(), Contains("unknown op 'conv3d' (known: conv2d, batch_norm,"));
  CHECK(std::string(op.what()).rfind(path + ": node 'n1': unknown op", 0) == 0);

  const UserError attr = err(model("", R"({"name": "n1", "op": "relu", "inputs": ["x"], "attrs": {"alpha": 1}})", "n1"));
  CHECK(attr.node() == "n1");
  CHECK_THAT(attr.message(), Contains("unknown attribute 'alpha' for relu (accepted: activation)"));

  const UserError typed =
      err(model("", R"({"name": "s", "op": "channel_shuffle", "inputs": ["x"], "attrs": {"groups": "2"}})", "s"));
  CHECK(typed.node() == "s");
  CHECK_THAT(typed.message(), Contains("'groups' must be an integer, got \"2\""));

  const UserError dangling = err(model("", R"({"name": "r", "op": "relu", "inputs": ["y"]})", "r"));
  CHECK(dangling.node() == "r");
  CHECK_THAT(dangling.message(), Contains("input 'y' is not defined"));

  const UserError dup = err(model("", R"({"name": "x", "op": "relu", "inputs": ["x"]})", "x"));
  CHECK_THAT(dup.message(), Contains("duplicate name 'x'"));

  CHECK_THAT(err(model("", R"({"name": "r", "op": "relu", "inputs": ["x"]})", "nope")).message(),
             Contains("output 'nope' is not defined"));
  CHECK_THAT(err(model("", R"({"name": "r", "op": "relu", "inputs": ["x"]})", "x")).message(),
             Contains("output 'x' must be computed by a node"));
  CHECK_THAT(err(model("", "", "x")).message(), Contains("'nodes' must be a non-empty array"));
  CHECK_THAT(err("{\"format\": \"shufflec-graph\", \"version\": 1,}").message(), Contains("invalid JSON at line 1"));
  CHECK_THAT(err("[1, 2]").message(), Contains("the model must be a JSON object"));
  CHECK_THAT(err(R"({"format": "onnx", "version": 1})").message(), Contains("field 'format' must be \"shufflec-graph\""));
  CHECK_THAT(err(R"({"format": "shufflec-graph", "version": 2})").message(), Contains("unsupported version 2"));
  CHECK_THAT(user_error([&] { load_json_graph(dir.path().string()); }).message(), Contains("is a directory"));
  CHECK_THAT(user_error([&] { load_json_graph(dir / "missing.json"); }).message(), Contains("cannot open model file"));
}

TEST_CASE("frontend: required attributes are required even without an attrs object", "[frontend][errors]") {
  // Regression: a node with no "attrs" at all used to skip these checks (channel_shuffle silently became
  // groups = 1, the identity).
  TempDir dir;
  const UserError shuffle = user_error([&] {
    load_text(dir, model("", R"({"name": "s", "op": "channel_shuffle", "inputs": ["x"]})", "s"));
  });
  CHECK(shuffle.node() == "s");
  CHECK_THAT(shuffle.message(), Contains("channel_shuffle needs the attribute 'groups'"));
  const UserError pool =
      user_error([&] { load_text(dir, model("", R"({"name": "p", "op": "max_pool", "inputs": ["x"]})", "p")); });
  CHECK_THAT(pool.message(), Contains("max_pool needs the attribute 'kernel'"));
  CHECK_THAT(user_error([&] {
               load_text(dir, model("", R"({"name": "p", "op": "avg_pool", "inputs": ["x"], "attrs": {}})", "p"));
             }).message(),
             Contains("avg_pool needs the attribute 'kernel'"));
}

TEST_CASE("frontend: hostile input gives a one-line error, not a crash", "[frontend][errors]") {
  TempDir dir;
  // Arrays nested 100000 deep where a dimension is expected (nlohmann's dump() would recurse that deep).
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string text = R"({"format": "shufflec-graph", "version": 1, "inputs": [{"name": "x", "shape": [)" +
                           deep + R"(]}], "outputs": ["r"], "nodes": [{"name": "r", "op": "relu", "inputs": ["x"]}]})";
  CHECK_THAT(user_error([&] { load_text(dir, text); }).message(), Contains("'shape' must be an integer, got array"));
  // A newline in a node name is escaped in the message.
  const UserError nl = user_error([&] { load_text(dir, model("", R"({"name": "a\nb", "op": "nope", "inputs": ["x"]})", "r")); });
  CHECK(nl.node() == "a\nb");
  CHECK(std::string(nl.what()).find('\n') == std::string::npos);
  CHECK_THAT(std::string(nl.what()), Contains("node 'a\\nb': unknown op 'nope'"));
}

// Found by fuzzing (docs/fuzzing.md): `convert` threw nlohmann's "invalid UTF-8" on a model named after its file.
TEST_CASE("frontend: convert writes a model whose file name is not UTF-8", "[frontend]") {
  TempDir dir;
  std::string text = model("", R"({"name": "r", "op": "relu", "inputs": ["x"]})", "r");
  text.replace(text.find(R"("name": "m",)"), std::string(R"("name": "m",)").size(), "");
  const Graph g = load_text(dir, text, "\xff.json");
  const JsonGraphFiles files = graph_to_json(g, "back.weights");
  write_file(dir / "back.json", files.json);
  const Graph back = load_json_graph(dir / "back.json");
  CHECK(back.name == "\xef\xbf\xbd");  // U+FFFD
  Graph renamed = g;
  renamed.name = back.name;
  CHECK(print_graph(back) == print_graph(renamed));
}
