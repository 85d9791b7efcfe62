// shufflec-zoo: deterministic generator of the sample model zoo (ShuffleNet v1 in every group count and scale,
// MobileNet v1 1.0 and AlexNet) in the shufflec JSON graph format (docs/format.md). For each model it writes
// NAME.json, NAME.weights and NAME.input.bin (a seeded [1,3,S,S] input). docs/zoo.md describes the models, the
// channel rule and the weight initialisation; tools/golden/reference.py is the independent PyTorch oracle.
//
// Determinism: the output depends only on the arguments. Every tensor has its own splitmix64 stream seeded from
// (seed, FNV-1a-64 of the tensor's name), floats are written explicitly little-endian, and the build turns off FMA
// contraction (samples/CMakeLists.txt) so the rounding of every weight is the same on every platform.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using ojson = nlohmann::ordered_json;
using Shape = std::vector<int64_t>;

struct ZooError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& msg) { throw ZooError(msg); }

// ---------------------------------------------------------------------------------------------------------------
// Deterministic random numbers

struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

// The stream of one tensor: its state starts at splitmix64(seed).next() XOR fnv1a64(name), so it depends on the
// seed and the tensor's name only, never on which other tensors exist or their order.
SplitMix64 tensor_stream(uint64_t seed, std::string_view name) {
  SplitMix64 s{seed};
  return SplitMix64{s.next() ^ fnv1a64(name)};
}

// Uniform in (center - half, center + half). The top 24 bits k of the next number give v = (2k + 1 - 2^24) / 2^24,
// an odd multiple of 2^-24 in (-1, 1) that is exact in float and double (symmetric, never 0 or +-1); the value is
// center + half * v evaluated in double and rounded once to float.
float uniform(SplitMix64& rng, double center, double half) {
  const auto k = static_cast<int64_t>(rng.next() >> 40);
  const double v = static_cast<double>(2 * k + 1 - (int64_t{1} << 24)) * 0x1p-24;
  return static_cast<float>(center + half * v);
}

void put_f32_le(std::vector<unsigned char>& out, float f) {
  const auto u = std::bit_cast<uint32_t>(f);
  out.push_back(static_cast<unsigned char>(u & 0xFFu));
  out.push_back(static_cast<unsigned char>((u >> 8) & 0xFFu));
  out.push_back(static_cast<unsigned char>((u >> 16) & 0xFFu));
  out.push_back(static_cast<unsigned char>((u >> 24) & 0xFFu));
}

// ---------------------------------------------------------------------------------------------------------------
// Graph builder with shape inference (so impossible input sizes are reported here, not by the compiler)

constexpr int64_t kMaxElements = int64_t{1} << 31;  // every tensor holds fewer than 2^31 elements (docs/format.md)
constexpr uint64_t kAlign = 64;                      // constants start at 64-byte aligned offsets

// Weight initialisation (docs/zoo.md): conv and dense weights are uniform in (-a, a), a = sqrt(num / (den * fan_in)).
// He-uniform (num 6) where the output goes (through BN) into a ReLU keeps E[x^2] constant from layer to layer;
// where no ReLU follows, the gain-1 bound (num 3, "LeCun-uniform") does. The last conv of a ShuffleNet stride-1
// unit's residual branch also divides the variance by the number of such units (13), as in Fixup / GPT-2's scaled
// residual init, so the 13 additions x + branch(x) keep the activations O(1) instead of growing ~2x per unit.
struct Gain {
  double num;
  double den;
};
constexpr Gain kReluGain{6.0, 1.0};
constexpr Gain kLinearGain{3.0, 1.0};
constexpr int kShuffleResidualUnits = 3 + 7 + 3;
constexpr Gain kResidualGain{3.0, kShuffleResidualUnits};

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

struct Constant {
  std::string name;
  Shape shape;
  double center;  // values are uniform in (center - half, center + half)
  double half;
  uint64_t offset = 0;
};

class Graph {
 public:
  Graph(std::string name, int64_t input_size) : name_(std::move(name)) {
    define("input", {1, 3, input_size, input_size});
  }

