#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/model_builder.h"
#include "tests/support/reference_ops.h"

namespace tml::testing {
namespace {

OptionsFn Beta(float beta) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::pair{tflite::BuiltinOptions_SoftmaxOptions, tflite::CreateSoftmaxOptions(fbb, beta).Union()};
  };
}

TEST(SoftmaxTest, Int8RowsShouldMatchFloatSoftmaxWithinOneStep) {
  const int rows = 4, depth = 10;
  const auto x = RandomInt8(rows * depth, 41);
  const float scale = 0.1f;
  const auto got = Values<int8_t>(RunOneOp(25, {{tflite::TensorType_INT8, {rows, depth}, {{scale}, {-10}}}},
                                           {tflite::TensorType_INT8, {rows, depth}, {{1.0f / 256}, {-128}}},
                                           {Bytes(x)}, Beta(1.0f)));
  ASSERT_EQ(got.size(), static_cast<size_t>(rows * depth));
  for (int r = 0; r < rows; ++r) {
    double sum = 0;
    for (int c = 0; c < depth; ++c) sum += std::exp(scale * (x[r * depth + c] + 10));
    for (int c = 0; c < depth; ++c) {
      const double p = std::exp(scale * (x[r * depth + c] + 10)) / sum;
      EXPECT_NEAR(got[r * depth + c], QuantizeToInt8(p, 1.0 / 256, -128), 1) << r << "," << c;
    }
  }
}

TEST(SoftmaxTest, FloatWithBetaShouldMatchReference) {
  const auto x = RandomFloats(3 * 7, -3, 3, 42);
  const auto got = Values<float>(RunOneOp(25, {{tflite::TensorType_FLOAT32, {3, 7}}}, {tflite::TensorType_FLOAT32, {3, 7}},
                                          {Bytes(x)}, Beta(0.5f)));
  for (int r = 0; r < 3; ++r) {
    double sum = 0;
    for (int c = 0; c < 7; ++c) sum += std::exp(0.5 * x[r * 7 + c]);
    for (int c = 0; c < 7; ++c) EXPECT_NEAR(got[r * 7 + c], std::exp(0.5 * x[r * 7 + c]) / sum, 1e-6);
  }
}

TEST(SoftmaxTest, Int8OutputScaleOtherThanOne256thShouldBeRefused) {
  const std::string error = CompileError(OneOpModel(25, {{tflite::TensorType_INT8, {1, 4}, {{0.1f}, {0}}}},
                                                    {tflite::TensorType_INT8, {1, 4}, {{0.01f}, {-128}}}, Beta(1)));
  EXPECT_NE(error.find("tensor 1 'out'"), std::string::npos) << error;
  EXPECT_NE(error.find("scale 1/256"), std::string::npos) << error;
}

}  // namespace
}  // namespace tml::testing
