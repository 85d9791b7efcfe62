// The shufflec command line: compile, run, info, compare, convert, flags, diff, profile. User errors print one line
// and exit 1.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <cmath>
#include <map>
#include <set>

#include "compiler/compile.h"
#include "compiler/debug/diff.h"
#include "compiler/debug/profile.h"
#include "compiler/frontend/json_frontend.h"
#include "compiler/frontend/onnx_frontend.h"
#include "compiler/info.h"
#include "compiler/output_files.h"
#include "compiler/passes/passes.h"
#include "compiler/quantize/calibration.h"
#include "compiler/quantize/quant_export.h"
#include "compiler/quantize/quant_report.h"
#include "compiler/tensor_io.h"
#include "compiler/version.h"
#include "ir/interpreter.h"
#include "ir/memory_plan.h"
#include "ir/quant/int8_interpreter.h"
#include "targets/c/c_backend.h"
#include "targets/target.h"

#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Program.h>

namespace shufflec {
namespace {

constexpr const char *kUsage = R"(usage: shufflec <command> [options]

commands:
  compile MODEL -o DIR [--prefix NAME] [--target T] [--emit c|obj|lib] [--emit-test] [--test-input FILE]
      Compile MODEL (a .json graph, docs/format.md, or an .onnx model, docs/onnx.md) to DIR/NAME.c, DIR/NAME.h
      and DIR/NAME.memplan.json. NAME defaults to the model's name made into a C identifier. --emit-test also
      writes DIR/NAME_test.c, a self-checking main() holding an input (seeded random, or --test-input FILE) and the
      reference interpreter's output for it (computed on the graph before any pass), or the output in
      --test-expect FILE.
        --target=T              c (portable C99, default), native, or an LLVM triple with features:
                                x86_64-linux-gnu+avx2,fma, x86_64-linux-gnu+avx512f,avx512bw,avx512vl,
                                aarch64-linux-gnu[+dotprod], armv7a-linux-gnueabihf+neon (native: the host's
                                best)
        --emit=c|obj|lib        also compile the C with clang for the target's triple: DIR/NAME.o or
                                DIR/libNAME.a (one command from a model to a library for an ARM board)
        --dump-after=PASS|all   print the IR after that pass (when it changed the graph)
        --passes=LIST           run only these passes (comma-separated; empty: none)
        --no-pass=NAME          skip a pass (repeatable)
        --ram-budget=BYTES      fail when the activation arena is larger, naming the peak layer (BYTES: 65536,
                                64K, 1M; K = 1024)
        --flash-budget=BYTES    fail when code + weights (measured with the target's compiler, docs/generated-c.md)
                                are larger, naming the layer that takes the most
        --weights=embedded|external
                                external: write the weights to DIR/NAME.weights.bin instead of NAME.c; NAME_run
                                then takes them as a 4th argument, `const void *weights` (docs/generated-c.md)
        --debug-taps            also emit NAME_run_with_taps, calling a hook after each layer with its source
                                node's tensor (docs/generated-c.md); the tap list goes into NAME.memplan.json
        --quantize=int8 --calibration=FILE.npy|DIR [--calibration-method=mse|minmax]
                                int8 post-training quantization (docs/quantization.md), calibrated on the samples
                                in FILE.npy (stacked on the batch axis) or the .npy files of DIR; <prefix>_run stays
                                float in, float out. Also on 'run' (the int8 reference interpreter) and 'info'.
        --keep-float=NODE,...   with --quantize: keep these layers in fp32 (dequantize/quantize around them)
  run MODEL --input FILE --output FILE [--quantize int8 --calibration X [--export-int8 FILE.json]]
      Run MODEL on the reference interpreter (with --quantize: the int8 one). Files are float32 .npy or raw
      little-endian .bin. --export-int8 also writes the quantized graph (every value's scale and zero point, every
      layer's clamp and weight scales, attributes) to FILE.json and the constants and every value of this run to
      FILE.bin (float32), for checks outside shufflec (docs/quantization.md).
  info MODEL [--memory [--target T]]
      Print each layer's op, output shape, mult-adds and parameters, and the totals. --memory prints the memory
      plan of the optimised graph instead: each tensor's offset, size, first/last use, in-place decisions, the
      peak step and what is live there; then the footprint for target T (default c): flash (code + weights,
      measured from the C compiled by T's compiler when it is on PATH, else estimated) and RAM (arena + stack). With --quantize int8 --calibration X: each layer's output scale, zero
      point and SQNR (dB) of int8 against fp32 on the calibration data.
  compare OUT REF [--tolerance T]
      Compare two float32 files: passes when max|OUT-REF| / max|REF| <= T (default 1e-5).
  convert MODEL -o OUT.json
      Write MODEL as a shufflec JSON graph OUT.json plus its weights file OUT.weights beside it (docs/format.md).
  diff MODEL --input FILE [--reference interpreter|REF.npz] [--target T] [--tolerance R]
      Build MODEL with debug taps for T (the host C compiler; qemu-user for aarch64/armv7), run it on FILE and
      compare every tapped node with the reference (default: the interpreter on the unoptimised graph; or arrays
      keyed by node / ONNX tensor names). Prints a table and "first diverging node: NAME"; exit 1 if any node
      is past R = max|err| / max|ref| (default 1e-4). See docs/debugging.md.
      With --quantize int8 --calibration X [--keep-float ...] [--min-sqnr DB]: diff the int8 build against the
      fp32 reference by each node's SQNR (a node diverges below DB, default 20), and check its int8 tensors
      against the int8 interpreter bit for bit.
  profile MODEL [--target T] [--runs N] [--quantize int8 --calibration X]
      Per layer on this host: median time (N runs, default 20), mult-adds, GMAC/s, arena bytes live; totals.
      For thumbv7em-none-eabihf (Cortex-M): guest instructions per layer counted by qemu-system-arm -icount
      (deterministic: one run), mult-adds, MAC/instruction, arena bytes live; totals.
  flags [--target T]
      Print, on one line, the C compiler flags the generated C needs for target T (e.g. "-mavx2 -mfma"; empty
      for the portable C). Build systems ask here rather than keep their own copy (cmake/ShufflecModel.cmake).

MODEL is a .json graph or an .onnx model. For an ONNX model whose input has dynamic dimensions:
  --input-shape NAME=1,3,224,224   the input's full shape (NAME may be left out: "1,3,224,224")

options:
  -h, --help      show this help
  --version       show the version
)";

struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  std::set<std::string> flags;
};

Args parse_args(int argc, char **argv) {
  static const std::set<std::string> with_value = {"-o",          "--prefix",     "--target",     "--input",
                                                   "--output",    "--tolerance",  "--test-input", "--dump-after",
                                                   "--passes",    "--no-pass",    "--ram-budget", "--flash-budget",
                                                   "--emit",      "--test-expect", "--input-shape",
                                                   "--reference", "--runs",       "--quantize",
                                                   "--calibration", "--calibration-method", "--weights",
                                                   "--keep-float", "--export-int8", "--min-sqnr"};
  static const std::set<std::string> flags = {"--emit-test", "--memory", "--debug-taps"};
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      has_inline_value = true;
    }
    if (with_value.count(arg)) {
      if (!has_inline_value) {
        if (i + 1 >= argc) throw UserError("", "", "option " + arg + " needs a value");
        value = argv[++i];
      }
      if (arg == "--no-pass" && a.options.count(arg)) value = a.options[arg] + "," + value;  // repeatable
      a.options[arg] = value;
    } else if (flags.count(arg)) {
      a.flags.insert(arg);
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      throw UserError("", "", "unknown option '" + arg + "' (see shufflec --help)");
    } else if (a.command.empty()) {
      a.command = arg;
    } else {
      a.positional.push_back(arg);
    }
  }
  return a;
}

const std::string &one_model(const Args &a) {
  if (a.positional.size() != 1)
    throw UserError("", "", fmt::format("'{}' takes exactly one MODEL file (see shufflec --help)", a.command));
  return a.positional[0];
}

std::string need(const Args &a, const std::string &opt) {
  auto it = a.options.find(opt);
  if (it == a.options.end()) throw UserError("", "", fmt::format("'{}' needs {} (see shufflec --help)", a.command, opt));
  return it->second;
}

std::set<std::string> split_list(const std::string &list) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) out.insert(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

PipelineOptions pipeline_options(const Args &a) {
  PipelineOptions p;
  if (a.options.count("--no-pass")) p.disabled = split_list(a.options.at("--no-pass"));
  if (a.options.count("--passes")) {
    p.only_listed = true;
    p.listed = split_list(a.options.at("--passes"));
    if (p.listed.count("all")) p.only_listed = false;
  }
  if (a.options.count("--dump-after")) {
    p.dump_after = a.options.at("--dump-after");
    p.dump = &std::cout;
  }
  std::set<std::string> names = p.disabled;
  names.insert(p.listed.begin(), p.listed.end());
  if (!p.dump_after.empty()) names.insert(p.dump_after);
  check_pass_names(names);
  return p;
}

// --quantize int8 --calibration X: the calibration samples (read and checked before anything runs), else none.
std::optional<QuantizeRequest> quantize_request(const Args &a, const Graph &g) {
  if (!a.options.count("--quantize")) {
    if (a.options.count("--calibration") || a.options.count("--calibration-method"))
      throw UserError("", "", "--calibration needs --quantize int8");
    if (a.options.count("--keep-float")) throw UserError("", "", "--keep-float needs --quantize int8");
    return std::nullopt;
  }
  if (a.options.at("--quantize") != "int8")
    throw UserError("", "", fmt::format("--quantize takes int8, got '{}'", a.options.at("--quantize")));
  QuantizeRequest request;
  if (a.options.count("--calibration-method"))
    request.method = parse_calibration_method(a.options.at("--calibration-method"));
  if (a.options.count("--keep-float")) {
    const std::string &list = a.options.at("--keep-float");
    for (size_t start = 0; start <= list.size();) {
      const size_t comma = std::min(list.find(',', start), list.size());
      const std::string name = list.substr(start, comma - start);
      const bool known = std::any_of(g.nodes.begin(), g.nodes.end(), [&](const Node &n) { return n.name == name; });
      if (!known) throw UserError(g.source, name, "--keep-float names no node of this model");
      request.keep_float.insert(name);
      start = comma + 1;
    }
  }
  request.samples = load_calibration(need(a, "--calibration"), g.shape(g.input));
  return request;
}

// Runs a program found on PATH (the first of `names`); throws UserError with its name when it fails.
void run_tool(const std::vector<std::string> &names, std::vector<std::string> args, const std::string &what) {
  std::string program;
  for (const std::string &n : names)
    if (auto found = llvm::sys::findProgramByName(n)) {
      program = *found;
      break;
    }
  if (program.empty()) throw UserError("", "", fmt::format("{} needs {} on PATH (Debian: apt-get install clang llvm)", what, names[0]));
  args.insert(args.begin(), program);
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string message;
  const int status = llvm::sys::ExecuteAndWait(program, refs, llvm::None, {}, 0, 0, &message);
  if (status != 0)
    throw UserError("", "", fmt::format("{} failed: {} exited with status {}{}", what, program, status,
                                        message.empty() ? "" : " (" + message + ")"));
}

// --emit=obj|lib: compiles the generated C for the target's triple with clang (LLVM), and archives it.
void build_object(const std::string &base, const std::string &prefix, const TargetDesc &target, bool lib) {
  const std::string obj = base + ".o", tmp = base + ".o.tmp";
  std::vector<std::string> args = {"-std=c99", "-O2", "-c", base + ".c", "-o", tmp};
  if (target.bare_metal_sysroot.empty()) {
    args.push_back("-fPIC");
  } else {
    if (!std::filesystem::is_directory(target.bare_metal_sysroot))
      throw UserError("", "", fmt::format("--emit=obj for {} needs its C library headers in {} (Debian package "
                                          "libnewlib-arm-none-eabi)", target.triple, target.bare_metal_sysroot));
    args.push_back("--sysroot=" + target.bare_metal_sysroot);
  }
  if (!target.triple.empty()) args.insert(args.begin(), "--target=" + target.triple);
  args.insert(args.begin() + 1, target.cflags.begin(), target.cflags.end());
  try {
    run_tool({"clang", "clang-14"}, args, "--emit=obj");
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  std::filesystem::rename(tmp, obj);
  if (!lib) return;
  const std::string archive = (std::filesystem::path(base).parent_path() / ("lib" + prefix + ".a")).string();
  std::remove(archive.c_str());
  try {
    run_tool({"llvm-ar", "llvm-ar-14", "ar"}, {"rcs", archive + ".tmp", obj}, "--emit=lib");
  } catch (...) {
    std::remove((archive + ".tmp").c_str());
    throw;
  }
  std::filesystem::rename(archive + ".tmp", archive);
  std::remove(obj.c_str());
}

// The one entry point for reading a model: ONNX by its extension, JSON otherwise.
Graph load_graph(const std::string &path, const OnnxOptions &options) {
  if (is_onnx_path(path)) return load_onnx_graph(path, options);
  if (!options.input_shapes.empty())
    throw UserError(path, "", "--input-shape applies to ONNX models only (a JSON graph states its input shape)");
  return load_json_graph(path);
}

Graph load_graph(const std::string &path, const Args &a) {
  OnnxOptions options;
  if (a.options.count("--input-shape")) parse_input_shape(a.options.at("--input-shape"), options);
  return load_graph(path, options);
}

int cmd_compile(const Args &a) {
  const std::string model = one_model(a);
  const std::string dir = need(a, "-o");
  const TargetDesc target = parse_target(a.options.count("--target") ? a.options.at("--target") : "c");
  const std::string emit = a.options.count("--emit") ? a.options.at("--emit") : "c";
  if (emit != "c" && emit != "obj" && emit != "lib")
    throw UserError("", "", fmt::format("--emit takes c, obj or lib, got '{}'", emit));
  Graph g = load_graph(model, a);
  const std::string prefix = a.options.count("--prefix") ? a.options.at("--prefix") : c_identifier(g.name);
  if (prefix != c_identifier(prefix)) throw UserError("", "", fmt::format("--prefix '{}' is not a C identifier", prefix));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir, ec)) throw UserError(dir, "", "cannot create the output directory");
  CompileOptions options;
  options.emit = CEmitOptions{prefix, std::filesystem::path(model).filename().string(), target};
  options.emit.debug_taps = a.flags.count("--debug-taps") > 0;
  if (a.options.count("--weights")) {
    const std::string &weights = a.options.at("--weights");
    if (weights != "embedded" && weights != "external")
      throw UserError("", "", fmt::format("--weights takes embedded or external, got '{}'", weights));
    options.emit.external_weights = weights == "external";
    if (options.emit.external_weights && options.emit.debug_taps)
      throw UserError("", "", "--debug-taps needs the weights compiled in (not --weights=external)");
  }
  options.pipeline = pipeline_options(a);
  if (a.options.count("--ram-budget")) options.ram_budget = parse_byte_size(a.options.at("--ram-budget"), "--ram-budget");
  if (a.options.count("--flash-budget"))
    options.flash_budget = parse_byte_size(a.options.at("--flash-budget"), "--flash-budget");
  options.measure_footprint = !target.bare_metal_sysroot.empty();  // where flash is scarce, measure it
  const std::optional<QuantizeRequest> quantize = quantize_request(a, g);
  options.pipeline.context.quantize = quantize ? &*quantize : nullptr;
  options.emit_test = a.flags.count("--emit-test") > 0;
  if (options.emit_test && a.options.count("--test-input"))
    options.test_input = read_tensor(a.options.at("--test-input"), g.shape(g.input));
  // The golden: a given file (e.g. PyTorch's output for --test-input), else the reference interpreter's.
  if (options.emit_test && a.options.count("--test-expect"))
    options.test_expect = read_tensor(a.options.at("--test-expect"), g.shape(g.output));
  CompiledModel compiled = compile_model(std::move(g), options);
  OutputFiles files;
  for (GeneratedFile &f : compiled.files) files.add((std::filesystem::path(dir) / f.name).string(), std::move(f.contents));
  const std::filesystem::path base = std::filesystem::path(dir) / prefix;
  files.commit();
  if (emit != "c") build_object(base.string(), prefix, target, emit == "lib");
  return 0;
}