  const std::string& name() const { return name_; }
  const std::vector<Constant>& constants() const { return constants_; }
  const ojson& nodes() const { return nodes_; }
  const Shape& shape(const std::string& t) const { return shapes_.at(t); }
  int64_t channels(const std::string& t) const { return shape(t).at(1); }

  // conv2d with a weight [out, C/groups, k, k] uniform in (-a, a), a = sqrt(gain.num / (gain.den * fan_in)), and
  // optionally a U(-0.1, 0.1) bias.
  std::string conv(const std::string& name, const std::string& x, int64_t out, int64_t k, int64_t stride,
                   int64_t pad, int64_t groups, bool bias, Gain gain) {
    const Shape& xs = shape(x);
    const int64_t c = xs[1];
    if (c % groups != 0 || out % groups != 0)
      fail(node_msg(name) + "groups " + std::to_string(groups) + " do not divide channels " + std::to_string(c) +
           " -> " + std::to_string(out));
    const int64_t fan_in = c / groups * k * k;
    add_constant(name + ".weight", {out, c / groups, k, k}, 0.0, bound(gain, fan_in));
    std::vector<std::string> inputs{x, name + ".weight"};
    if (bias) {
      add_constant(name + ".bias", {out}, 0.0, 0.1);
      inputs.push_back(name + ".bias");
    }
    ojson attrs = ojson::object();
    attrs["stride"] = stride;
    attrs["pads"] = pad;
    if (groups != 1) attrs["groups"] = groups;
    const int64_t oh = window_out(name, xs[2], k, stride, pad);
    const int64_t ow = window_out(name, xs[3], k, stride, pad);
    return node(name, "conv2d", inputs, std::move(attrs), {xs[0], out, oh, ow});
  }

