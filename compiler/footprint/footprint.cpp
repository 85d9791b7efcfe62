#include "compiler/footprint/footprint.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <llvm/ADT/SmallString.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Program.h>

#include "compiler/footprint/elf_sizes.h"
#include "ir/diagnostics.h"

namespace shufflec {
namespace {

// The estimate's code sizes: the run function and runtime helpers, and each layer function. Measured on the
// Fashion-MNIST model (31 layer functions), -O2: about 700 bytes a layer on x86-64 (gcc 12, auto-vectorised) and
// 430 on the Cortex-M (arm-none-eabi-gcc 12.2, Thumb-2), so the estimate leans toward the larger.
constexpr int64_t kEstimatedBaseCode = 512;
constexpr int64_t kEstimatedLayerCode = 640;

// The compilers that can measure a target's code, best first: the gcc cross compiler of the target's triple (the
// route docs/targets.md documents), then clang for that triple.
struct Toolchain {
  std::string program;
  std::vector<std::string> extra_flags;
};

std::vector<Toolchain> toolchains(const TargetDesc &t) {
  std::vector<Toolchain> out;
  if (t.name == "cortex-m") out.push_back({"arm-none-eabi-gcc", {}});
  else if (t.name == "aarch64") out.push_back({"aarch64-linux-gnu-gcc", {}});
  else if (t.name == "armv7") out.push_back({"arm-linux-gnueabihf-gcc", {}});
  else out.push_back({"cc", {}});  // the portable C and x86-64: this host's compiler
  std::vector<std::string> clang_flags;
  if (!t.triple.empty()) clang_flags.push_back("--target=" + t.triple);
  if (!t.bare_metal_sysroot.empty()) clang_flags.push_back("--sysroot=" + t.bare_metal_sysroot);
  out.push_back({"clang", clang_flags});
  out.push_back({"clang-14", clang_flags});
  return out;
}

void write_file(const std::filesystem::path &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Compiles the module in a fresh temporary folder; the object's sizes, or why there are none.
std::optional<ObjectSizes> compile_and_measure(const CModule &module, const CEmitOptions &emit, std::string &method) {
  for (const Toolchain &tool : toolchains(emit.target)) {
    llvm::ErrorOr<std::string> program = llvm::sys::findProgramByName(tool.program);
    if (!program) continue;
    llvm::SmallString<128> dir;
    if (llvm::sys::fs::createUniqueDirectory("shufflec-footprint", dir)) return std::nullopt;
    const std::filesystem::path folder(dir.str().str());
    write_file(folder / (emit.prefix + ".c"), module.source);
    write_file(folder / (emit.prefix + ".h"), module.header);
    std::vector<std::string> args = {*program};
    args.insert(args.end(), tool.extra_flags.begin(), tool.extra_flags.end());
    args.insert(args.end(), {"-std=c99", "-O2"});
    args.insert(args.end(), emit.target.cflags.begin(), emit.target.cflags.end());
    const std::string shown = fmt::format("{} {}", tool.program, fmt::join(args.begin() + 1, args.end(), " "));
    args.insert(args.end(), {"-c", (folder / (emit.prefix + ".c")).string(), "-o", (folder / "model.o").string()});
    const std::string log = (folder / "compiler.log").string();
    const std::vector<llvm::Optional<llvm::StringRef>> redirects = {llvm::None, llvm::StringRef(log),
                                                                     llvm::StringRef(log)};
    std::vector<llvm::StringRef> refs(args.begin(), args.end());
    const int status = llvm::sys::ExecuteAndWait(*program, refs, llvm::None, redirects, 900);
    std::optional<ObjectSizes> sizes;
    if (status == 0) sizes = read_elf_sizes(read_file(folder / "model.o"));
    std::error_code ec;
    std::filesystem::remove_all(folder, ec);
    if (sizes) {
      method = "measured: " + shown + " -c";
      return sizes;
    }
    method = fmt::format("estimated ({} could not compile the model: status {})", tool.program, status);
    return std::nullopt;
  }
  method = fmt::format("estimated (no compiler for target {} on PATH)", emit.target.name);
  return std::nullopt;
}

}  // namespace

const LayerFlash *Footprint::largest_layer() const {
  const LayerFlash *best = nullptr;
  for (const LayerFlash &l : layers)
    if (!best || l.bytes() > best->bytes()) best = &l;
  return best;
}

Footprint model_footprint(const CModule &module, const CEmitOptions &emit, bool measure) {
  Footprint f;
  f.target = emit.target.name;
  f.arena_bytes = module.arena_bytes;
  f.stack_bytes = module.stack_bytes;
  if (emit.external_weights) f.external_weights_bytes = module.weights_bytes;
  std::optional<ObjectSizes> sizes;
  f.method = "estimated (not measured: compile for a bare-metal target, or give --flash-budget, to measure)";
  if (measure) sizes = compile_and_measure(module, emit, f.method);
  for (size_t i = 0; i < module.layers.size(); ++i)
    if (!module.layers[i].function.empty()) f.layers.push_back({i, module.layers[i].weights_bytes, 0});
  if (sizes) {
    f.measured = true;
    const auto weights = sizes->symbol_bytes.find("sc_weights");
    f.weights_bytes = weights == sizes->symbol_bytes.end() ? 0 : weights->second;
    f.code_bytes = sizes->code;
    f.other_constant_bytes = sizes->constants - f.weights_bytes;
    f.data_bytes = sizes->data;
    f.bss_bytes = sizes->bss;
    for (LayerFlash &l : f.layers) {
      const auto code = sizes->symbol_bytes.find(module.layers[l.node].function);
      l.code_bytes = code == sizes->symbol_bytes.end() ? 0 : code->second;  // 0: the compiler inlined it
    }
    return f;
  }
  f.method += fmt::format(": the weights blob exactly, code {} bytes per layer function + {}", kEstimatedLayerCode,
                          kEstimatedBaseCode);
  f.weights_bytes = emit.external_weights ? 0 : module.weights_bytes;
  f.code_bytes = kEstimatedBaseCode + kEstimatedLayerCode * int64_t(f.layers.size());
  for (LayerFlash &l : f.layers) l.code_bytes = kEstimatedLayerCode;
  return f;
}

std::string footprint_table(const Graph &g, const Footprint &f) {
  std::string out = fmt::format("\nfootprint for target {} ({})\n", f.target, f.method);
  out += fmt::format("flash: {} bytes {}= code {} + weights {} + other constants {} + data {}\n", f.flash_bytes(),
                     f.measured ? "" : "(estimated) ", f.code_bytes, f.weights_bytes, f.other_constant_bytes,
                     f.data_bytes);
  if (f.external_weights_bytes)
    out += fmt::format("external weights: {} bytes (NAME.weights.bin, not in the flash above)\n",
                       f.external_weights_bytes);
  out += fmt::format("RAM: {} bytes = arena {} + stack bound {} + static data {}\n", f.ram_bytes(), f.arena_bytes,
                     f.stack_bytes, f.data_bytes + f.bss_bytes);
  if (const LayerFlash *l = f.largest_layer())
    out += fmt::format("largest flash contributor: '{}' ({} bytes of weights + {} bytes of code)\n",
                       g.nodes[l->node].name, l->weights_bytes, l->code_bytes);
  return out;
}

nlohmann::ordered_json footprint_json(const Graph &g, const Footprint &f) {
  nlohmann::ordered_json j;
  j["target"] = f.target;
  j["flash_bytes"] = f.flash_bytes();
  j["flash"] = {{"measured", f.measured},        {"method", f.method},
                {"code_bytes", f.code_bytes},    {"weights_bytes", f.weights_bytes},
                {"other_constant_bytes", f.other_constant_bytes}, {"data_bytes", f.data_bytes}};
  if (f.external_weights_bytes) j["external_weights_bytes"] = f.external_weights_bytes;
  j["ram_bytes"] = f.ram_bytes();
  j["ram"] = {{"arena_bytes", f.arena_bytes}, {"stack_bytes", f.stack_bytes},
              {"static_bytes", f.data_bytes + f.bss_bytes}};
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const LayerFlash &l : f.layers)
    layers.push_back({{"layer", g.nodes[l.node].name}, {"weights_bytes", l.weights_bytes},
                      {"code_bytes", l.code_bytes}});
  j["flash_by_layer"] = layers;
  return j;
}

int64_t parse_byte_size(const std::string &text, const std::string &option) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string suffix = text.substr(digits);
  int64_t unit = 0;
  if (suffix.empty()) unit = 1;
  else if (suffix == "K" || suffix == "k" || suffix == "KiB") unit = 1024;
  else if (suffix == "M" || suffix == "MiB") unit = 1024 * 1024;
  const auto bad = [&] {
    return UserError("", "", fmt::format("{} needs a byte count such as 65536, 64K or 1M (K = 1024 bytes), got '{}'",
                                         option, text));
  };
  if (digits == 0 || unit == 0 || digits > 12) throw bad();
  return std::stoll(text.substr(0, digits)) * unit;
}

}  // namespace shufflec