int cmd_run(const Args &a) {
  if (a.options.count("--export-int8")) {
    if (!a.options.count("--quantize")) throw UserError("", "", "--export-int8 needs --quantize int8");
    if (std::filesystem::path(a.options.at("--export-int8")).extension() != ".json")
      throw UserError("", "", fmt::format("--export-int8 takes a .json file name, got '{}'", a.options.at("--export-int8")));
  }
  Graph g = load_graph(one_model(a), a);
  const Tensor input = read_tensor(need(a, "--input"), g.shape(g.input));
  for (size_t i = 0; i < input.data.size(); ++i)
    if (!std::isfinite(input.data[i]))
      throw UserError(need(a, "--input"), "", fmt::format("value {} is not finite", i));
  if (const std::optional<QuantizeRequest> quantize = quantize_request(a, g)) {
    PipelineOptions pipeline = pipeline_options(a);
    pipeline.context.quantize = &*quantize;
    run_pipeline(g, pipeline);
    if (a.options.count("--export-int8")) {
      const std::filesystem::path json = a.options.at("--export-int8");
      std::filesystem::path data = json;
      data.replace_extension(".bin");
      Int8Export e = export_int8(g, input, data.filename().string());
      OutputFiles files;
      files.add(json.string(), std::move(e.json));
      files.add(data.string(), std::move(e.data));
      files.commit();
    }
    write_tensor(need(a, "--output"), interpret_int8(g, input));
    return 0;
  }
  write_tensor(need(a, "--output"), interpret(g, input));
  return 0;
}