  std::string batch_norm(const std::string& name, const std::string& x) {
    const Shape& xs = shape(x);
    const int64_t c = xs[1];
    add_constant(name + ".weight", {c}, 1.0, 0.5);        // scale U(0.5, 1.5)
    add_constant(name + ".bias", {c}, 0.0, 0.2);          // bias  U(-0.2, 0.2)
    add_constant(name + ".running_mean", {c}, 0.0, 0.2);  // mean  U(-0.2, 0.2)
    add_constant(name + ".running_var", {c}, 1.0, 0.5);   // var   U(0.5, 1.5)
    ojson attrs = ojson::object();
    attrs["epsilon"] = 1e-5;
    return node(name, "batch_norm",
                {x, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var"},
                std::move(attrs), xs);
  }

  std::string relu(const std::string& name, const std::string& x) {
    return node(name, "relu", {x}, ojson::object(), shape(x));
  }

  std::string pool(const std::string& name, const std::string& op, const std::string& x, int64_t k, int64_t stride,
                   int64_t pad) {
    const Shape& xs = shape(x);
    ojson attrs = ojson::object();
    attrs["kernel"] = k;
    attrs["stride"] = stride;
    attrs["pads"] = pad;
    if (op == "avg_pool") attrs["count_include_pad"] = true;
    const int64_t oh = window_out(name, xs[2], k, stride, pad);
    const int64_t ow = window_out(name, xs[3], k, stride, pad);
    return node(name, op, {x}, std::move(attrs), {xs[0], xs[1], oh, ow});
  }

  std::string channel_shuffle(const std::string& name, const std::string& x, int64_t groups) {
    if (channels(x) % groups != 0) fail(node_msg(name) + "groups do not divide the channels");
    ojson attrs = ojson::object();
    attrs["groups"] = groups;
    return node(name, "channel_shuffle", {x}, std::move(attrs), shape(x));
  }

  std::string add(const std::string& name, const std::string& a, const std::string& b) {
    if (shape(a) != shape(b)) fail(node_msg(name) + "operand shapes differ");
    return node(name, "add", {a, b}, ojson::object(), shape(a));
  }

  std::string concat(const std::string& name, const std::vector<std::string>& xs) {
    Shape out = shape(xs.at(0));
    out[1] = 0;
    for (const auto& x : xs) {
      const Shape& s = shape(x);
      if (s[0] != out[0] || s[2] != out[2] || s[3] != out[3]) fail(node_msg(name) + "operand shapes differ");
      out[1] += s[1];
    }
    return node(name, "concat", xs, ojson::object(), out);
  }

  std::string global_avg_pool(const std::string& name, const std::string& x) {
    const Shape& xs = shape(x);
    return node(name, "global_avg_pool", {x}, ojson::object(), {xs[0], xs[1], 1, 1});
  }

  std::string flatten(const std::string& name, const std::string& x) {
    const Shape& xs = shape(x);
    return node(name, "flatten", {x}, ojson::object(), {xs[0], numel(xs) / xs[0]});
  }

  // dense with a weight [out, K] uniform in (-a, a), a = sqrt(gain.num / (gain.den * K)), and a U(-0.1, 0.1) bias.
  std::string dense(const std::string& name, const std::string& x, int64_t out, Gain gain) {
    const Shape& xs = shape(x);
    add_constant(name + ".weight", {out, xs[1]}, 0.0, bound(gain, xs[1]));
    add_constant(name + ".bias", {out}, 0.0, 0.1);
    return node(name, "dense", {x, name + ".weight", name + ".bias"}, ojson::object(), {xs[0], out});
  }

  // Lays the constants out in the order they were added (node order), each at a 64-byte aligned offset; returns
  // the weights file size (the end of the last constant).
  uint64_t layout() {
    uint64_t end = 0;
    for (auto& c : constants_) {
      c.offset = (end + kAlign - 1) / kAlign * kAlign;
      end = c.offset + 4 * static_cast<uint64_t>(numel(c.shape));
    }
    return end;
  }

 private:
  static double bound(Gain g, int64_t fan_in) { return std::sqrt(g.num / (g.den * static_cast<double>(fan_in))); }

  std::string node_msg(const std::string& node) const { return "model " + name_ + ": node " + node + ": "; }

  int64_t window_out(const std::string& node, int64_t in, int64_t k, int64_t stride, int64_t pad) const {
    const int64_t span = in + 2 * pad - k;
    if (span < 0)
      fail(node_msg(node) + "spatial size " + std::to_string(in) + " is smaller than the " + std::to_string(k) +
           "x" + std::to_string(k) + " window (use a larger --input-size)");
    return span / stride + 1;
  }

  void define(const std::string& name, Shape s) {
    if (shapes_.count(name) != 0) fail("model " + name_ + ": duplicate tensor name " + name);
    for (int64_t d : s)
      if (d < 1) fail("model " + name_ + ": tensor " + name + " has an empty dimension");
    // Checked dimension by dimension so the product cannot overflow.
    int64_t n = 1;
    for (int64_t d : s) {
      if (d >= kMaxElements || n >= kMaxElements / d)
        fail("model " + name_ + ": tensor " + name + " would hold 2^31 or more elements (use a smaller size)");
      n *= d;
    }
    shapes_.emplace(name, std::move(s));
  }

  void add_constant(const std::string& name, Shape s, double center, double half) {
    define(name, s);
    constants_.push_back(Constant{name, std::move(s), center, half});
  }

  std::string node(const std::string& name, const std::string& op, const std::vector<std::string>& inputs,
                   ojson attrs, Shape out) {
    define(name, std::move(out));
    ojson n = ojson::object();
    n["name"] = name;
    n["op"] = op;
    n["inputs"] = inputs;
    n["attrs"] = std::move(attrs);
    nodes_.push_back(std::move(n));
    return name;
  }

  std::string name_;
  std::map<std::string, Shape> shapes_;
  std::vector<Constant> constants_;
  ojson nodes_ = ojson::array();
};

// ---------------------------------------------------------------------------------------------------------------
// The models

struct ModelSpec {
  std::string name;
  std::string family;  // "shufflenet_v1", "mobilenet_v1" or "alexnet"
  int64_t groups = 1;
  double scale = 1.0;
};

const std::vector<int64_t> kShuffleGroups{1, 2, 3, 4, 8};

int64_t shufflenet_base(int64_t g) {
  switch (g) {
    case 1: return 144;
    case 2: return 200;
    case 3: return 240;
    case 4: return 272;
    case 8: return 384;
    default: fail("ShuffleNet v1 groups must be 1, 2, 3, 4 or 8 (got " + std::to_string(g) + ")");
  }
}

// round(x) with halves rounded up (x >= 0); tools/golden/reference.py uses the same floor(x + 0.5).
int64_t round_half_up(double x) { return static_cast<int64_t>(std::floor(x + 0.5)); }

struct ShuffleChannels {
  int64_t conv1;
  int64_t stage[3];  // output channels of stages 2, 3, 4
};

// The channel rule of docs/zoo.md (at 1x it gives exactly Table 1 of the paper).
ShuffleChannels shufflenet_channels(int64_t g, double s) {
  ShuffleChannels ch{};
  const int64_t c24 = round_half_up(24.0 * s);
  ch.conv1 = std::max(g, (c24 + g - 1) / g * g);
  const int64_t base = shufflenet_base(g);
  for (int i = 0; i < 3; ++i) {
    const int64_t b = base << i;
    const double units = static_cast<double>(b) * s / static_cast<double>(4 * g);
    ch.stage[i] = 4 * g * std::max<int64_t>(1, round_half_up(units));
  }
  return ch;
}

Graph build_shufflenet(const ModelSpec& m, int64_t input_size) {
  const int64_t g = m.groups;
  const ShuffleChannels ch = shufflenet_channels(g, m.scale);
  if (ch.stage[0] <= ch.conv1 || ch.stage[1] <= ch.stage[0] || ch.stage[2] <= ch.stage[1])
    fail("model " + m.name + ": scale too small: a stage would not add channels over its input (conv1 " +
         std::to_string(ch.conv1) + ", stages " + std::to_string(ch.stage[0]) + "/" + std::to_string(ch.stage[1]) +
         "/" + std::to_string(ch.stage[2]) + ")");
  Graph gr(m.name, input_size);
  std::string x = gr.conv("conv1", "input", ch.conv1, 3, 2, 1, 1, false, kReluGain);
  x = gr.batch_norm("bn1", x);
  x = gr.relu("relu1", x);
  x = gr.pool("maxpool", "max_pool", x, 3, 2, 1);
  const int repeats[3] = {4, 8, 4};
  for (int st = 0; st < 3; ++st) {
    const int64_t out = ch.stage[st];
    const int64_t mid = out / 4;
    for (int i = 0; i < repeats[st]; ++i) {
      const std::string p = "stage" + std::to_string(st + 2) + "." + std::to_string(i);
      const int64_t in = gr.channels(x);
      const int64_t stride = i == 0 ? 2 : 1;
      const int64_t first_groups = (st == 0 && i == 0) ? 1 : g;
      std::string y = gr.conv(p + ".conv1", x, mid, 1, 1, 0, first_groups, false, kReluGain);
      y = gr.batch_norm(p + ".bn1", y);
      y = gr.relu(p + ".relu1", y);
      if (g > 1) y = gr.channel_shuffle(p + ".shuffle", y, g);
      y = gr.conv(p + ".dwconv", y, mid, 3, stride, 1, mid, false, kLinearGain);
      y = gr.batch_norm(p + ".bn2", y);
      y = gr.conv(p + ".conv2", y, stride == 1 ? out : out - in, 1, 1, 0, g, false,
                  stride == 1 ? kResidualGain : kLinearGain);
      y = gr.batch_norm(p + ".bn3", y);
      if (stride == 1) {
        x = gr.add(p + ".add", x, y);
      } else {
        const std::string sc = gr.pool(p + ".shortcut", "avg_pool", x, 3, 2, 1);
        x = gr.concat(p + ".concat", {sc, y});
      }
      x = gr.relu(p + ".relu", x);
    }
  }
  x = gr.global_avg_pool("globalpool", x);
  x = gr.flatten("flatten", x);
  gr.dense("fc", x, 1000, kLinearGain);
  return gr;
}

Graph build_mobilenet(const ModelSpec& m, int64_t input_size) {
  Graph gr(m.name, input_size);
  std::string x = gr.conv("conv0", "input", 32, 3, 2, 1, 1, false, kReluGain);
  x = gr.batch_norm("bn0", x);
  x = gr.relu("relu0", x);
  const int64_t blocks[13][2] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},  {512, 1},
                                 {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  for (int i = 0; i < 13; ++i) {
    const std::string b = std::to_string(i + 1);
    const int64_t c = gr.channels(x);
    x = gr.conv("dw" + b, x, c, 3, blocks[i][1], 1, c, false, kReluGain);
    x = gr.batch_norm("dw" + b + "_bn", x);
    x = gr.relu("dw" + b + "_relu", x);
    x = gr.conv("pw" + b, x, blocks[i][0], 1, 1, 0, 1, false, kReluGain);
    x = gr.batch_norm("pw" + b + "_bn", x);
    x = gr.relu("pw" + b + "_relu", x);
  }
  x = gr.global_avg_pool("globalpool", x);
  x = gr.flatten("flatten", x);
  gr.dense("fc", x, 1000, kLinearGain);
  return gr;
}

Graph build_alexnet(const ModelSpec& m, int64_t input_size) {
  Graph gr(m.name, input_size);
  std::string x = gr.relu("relu1", gr.conv("conv1", "input", 64, 11, 4, 2, 1, true, kReluGain));
  x = gr.pool("pool1", "max_pool", x, 3, 2, 0);
  x = gr.relu("relu2", gr.conv("conv2", x, 192, 5, 1, 2, 1, true, kReluGain));
  x = gr.pool("pool2", "max_pool", x, 3, 2, 0);
  x = gr.relu("relu3", gr.conv("conv3", x, 384, 3, 1, 1, 1, true, kReluGain));
  x = gr.relu("relu4", gr.conv("conv4", x, 256, 3, 1, 1, 1, true, kReluGain));
  x = gr.relu("relu5", gr.conv("conv5", x, 256, 3, 1, 1, 1, true, kReluGain));
  x = gr.pool("pool5", "max_pool", x, 3, 2, 0);
  x = gr.flatten("flatten", x);
  x = gr.relu("relu6", gr.dense("fc6", x, 4096, kReluGain));
  x = gr.relu("relu7", gr.dense("fc7", x, 4096, kReluGain));
  gr.dense("fc8", x, 1000, kLinearGain);
  return gr;
}

Graph build(const ModelSpec& m, int64_t input_size) {
  if (m.family == "shufflenet_v1") return build_shufflenet(m, input_size);
  if (m.family == "mobilenet_v1") return build_mobilenet(m, input_size);
  if (m.family == "alexnet") return build_alexnet(m, input_size);
  fail("unknown family " + m.family);
}

std::vector<ModelSpec> zoo() {
  const std::pair<const char*, double> scales[] = {{"0.25", 0.25}, {"0.5", 0.5}, {"1.0", 1.0}, {"1.5", 1.5},
                                                   {"2.0", 2.0}};
  std::vector<ModelSpec> z;
  for (int64_t g : kShuffleGroups)
    for (const auto& [text, s] : scales)
      z.push_back({"shufflenet_v1_g" + std::to_string(g) + "_" + text + "x", "shufflenet_v1", g, s});
  z.push_back({"mobilenet_v1_1.0", "mobilenet_v1", 1, 1.0});
  z.push_back({"alexnet", "alexnet", 1, 1.0});
  return z;
}

// ---------------------------------------------------------------------------------------------------------------
// Output

std::string render_json(const Graph& gr, const ModelSpec& m, int64_t input_size, uint64_t seed,
                        uint64_t weights_bytes) {
  auto kv = [](const char* key, const ojson& v) { return "  " + ojson(key).dump() + ": " + v.dump(); };
  ojson meta = ojson::object();
  meta["family"] = m.family;
  meta["groups"] = m.groups;
  meta["scale"] = m.scale;
  meta["input_size"] = input_size;
  meta["seed"] = seed;
  ojson input = ojson::object();
  input["name"] = "input";
  input["shape"] = gr.shape("input");
  const std::string output = gr.nodes().back()["name"].get<std::string>();

  std::string s = "{\n";
  s += kv("format", "shufflec-graph") + ",\n";
  s += kv("version", 1) + ",\n";
  s += kv("name", m.name) + ",\n";
  s += kv("weights_file", m.name + ".weights") + ",\n";
  s += kv("weights_bytes", weights_bytes) + ",\n";
  s += kv("inputs", ojson::array({input})) + ",\n";
  s += kv("outputs", ojson::array({output})) + ",\n";
  s += kv("meta", meta) + ",\n";
  s += "  \"constants\": [\n";
  const auto& cs = gr.constants();
  for (size_t i = 0; i < cs.size(); ++i) {
    ojson c = ojson::object();
    c["name"] = cs[i].name;
    c["shape"] = cs[i].shape;
    c["offset"] = cs[i].offset;
    s += "    " + c.dump() + (i + 1 < cs.size() ? ",\n" : "\n");
  }
  s += "  ],\n  \"nodes\": [\n";
  const auto& ns = gr.nodes();
  for (size_t i = 0; i < ns.size(); ++i) s += "    " + ns[i].dump() + (i + 1 < ns.size() ? ",\n" : "\n");
  s += "  ]\n}\n";
  return s;
}

class OutFile {
 public:
  explicit OutFile(std::filesystem::path path)
      : path_(std::move(path)), f_(path_, std::ios::binary | std::ios::trunc) {
    if (!f_) fail("cannot open " + path_.string() + " for writing");
  }
  void write(const void* data, size_t n) {
    f_.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    if (!f_) fail("cannot write " + path_.string());
  }
  void close() {
    f_.close();
    if (!f_) fail("cannot write " + path_.string());
  }

