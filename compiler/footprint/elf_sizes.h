// Sizes read from a relocatable ELF object (what a C compiler writes for `-c`), the way `size` counts them, plus the
// size of each named function and object. Enough to measure the generated C's flash without linking.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace shufflec {

struct ObjectSizes {
  int64_t code = 0;       // allocated, executable sections (.text*)
  int64_t constants = 0;  // allocated, read-only, not executable (.rodata*, .ARM.exidx): flash
  int64_t data = 0;       // allocated, writable, with contents (.data*): flash for the initial values, and RAM
  int64_t bss = 0;        // allocated, no contents (.bss*): RAM only
  std::map<std::string, int64_t> symbol_bytes;  // functions and objects, local ones included, by name
};

// Reads a little-endian ELF32 or ELF64 object. std::nullopt when the bytes are no such object.
std::optional<ObjectSizes> read_elf_sizes(const std::string &bytes);

}  // namespace shufflec