int cmd_info(const Args &a) {
  Graph g = load_graph(one_model(a), a);
  const std::optional<QuantizeRequest> quantize = quantize_request(a, g);
  if (a.flags.count("--memory")) {
    const TargetDesc target = parse_target(a.options.count("--target") ? a.options.at("--target") : "c");
    PipelineOptions pipeline = pipeline_options(a);
    pipeline.context.quantize = quantize ? &*quantize : nullptr;
    pipeline.context.target = target;
    run_pipeline(g, pipeline);
    const MemoryPlan plan = plan_memory(g);
    const CEmitOptions emit{c_identifier(g.name), std::filesystem::path(one_model(a)).filename().string(), target};
    std::cout << memory_table(g, plan) << footprint_table(g, model_footprint(emit_c_module(g, plan, emit), emit, true));
    return 0;
  }
  if (quantize) {
    PipelineOptions pipeline = pipeline_options(a);
    pipeline.context.quantize = &*quantize;
    run_pipeline(g, pipeline);
    std::cout << quantization_table(g, quantize->samples);
    return 0;
  }
  std::cout << info_table(g);
  return 0;
}

double tolerance(const Args &a, double fallback) {
  if (!a.options.count("--tolerance")) return fallback;
  const std::string &t = a.options.at("--tolerance");
  char *end = nullptr;
  const double tol = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || !(tol >= 0.0))
    throw UserError("", "", fmt::format("--tolerance '{}' must be a number >= 0", t));
  return tol;
}