 private:
  std::filesystem::path path_;
  std::ofstream f_;
};

// Writes n values of the named tensor's stream (uniform in (center - half, center + half)) as float32 LE.
void write_tensor(OutFile& f, uint64_t seed, const std::string& name, int64_t n, double center, double half) {
  SplitMix64 rng = tensor_stream(seed, name);
  std::vector<unsigned char> buf;
  constexpr int64_t kChunk = 1 << 16;
  buf.reserve(4 * kChunk);
  for (int64_t done = 0; done < n;) {
    buf.clear();
    const int64_t m = std::min(kChunk, n - done);
    for (int64_t i = 0; i < m; ++i) put_f32_le(buf, uniform(rng, center, half));
    f.write(buf.data(), buf.size());
    done += m;
  }
}

void write_model(const ModelSpec& m, const std::filesystem::path& dir, int64_t input_size, uint64_t seed) {
  Graph gr = build(m, input_size);
  const uint64_t weights_bytes = gr.layout();

  OutFile json(dir / (m.name + ".json"));
  const std::string text = render_json(gr, m, input_size, seed, weights_bytes);
  json.write(text.data(), text.size());
  json.close();

  OutFile weights(dir / (m.name + ".weights"));
  uint64_t pos = 0;
  const std::vector<unsigned char> zeros(kAlign, 0);
  for (const Constant& c : gr.constants()) {
    weights.write(zeros.data(), c.offset - pos);
    write_tensor(weights, seed, c.name, numel(c.shape), c.center, c.half);
    pos = c.offset + 4 * static_cast<uint64_t>(numel(c.shape));
  }
  weights.close();
  if (pos != weights_bytes) fail("internal error: weights size mismatch for " + m.name);

  OutFile input(dir / (m.name + ".input.bin"));
  write_tensor(input, seed, "input", numel(gr.shape("input")), 0.0, 1.0);
  input.close();
}

// ---------------------------------------------------------------------------------------------------------------
// Command line

constexpr const char* kUsage =
    "usage: shufflec-zoo --list\n"
    "       shufflec-zoo (NAME... | --all) --out DIR [--input-size S] [--seed K]\n"
    "       shufflec-zoo --family shufflenet --groups G --scale X [--name NAME] --out DIR [--input-size S] "
    "[--seed K]\n"
    "Writes DIR/NAME.json, DIR/NAME.weights and DIR/NAME.input.bin (float32 LE [1,3,S,S], uniform in [-1,1])\n"
    "for each model. Defaults: --input-size 224, --seed 1. See docs/zoo.md.\n";

template <class T>
T parse_int(const std::string& opt, const std::string& text, T lo, T hi) {
  T v{};
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v < lo || v > hi)
    fail(opt + " expects an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + text +
         "'");
  return v;
}

