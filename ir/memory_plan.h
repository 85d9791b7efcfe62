// Where every value lives at run time: the caller's input/output buffers, the weights blob, or an offset in the one
// activation arena. Offsets come from liveness: two values share arena bytes only if their lifetimes don't overlap.
#pragma once
#include <vector>

#include "ir/graph.h"

namespace shufflec {

enum class StorageKind { GraphInput, GraphOutput, Arena, Constant };

struct Storage {
  StorageKind kind = StorageKind::Arena;
  int64_t offset = 0;  // in floats, for Arena
  int64_t size = 0;    // in floats
  int first_use = -1;  // node index defining it (-1: before the first node)
  int last_use = -1;   // last node index reading it
  ValueId alias_of = kNoValue;  // lives inside the storage of this value: flatten's or channel_slice's input,
                                // or the concat it is a slice of
  int64_t alias_offset = 0;     // in floats, from the start of alias_of's storage
};

// Offsets and sizes count units of MemoryPlan::unit_bytes bytes: floats (4) for an fp32 graph, bytes (1) for a
// quantized one (docs/quantization.md), where an int8 tensor takes one unit per element and a float tensor four.
// The field names say "floats" for the fp32 case, which is the common one.
struct MemoryPlan {
  std::vector<Storage> values;  // indexed by ValueId
  std::vector<Storage> workspaces;  // indexed by node: scratch live only while that node runs (size 0: none)
  int64_t arena_floats = 0;
  int64_t lower_bound_floats = 0;  // max over the schedule of floats simultaneously live in the arena
  int peak_node = -1;              // node index where that maximum is reached
  int64_t unit_bytes = 4;          // 1 when the graph holds int8 values

  int64_t arena_bytes() const { return arena_floats * unit_bytes; }
};

// The value whose storage `v` lives in (following aliases) and v's offset in floats from its start.
std::pair<ValueId, int64_t> storage_root(const MemoryPlan &plan, ValueId v);

// Arena offsets are multiples of this many floats (64 bytes: a cache line, any SIMD width we target).
inline constexpr int64_t kArenaAlignFloats = 16;
inline constexpr int64_t kArenaAlignBytes = 64;

MemoryPlan plan_memory(const Graph &g);

}  // namespace shufflec