int cmd_diff(const Args &a) {
  const Graph g = load_graph(one_model(a), a);
  DiffOptions options;
  options.input = need(a, "--input");
  if (a.options.count("--reference")) options.reference = a.options.at("--reference");
  options.target = parse_target(a.options.count("--target") ? a.options.at("--target") : "c");
  options.tolerance = tolerance(a, options.tolerance);
  options.pipeline = pipeline_options(a);
  const bool int8 = a.options.count("--quantize") > 0;
  if (!int8 && a.options.count("--min-sqnr")) throw UserError("", "", "--min-sqnr needs --quantize int8");
  if (int8 && a.options.count("--tolerance"))
    throw UserError("", "", "--tolerance is the fp32 diff's; an int8 diff takes --min-sqnr DB");
  if (a.options.count("--min-sqnr")) {
    const std::string &text = a.options.at("--min-sqnr");
    char *end = nullptr;
    options.min_sqnr_db = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(options.min_sqnr_db))
      throw UserError("", "", fmt::format("--min-sqnr '{}' must be a number of dB", text));
  }
  const std::optional<QuantizeRequest> quantize = quantize_request(a, g);
  options.pipeline.context.quantize = quantize ? &*quantize : nullptr;
  return run_diff(g, options, std::cout);
}

int cmd_profile(const Args &a) {
  const Graph g = load_graph(one_model(a), a);
  ProfileOptions options;
  options.target = parse_target(a.options.count("--target") ? a.options.at("--target") : "native");
  if (a.options.count("--runs")) {
    const std::string &text = a.options.at("--runs");
    char *end = nullptr;
    const long runs = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || runs < 1 || runs > 100000)
      throw UserError("", "", fmt::format("--runs must be a count of 1..100000, got '{}'", text));
    options.runs = static_cast<int>(runs);
  }
  options.pipeline = pipeline_options(a);
  const std::optional<QuantizeRequest> quantize = quantize_request(a, g);
  options.pipeline.context.quantize = quantize ? &*quantize : nullptr;
  run_profile(g, options, std::cout);
  return 0;
}