double parse_scale(const std::string& text) {
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v) || v <= 0 ||
      v > 64)
    fail("--scale expects a number in (0, 64], got '" + text + "'");
  return v;
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 200 || n[0] == '.' || n[0] == '-') return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

int run(const std::vector<std::string>& args) {
  bool list = false, all = false;
  std::string out, family, groups_text, scale_text, name;
  int64_t input_size = 224;
  uint64_t seed = 1;
  std::vector<std::string> names;

  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    bool has_value = false;
    if (a.rfind("--", 0) == 0) {
      const size_t eq = a.find('=');
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        has_value = true;
      }
    }
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= args.size()) fail(a + " needs a value");
      return args[++i];
    };
    auto no_value = [&]() {
      if (has_value) fail(a + " takes no value");
    };
    if (a == "--help" || a == "-h") {
      no_value();
      std::cout << kUsage;
      return 0;
    } else if (a == "--list") {
      no_value();
      list = true;
    } else if (a == "--all") {
      no_value();
      all = true;
    } else if (a == "--out") {
      out = take();
      if (out.empty()) fail("--out needs a non-empty directory");
    } else if (a == "--input-size") {
      input_size = parse_int<int64_t>(a, take(), 1, 1 << 16);
    } else if (a == "--seed") {
      seed = parse_int<uint64_t>(a, take(), 0, UINT64_MAX);
    } else if (a == "--family") {
      family = take();
    } else if (a == "--groups") {
      groups_text = take();
    } else if (a == "--scale") {
      scale_text = take();
    } else if (a == "--name") {
      name = take();
    } else if (!a.empty() && a[0] == '-') {
      fail("unknown option " + a + " (see --help)");
    } else {
      names.push_back(a);
    }
  }

  const std::vector<ModelSpec> z = zoo();
  if (list) {
    if (all || !out.empty() || !names.empty() || !family.empty() || !groups_text.empty() || !scale_text.empty() ||
        !name.empty())
      fail("--list takes no other arguments");
    for (const auto& m : z) std::cout << m.name << '\n';
    return 0;
  }

  std::vector<ModelSpec> todo;
  std::set<std::string> seen;
  auto push = [&](const ModelSpec& m) {
    if (seen.insert(m.name).second) todo.push_back(m);
  };
  if (all) {
    if (!names.empty()) fail("--all and model names are exclusive");
    for (const auto& m : z) push(m);
  }
  for (const auto& n : names) {
    const auto it = std::find_if(z.begin(), z.end(), [&](const ModelSpec& m) { return m.name == n; });
    if (it == z.end()) fail("unknown model '" + n + "' (see --list)");
    push(*it);
  }
  if (!family.empty()) {
    if (family != "shufflenet" && family != "shufflenet_v1")
      fail("--family supports only 'shufflenet' (got '" + family + "'); other models are zoo names");
    if (groups_text.empty() || scale_text.empty()) fail("--family shufflenet needs --groups and --scale");
    ModelSpec m;
    m.family = "shufflenet_v1";
    m.groups = parse_int<int64_t>("--groups", groups_text, 1, 8);
    shufflenet_base(m.groups);  // validates the group count
    m.scale = parse_scale(scale_text);
    m.name = name.empty() ? "shufflenet_v1_g" + groups_text + "_" + scale_text + "x" : name;
    if (!valid_name(m.name))
      fail("invalid model name '" + m.name + "' (letters, digits, '_', '.', '-'; not starting with '.' or '-')");
    if (seen.count(m.name) != 0) fail("model name '" + m.name + "' given twice");
    push(m);
  } else if (!groups_text.empty() || !scale_text.empty() || !name.empty()) {
    fail("--groups, --scale and --name need --family shufflenet");
  }
  if (todo.empty()) fail("no model given (NAME..., --all or --family; see --help)");
  if (out.empty()) fail("--out DIR is required");

  const std::filesystem::path dir(out);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) fail("cannot create directory " + out);
  for (const auto& m : todo) write_model(m, dir, input_size, seed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const ZooError& e) {
    std::cerr << "shufflec-zoo: error: " << e.what() << '\n';
  } catch (const std::exception& e) {
    std::cerr << "shufflec-zoo: error: " << e.what() << '\n';
  }
  return 1;
}
