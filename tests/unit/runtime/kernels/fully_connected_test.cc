#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/model_builder.h"
#include "tests/support/reference_ops.h"

namespace tml::testing {
namespace {

TEST(FullyConnectedTest, Int8WithFilterZeroPointAndReluShouldMatchReference) {
  const int batches = 2, depth = 12, units = 5;
  const auto x = RandomInt8(batches * depth, 11);
  const auto w = RandomInt8(units * depth, 12);
  std::vector<int32_t> bias(units);
  for (int u = 0; u < units; ++u) bias[u] = 40 * u - 90;
  const float xs = 0.03f, ws = 0.01f, ys = 0.04f;
  const int xz = 5, wz = -3, yz = -20;
  const auto got = Values<int8_t>(RunOneOp(
      9,
      {{tflite::TensorType_INT8, {batches, depth}, {{xs}, {xz}}},
       {tflite::TensorType_INT8, {units, depth}, {{ws}, {wz}}, Bytes(w)},
       {tflite::TensorType_INT32, {units}, {{xs * ws}, {0}}, Bytes(bias)}},
      {tflite::TensorType_INT8, {batches, units}, {{ys}, {yz}}}, {Bytes(x)},
      [](flatbuffers::FlatBufferBuilder& fbb) {
        return std::pair{tflite::BuiltinOptions_FullyConnectedOptions,
                         tflite::CreateFullyConnectedOptions(fbb, tflite::ActivationFunctionType_RELU).Union()};
      }));
  ASSERT_EQ(got.size(), static_cast<size_t>(batches * units));
  for (int b = 0; b < batches; ++b) {
    for (int u = 0; u < units; ++u) {
      double acc = static_cast<double>(xs) * ws * bias[u];
      for (int d = 0; d < depth; ++d) {
        acc += static_cast<double>(xs) * (x[b * depth + d] - xz) * ws * (w[u * depth + d] - wz);
      }
      EXPECT_NEAR(got[b * units + u], QuantizeToInt8(std::max(acc, 0.0), ys, yz), 1) << b << "," << u;
    }
  }
}

TEST(FullyConnectedTest, FloatFlattensInputShouldMatchReference) {
  const auto x = RandomFloats(2 * 3 * 4, -1, 1, 13);
  const auto w = RandomFloats(3 * 12, -1, 1, 14);
  const auto got = Values<float>(RunOneOp(
      9, {{tflite::TensorType_FLOAT32, {2, 3, 4}}, {tflite::TensorType_FLOAT32, {3, 12}, {}, Bytes(w)}},
      {tflite::TensorType_FLOAT32, {2, 3}}, {Bytes(x)}));
  ASSERT_EQ(got.size(), 6u);
  for (int b = 0; b < 2; ++b) {
    for (int u = 0; u < 3; ++u) {
      double acc = 0;
      for (int d = 0; d < 12; ++d) acc += static_cast<double>(x[b * 12 + d]) * w[u * 12 + d];
      EXPECT_NEAR(got[b * 3 + u], acc, 1e-5);
    }
  }
}

}  // namespace
}  // namespace tml::testing
