// libFuzzer target: the tensor reader of `shufflec run --input` and `compile --test-input` (.npy or raw float32).
// Input layout: two bytes (little-endian) giving the expected element count minus one, then the file's bytes. A
// tensor that reads must survive write_tensor + read_tensor unchanged, bit for bit.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "compiler/tensor_io.h"
#include "tests/fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace shufflec;
  if (size < 2) return 0;
  const int64_t elements = 1 + (int64_t{data[0]} | int64_t{data[1]} << 8);
  const std::string path = fuzz::write_scratch("input.npy", data + 2, size - 2);
  const Shape shape{{1, elements}};
  Tensor t;
  try {
    t = read_tensor(path, shape);
  } catch (const UserError &) {
    return 0;
  }
  const std::string copy = fuzz::scratch_dir() + "/copy.npy";
  write_tensor(copy, t);
  const Tensor back = read_tensor(copy, shape);
  if (back.shape != t.shape || back.data.size() != t.data.size() ||
      std::memcmp(back.data.data(), t.data.data(), t.data.size() * sizeof(float)) != 0) {
    std::fprintf(stderr, "write_tensor + read_tensor changed the tensor\n");
    std::abort();
  }
  return 0;
}