int cmd_compare(const Args &a) {
  if (a.positional.size() != 2) throw UserError("", "", "'compare' takes two files: OUT REF");
  const double tol = tolerance(a, 1e-5);
  auto size_of = [](const std::string &p) -> int64_t {
    std::error_code ec;
    auto s = std::filesystem::file_size(p, ec);
    if (ec) throw UserError(p, "", "cannot open: " + ec.message());
    return static_cast<int64_t>(s);
  };
  const int64_t n = size_of(a.positional[1]) / 4;
  if (n < 1 || n > kMaxElements) throw UserError(a.positional[1], "", "not a float32 file");
  const Shape s{{n}};
  const Tensor out = read_tensor(a.positional[0], s), ref = read_tensor(a.positional[1], s);
  double max_err = 0, max_ref = 0;
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    const double e = std::fabs(double(out.data[i]) - ref.data[i]);
    nan |= std::isnan(e);
    max_err = std::max(max_err, e);
    max_ref = std::max(max_ref, std::fabs(double(ref.data[i])));
  }
  const double rel = nan ? INFINITY : max_err / (max_ref > 0 ? max_ref : 1.0);
  const bool ok = rel <= tol;
  std::cout << fmt::format("max |err| = {:.3g}, max |ref| = {:.3g}, relative {:.3g} (tolerance {:.3g}): {}\n", max_err,
                           max_ref, rel, tol, ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

int cmd_convert(const Args &a) {
  const std::string model = one_model(a);
  std::filesystem::path out = need(a, "-o");
  std::error_code ec;
  if (std::filesystem::is_directory(out, ec)) out /= std::filesystem::path(model).stem().string() + ".json";
  if (out.extension() != ".json") throw UserError(out.string(), "", "the output of 'convert' must be a .json file");
  const Graph g = load_graph(model, a);
  const std::filesystem::path weights = std::filesystem::path(out).replace_extension(".weights");
  JsonGraphFiles files = graph_to_json(g, weights.filename().string());
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path(), ec);
  OutputFiles outputs;
  outputs.add(out.string(), std::move(files.json));
  if (!files.weights.empty()) outputs.add(weights.string(), std::move(files.weights));
  outputs.commit();
  return 0;
}

