#include "compiler/debug/tap_runner.h"

#include <algorithm>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/output_files.h"
#include "compiler/tensor_io.h"

#include <llvm/Support/Program.h>

namespace shufflec {
namespace runtime_files {
extern const std::string_view tap_harness_c, tap_harness_mcu_c, tap_dump_h, startup_c, mps2_ld;
}  // namespace runtime_files

namespace {

struct Toolchain {
  std::vector<std::string> compilers;  // the first found on PATH is used
  std::string runner;                  // qemu-user for a cross target, qemu-system for bare metal
  std::vector<std::string> flags;
};

// Bare metal: tests/baremetal's startup code and linker script (embedded), newlib's semihosting library.
Toolchain toolchain_for(const TargetDesc &target, const std::string &dir) {
  if (target.name == "aarch64") return {{"aarch64-linux-gnu-gcc"}, "qemu-aarch64", {"-static"}};
  if (target.name == "armv7") return {{"arm-linux-gnueabihf-gcc"}, "qemu-arm", {"-static"}};
  if (!target.bare_metal_sysroot.empty())
    return {{"arm-none-eabi-gcc"},
            "qemu-system-arm",
            {"--specs=rdimon.specs", "-T", dir + "/mps2.ld", dir + "/startup.c"}};
  return {{"cc", "gcc", "clang"}, "", {}};
}

std::string find_program(const std::vector<std::string> &names, const std::string &why) {
  for (const std::string &n : names)
    if (auto found = llvm::sys::findProgramByName(n)) return *found;
  throw UserError("", "", fmt::format("{} needs {} on PATH (Debian: tools/setup.sh installs it)", why, names[0]));
}

// Runs `program args`, its stdout and stderr into `log`; returns the exit status (-1: could not run or, with
// `seconds` > 0, killed after that long).
int execute(const std::string &program, std::vector<std::string> args, const std::string &log, unsigned seconds = 0) {
  args.insert(args.begin(), program);
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  // stdin from /dev/null (the empty path), stdout and stderr to the log.
  const llvm::Optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), llvm::StringRef(log), llvm::StringRef(log)};
  return llvm::sys::ExecuteAndWait(program, refs, llvm::None, redirects, seconds);
}

std::string read_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last lines of a tool's log, for an error message.
std::string tail_of(const std::string &log) {
  std::string text = read_text(log);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const size_t cut = text.size() > 600 ? text.size() - 600 : 0;
  std::string tail = text.substr(cut);
  for (char &c : tail)
    if (c == '\n') c = ' ';
  return tail;
}

}  // namespace

