// Two channels for two kinds of failure: UserError for bad input (a model file, a flag), reported as one line
// "shufflec: error: FILE: node 'NAME': message" with exit status 1; SHUFFLEC_ASSERT for our own bugs.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace shufflec {

class UserError : public std::runtime_error {
 public:
  UserError(std::string file, std::string node, std::string message)
      : std::runtime_error(format_line(file, node, message)),
        file_(std::move(file)), node_(std::move(node)), message_(std::move(message)) {}
  const std::string &file() const { return file_; }
  const std::string &node() const { return node_; }
  const std::string &message() const { return message_; }

  static std::string format_line(const std::string &file, const std::string &node, const std::string &message) {
    std::string line;
    if (!file.empty()) line += file + ": ";
    if (!node.empty()) line += "node '" + node + "': ";
    return one_line(line + message);
  }

  // Errors are one line whatever the model holds: control characters (a newline in a node name or a file name)
  // are shown as \n, \t or \xNN.
  static std::string one_line(const std::string &text) {
    std::string out;
    for (char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
      else out += c;
    }
    return out;
  }

 private:
  std::string file_, node_, message_;
};

[[noreturn]] inline void internal_error(const char *cond, const char *file, int line) {
  std::fprintf(stderr, "shufflec: internal error: %s:%d: assertion '%s' failed (this is a bug in shufflec)\n", file,
               line, cond);
  std::abort();
}

}  // namespace shufflec

#define SHUFFLEC_ASSERT(cond) \
  do { if (!(cond)) ::shufflec::internal_error(#cond, __FILE__, __LINE__); } while (0)