int cmd_flags(const Args &a) {
  if (!a.positional.empty()) throw UserError("", "", "'flags' takes no MODEL, only --target (see shufflec --help)");
  const TargetDesc target = parse_target(a.options.count("--target") ? a.options.at("--target") : "c");
  std::cout << fmt::format("{}\n", fmt::join(target.cflags, " "));
  return 0;
}

int dispatch(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") return std::cout << kUsage, 0;
    if (arg == "--version") return std::cout << "shufflec " << kVersion << "\n", 0;
  }
  const Args a = parse_args(argc, argv);
  if (a.command == "compile") return cmd_compile(a);
  if (a.command == "run") return cmd_run(a);
  if (a.command == "info") return cmd_info(a);
  if (a.command == "compare") return cmd_compare(a);
  if (a.command == "convert") return cmd_convert(a);
  if (a.command == "flags") return cmd_flags(a);
  if (a.command == "diff") return cmd_diff(a);
  if (a.command == "profile") return cmd_profile(a);
  if (a.command.empty()) throw UserError("", "", "no command given (see shufflec --help)");
  throw UserError("", "", fmt::format("unknown command '{}' (see shufflec --help)", a.command));
}

}  // namespace
}  // namespace shufflec

int main(int argc, char **argv) {
  try {
    return shufflec::dispatch(argc, argv);
  } catch (const shufflec::UserError &e) {
    std::cerr << "shufflec: error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc &) {
    std::cerr << "shufflec: error: out of memory\n";
    return 1;
  }
}
