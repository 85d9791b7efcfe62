#include "compiler/output_files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "ir/diagnostics.h"

namespace shufflec {

void OutputFiles::commit() {
  std::vector<std::string> temps;
  auto cleanup = [&] {
    for (const std::string &t : temps) std::remove(t.c_str());
  };
  for (const File &f : files_) {
    const std::string tmp = f.path + ".tmp";
    std::FILE *out = std::fopen(tmp.c_str(), "wb");
    if (!out) {
      const std::string why = std::strerror(errno);
      cleanup();
      throw UserError(f.path, "", "cannot write: " + why);
    }
    temps.push_back(tmp);
    const bool ok = std::fwrite(f.contents.data(), 1, f.contents.size(), out) == f.contents.size();
    if (std::fclose(out) != 0 || !ok) {
      cleanup();
      throw UserError(f.path, "", "cannot write (disk full?)");
    }
  }
  for (size_t i = 0; i < files_.size(); ++i) {
    std::error_code ec;
    std::filesystem::rename(temps[i], files_[i].path, ec);
    if (ec) {
      cleanup();
      throw UserError(files_[i].path, "", "cannot write: " + ec.message());
    }
  }
}

}  // namespace shufflec
