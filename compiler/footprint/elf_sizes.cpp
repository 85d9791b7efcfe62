#include "compiler/footprint/elf_sizes.h"

#include <cstring>
#include <vector>

namespace shufflec {
namespace {

constexpr uint32_t kSectionSymtab = 2, kSectionNoBits = 8;
constexpr uint64_t kFlagWrite = 0x1, kFlagAlloc = 0x2, kFlagExec = 0x4;
constexpr unsigned kSymbolObject = 1, kSymbolFunction = 2;

// Little-endian field reads with bounds checks: a truncated file reads as "not an object", never out of range.
class Reader {
 public:
  explicit Reader(const std::string &bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  uint64_t u(uint64_t at, int size) {
    if (at > bytes_.size() || uint64_t(size) > bytes_.size() - at) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int b = size - 1; b >= 0; --b) v = v << 8 | static_cast<unsigned char>(bytes_[at + uint64_t(b)]);
    return v;
  }
  std::string c_string(uint64_t at) {
    if (at >= bytes_.size()) return ok_ = false, "";
    const size_t end = bytes_.find('\0', at);
    return bytes_.substr(at, end == std::string::npos ? std::string::npos : end - at);
  }

 private:
  const std::string &bytes_;
  bool ok_ = true;
};

struct Section {
  uint32_t type = 0;
  uint64_t flags = 0, offset = 0, size = 0, entry_size = 0;
  uint32_t link = 0;
};

}  // namespace

std::optional<ObjectSizes> read_elf_sizes(const std::string &bytes) {
  if (bytes.size() < 52 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0 || bytes[5] != 1) return std::nullopt;
  const bool wide = bytes[4] == 2;  // ELF64; 1 is ELF32
  const int word = wide ? 8 : 4;
  Reader r(bytes);
  const uint64_t section_table = r.u(wide ? 0x28 : 0x20, word);
  const uint64_t entry = r.u(wide ? 0x3a : 0x2e, 2), count = r.u(wide ? 0x3c : 0x30, 2);
  std::vector<Section> sections(count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t at = section_table + i * entry;
    Section &s = sections[i];
    s.type = uint32_t(r.u(at + 4, 4));
    s.flags = r.u(at + 8, word);
    s.offset = r.u(at + (wide ? 0x18 : 0x10), word);
    s.size = r.u(at + (wide ? 0x20 : 0x14), word);
    s.link = uint32_t(r.u(at + (wide ? 0x28 : 0x18), 4));
    s.entry_size = r.u(at + (wide ? 0x38 : 0x24), word);
  }
  if (!r.ok()) return std::nullopt;
  ObjectSizes out;
  for (const Section &s : sections) {
    if (!(s.flags & kFlagAlloc)) continue;
    const auto size = static_cast<int64_t>(s.size);
    if (s.type == kSectionNoBits) out.bss += size;
    else if (s.flags & kFlagExec) out.code += size;
    else if (s.flags & kFlagWrite) out.data += size;
    else out.constants += size;
  }
  for (const Section &s : sections) {
    if (s.type != kSectionSymtab || s.link >= sections.size() || s.entry_size == 0) continue;
    const Section &names = sections[s.link];
    for (uint64_t at = s.offset; at + s.entry_size <= s.offset + s.size; at += s.entry_size) {
      const uint64_t name = r.u(at, 4);
      const auto info = static_cast<unsigned>(r.u(at + (wide ? 4 : 12), 1));
      const uint64_t size = r.u(at + (wide ? 16 : 8), word);
      const unsigned kind = info & 0xfu;
      if ((kind == kSymbolFunction || kind == kSymbolObject) && name < names.size)
        out.symbol_bytes[r.c_string(names.offset + name)] = static_cast<int64_t>(size);
    }
  }
  if (!r.ok()) return std::nullopt;
  return out;
}

}  // namespace shufflec
