#pragma once
// The result table tmlc run and tmlc emulate print for each output tensor.

#include <cstdint>
#include <string>
#include <vector>

namespace tml::cli {

struct TensorInfo {
  std::string type;  ///< "int8", "float32", ...
  std::vector<int32_t> shape;
  uint32_t bytes = 0;
  float scale = 0.0f;
  int32_t zero_point = 0;
};

/// "int8 [1,12], 12 bytes".
std::string Describe(const TensorInfo& t);
/// Prints the tensor; for up to 32 elements every element with its real value, the largest marked.
void PrintResultTable(uint32_t index, const TensorInfo& t, const uint8_t* data);

}  // namespace tml::cli