TapRunner::TapRunner(Graph g, const TargetDesc &target, const PipelineOptions &pipeline)
    : bare_metal_(!target.bare_metal_sysroot.empty()) {
  // The tools first: a missing one is reported before any work (the flags, naming files of the temporary
  // directory, once it exists).
  const Toolchain names = toolchain_for(target, "");
  const std::string cc = find_program(names.compilers, "building the tapped model for target " + target.name);
  cc_ = cc;
  if (!names.runner.empty()) runner_ = find_program({names.runner}, "running target " + target.name);
  CompileOptions options;
  options.emit = CEmitOptions{"tapped", std::filesystem::path(g.source).filename().string(), target};
  options.emit.debug_taps = true;
  options.pipeline = pipeline;
  build_.compiled = compile_model(std::move(g), options);
  build_.taps = plan_taps(build_.compiled.graph);

  std::random_device entropy;
  const auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; dir_.empty(); ++attempt) {
    const auto candidate = base / fmt::format("shufflec-taps-{:08x}", entropy());
    std::error_code ec;
    if (std::filesystem::create_directory(candidate, ec)) dir_ = candidate.string();
    if (attempt > 100) throw UserError(base.string(), "", "cannot create a temporary directory");
  }
  const Toolchain tools = toolchain_for(target, dir_);
  cflags_ = target.cflags;
  cflags_.insert(cflags_.end(), tools.flags.begin(), tools.flags.end());
  try {
    OutputFiles files;
    for (const GeneratedFile &f : build_.compiled.files) files.add(dir_ + "/" + f.name, f.contents);
    files.add(dir_ + "/harness.c",
              std::string(bare_metal_ ? runtime_files::tap_harness_mcu_c : runtime_files::tap_harness_c));
    files.add(dir_ + "/tap_dump.h", std::string(runtime_files::tap_dump_h));
    if (bare_metal_) {
      files.add(dir_ + "/startup.c", std::string(runtime_files::startup_c));
      files.add(dir_ + "/mps2.ld", std::string(runtime_files::mps2_ld));
    }
    files.commit();
    std::vector<std::string> args = {"-std=c99", "-O2"};
    args.insert(args.end(), cflags_.begin(), cflags_.end());
    args.insert(args.end(), {dir_ + "/tapped.c", dir_ + "/harness.c", "-lm", "-o", dir_ + "/harness"});
    if (execute(cc, args, dir_ + "/build.log") != 0)
      throw UserError("", "", fmt::format("building the tapped model with {} failed: {}", cc,
                                          tail_of(dir_ + "/build.log")));
  } catch (...) {
    std::error_code ec;  // a throwing constructor runs no destructor: remove the directory here
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

TapRunner::~TapRunner() {
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

void TapRunner::run_harness(const std::vector<std::string> &args) {
  std::vector<std::string> full = args;
  std::string program = dir_ + "/harness";
  if (bare_metal_) {
    // The Cortex-M4F board; virtual time advances 1 ns per guest instruction. Arguments reach main() through
    // semihosting (QEMU doubles no commas here: the paths are the temporary directory's).
    std::string semihosting = "enable=on,target=native,arg=harness";
    for (const std::string &a : args) semihosting += ",arg=" + a;
    full = {"-M", kBareMetalMachine, "-icount", "shift=0", "-nographic", "-monitor", "none", "-serial", "none",
            "-semihosting-config", semihosting, "-kernel", program};
    program = runner_;
  } else if (!runner_.empty()) {
    full.insert(full.begin(), program);
    program = runner_;
  }
  // A bare-metal hang (a fault loop, a lost exit) ends at a timeout; qemu-system has no signal to die of.
  const int status = execute(program, full, dir_ + "/run.log", bare_metal_ ? 600 : 0);
  if (status != 0)
    throw UserError("", "", fmt::format("running the tapped model failed (status {}): {}", status,
                                        tail_of(dir_ + "/run.log")));
}

std::map<int, std::vector<float>> TapRunner::dump(const Tensor &input) {
  write_tensor(dir_ + "/input.bin", input);
  run_harness({"dump", dir_ + "/input.bin", dir_ + "/taps.bin"});
  const std::string bytes = read_text(dir_ + "/taps.bin");  // written by this machine's build: native order
  std::map<int, std::vector<float>> out;
  for (size_t at = 0; at + 8 <= bytes.size();) {
    int32_t header[2];
    std::memcpy(header, bytes.data() + at, 8);
    at += 8;
    const size_t count = static_cast<size_t>(header[1]);
    SHUFFLEC_ASSERT(header[0] >= 0 && static_cast<size_t>(header[0]) < build_.taps.size() &&
                    at + count * 4 <= bytes.size());
    std::vector<float> data(count);
    std::memcpy(data.data(), bytes.data() + at, count * 4);
    at += count * 4;
    out[header[0]] = std::move(data);
  }
  return out;
}

TapRunner::Counts TapRunner::count(const Tensor &input) {
  SHUFFLEC_ASSERT(bare_metal_);
  write_tensor(dir_ + "/input.bin", input);
  run_harness({"count", dir_ + "/input.bin", dir_ + "/counts.txt"});
  Counts c;
  c.per_tap_ticks.assign(build_.taps.size(), -1);
  std::istringstream in(read_text(dir_ + "/counts.txt"));
  std::string kind;
  while (in >> kind) {
    int64_t a = 0, b = 0;
    if (kind == "spin" && in >> a >> b)
      c.spin_instructions = a, c.spin_ticks = b;
    else if (kind == "tap" && in >> a >> b && a >= 0 && a < int64_t(c.per_tap_ticks.size()))
      c.per_tap_ticks[size_t(a)] = b;
    else if (kind == "untapped" && in >> a)
      c.untapped_ticks = a;
  }
  const bool complete = std::none_of(c.per_tap_ticks.begin(), c.per_tap_ticks.end(), [](int64_t t) { return t < 0; });
  if (!complete || c.spin_ticks <= 0 || c.untapped_ticks < 0)
    throw UserError("", "", fmt::format("the bare-metal harness's counts are incomplete: {}",
                                        tail_of(dir_ + "/run.log")));
  return c;
}

std::string TapRunner::run_program(const std::string &name, const std::string &c_source) {
  SHUFFLEC_ASSERT(!bare_metal_);
  OutputFiles files;
  files.add(dir_ + "/" + name + ".c", c_source);
  files.commit();
  std::vector<std::string> args = {"-std=c99", "-O2"};
  args.insert(args.end(), cflags_.begin(), cflags_.end());
  args.insert(args.end(), {dir_ + "/" + name + ".c", "-o", dir_ + "/" + name});
  if (execute(cc_, args, dir_ + "/" + name + ".log") != 0)
    throw UserError("", "",
                    fmt::format("building {} with {} failed: {}", name, cc_, tail_of(dir_ + "/" + name + ".log")));
  std::string program = dir_ + "/" + name;
  std::vector<std::string> run_args;
  if (!runner_.empty()) {
    run_args.push_back(program);
    program = runner_;
  }
  const std::string out = dir_ + "/" + name + ".out";
  if (const int status = execute(program, run_args, out); status != 0)
    throw UserError("", "", fmt::format("running {} failed (status {}): {}", name, status, tail_of(out)));
  return read_text(out);
}

TapRunner::Timings TapRunner::time(const Tensor &input, int runs) {
  write_tensor(dir_ + "/input.bin", input);
  run_harness({"time", dir_ + "/input.bin", dir_ + "/times.txt", std::to_string(runs)});
  Timings t;
  t.per_tap.assign(build_.taps.size(), std::vector<int64_t>(static_cast<size_t>(runs), 0));
  t.untapped.assign(static_cast<size_t>(runs), 0);
  std::istringstream in(read_text(dir_ + "/times.txt"));
  std::string kind;
  while (in >> kind) {
    int64_t a = 0, b = 0, ns = 0;
    if (kind == "tap" && in >> a >> b >> ns && a >= 0 && a < int64_t(t.per_tap.size()) && b >= 0 && b < runs)
      t.per_tap[size_t(a)][size_t(b)] = ns;
    else if (kind == "untapped" && in >> a >> ns && a >= 0 && a < runs)
      t.untapped[size_t(a)] = ns;
  }
  return t;
}

}  // namespace shufflec
