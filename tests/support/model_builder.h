#pragma once
// Builds small TFLite models in memory with the flatbuffers builder, so tests can cover
// each kernel's edge cases with models that are not in ../shared/models.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "tflite_subset_generated.h"

namespace tml::testing {

/// Affine quantization of a test tensor; empty scale = not quantized.
struct Quant {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t axis = 0;
};

/// Creates the builtin options of an op inside the model's flatbuffer.
using OptionsFn = std::function<std::pair<tflite::BuiltinOptions, flatbuffers::Offset<void>>(
    flatbuffers::FlatBufferBuilder&)>;

class ModelBuilder {
 public:
  ModelBuilder();

  /// Adds a tensor; non-empty `data` makes it a constant. Returns its index.
  int32_t AddTensor(const std::string& name, tflite::TensorType type, std::vector<int32_t> shape,
                    Quant quant = {}, std::vector<uint8_t> data = {});
  template <typename T>
  int32_t AddConstant(const std::string& name, tflite::TensorType type, std::vector<int32_t> shape,
                      const std::vector<T>& values, Quant quant = {}) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return AddTensor(name, type, std::move(shape), std::move(quant), std::move(bytes));
  }
  /// Adds an op with builtin code `code`.
  void AddOp(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
             OptionsFn options = nullptr);
  /// The finished .tflite bytes.
  std::vector<uint8_t> Build(std::vector<int32_t> inputs, std::vector<int32_t> outputs);

 private:
  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors_;
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers_;
  std::vector<flatbuffers::Offset<tflite::Operator>> ops_;
  std::vector<int32_t> opcode_of_code_;  // builtin code -> operator_codes index
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes_;
};

/// One tensor of a one-op test model; non-empty `data` makes it a constant.
struct TensorSpec {
  tflite::TensorType type = tflite::TensorType_INT8;
  std::vector<int32_t> shape;
  Quant quant;
  std::vector<uint8_t> data;
};

/// A model with a single op; its non-constant inputs are the model inputs, in order.
std::vector<uint8_t> OneOpModel(int32_t code, const std::vector<TensorSpec>& inputs, const TensorSpec& output,
                                OptionsFn options = nullptr);

/// Runs a one-op model on `inputs` (one byte vector per non-constant input); returns output 0.
std::vector<uint8_t> RunOneOp(int32_t code, const std::vector<TensorSpec>& inputs, const TensorSpec& output,
                              const std::vector<std::vector<uint8_t>>& values, OptionsFn options = nullptr);

/// Compiles `tflite`, runs it on `inputs` (raw bytes per input) and returns the outputs.
/// Fails the current test (and returns empty) on any compile or load error.
std::vector<std::vector<uint8_t>> CompileAndRun(const std::vector<uint8_t>& tflite,
                                                const std::vector<std::vector<uint8_t>>& inputs,
                                                bool in_place = true, uint32_t* arena_bytes = nullptr);

/// The compiler's error message for `tflite`, or "" if it compiles.
std::string CompileError(const std::vector<uint8_t>& tflite);

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

template <typename T>
std::vector<T> Values(const std::vector<uint8_t>& bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(T));
  return values;
}

/// Deterministic pseudo-random values for test data.
std::vector<float> RandomFloats(size_t n, float lo, float hi, uint32_t seed);
std::vector<int8_t> RandomInt8(size_t n, uint32_t seed, int lo = -128, int hi = 127);

}  // namespace tml::testing
