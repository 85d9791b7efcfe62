// Writes a set of output files all-or-nothing: each goes to a temporary name first and is renamed into place only
// when every one was written, so a failed compile never leaves a half-written file behind.
#pragma once
#include <string>
#include <vector>

namespace shufflec {

class OutputFiles {
 public:
  void add(std::string path, std::string contents) { files_.push_back({std::move(path), std::move(contents)}); }
  // Throws UserError naming the file that could not be written; nothing is left behind then.
  void commit();

 private:
  struct File {
    std::string path, contents;
  };
  std::vector<File> files_;
};

}  // namespace shufflec
