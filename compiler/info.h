// `shufflec info`: a per-layer table in the spirit of the ShuffleNet paper's Table 1.
#pragma once
#include <string>

#include "ir/graph.h"

namespace shufflec {

struct ModelCost {
  int64_t mult_adds = 0;  // Megvii's FLOPs: multiply-adds of convolutions and fully connected layers
  int64_t parameters = 0;  // weights and biases of the layers (BN statistics included)
};

ModelCost model_cost(const Graph &g);
std::string info_table(const Graph &g);

}  // namespace shufflec
