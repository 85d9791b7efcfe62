// Shared by the tests that compile generated C: running shell commands, the CLI's path, the C compiler with the
// flags generated code must build with, and emit options.
#pragma once
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "helpers.h"
#include "targets/c/c_backend.h"

namespace shufflec::test {

struct Command {
  int status;  // exit status, or -1 if killed by a signal
  std::string output;
};

// Runs a shell command, capturing stdout and stderr together.
inline Command sh(const TempDir &dir, const std::string &cmd) {
  const std::string log = dir / "command.log";
  const int rc = std::system((cmd + " > '" + log + "' 2>&1").c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_text(log)};
}

inline std::string cli() { return SHUFFLEC_CLI_PATH; }

inline CEmitOptions options(const std::string &prefix, const std::string &source_name) {
  CEmitOptions o;  // other fields (the target) keep their defaults
  o.prefix = prefix;
  o.source_name = source_name;
  return o;
}
inline std::string cc() { return std::string(SHUFFLEC_TEST_CC) + " " + SHUFFLEC_TEST_CFLAGS; }

}  // namespace shufflec::test
