#pragma once
// Tensor files in and result tables out: what tmlc run and tmlc emulate share.

#include <cstdint>
#include <optional>
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

/// The bytes of input `index` from `path`, which must be exactly the tensor's size; otherwise
/// prints the error and returns nothing.
std::optional<std::vector<uint8_t>> ReadInputTensor(uint32_t index, const std::string& path, const TensorInfo& t);
/// Prints output `index`'s table and writes its bytes to paths[index] when given; false,
/// after printing the error, when the write failed.
bool ReportOutputTensor(uint32_t index, const TensorInfo& t, const uint8_t* data,
                        const std::vector<std::string>& paths);

}  // namespace tml::cli
