#include <gtest/gtest.h>

#include "tests/support/model_builder.h"
#include "tests/support/reference_ops.h"

namespace tml::testing {
namespace {

OptionsFn KeepDims(bool keep) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::pair{tflite::BuiltinOptions_ReducerOptions, tflite::CreateReducerOptions(fbb, keep).Union()};
  };
}

TEST(MeanTest, Int8SpatialMeanShouldMatchReference) {
  const auto x = RandomInt8(1 * 4 * 5 * 3, 71);
  const std::vector<int32_t> axes = {1, 2};
  const auto got = Values<int8_t>(RunOneOp(40,
                                           {{tflite::TensorType_INT8, {1, 4, 5, 3}, {{0.1f}, {-3}}},
                                            {tflite::TensorType_INT32, {2}, {}, Bytes(axes)}},
                                           {tflite::TensorType_INT8, {1, 1, 1, 3}, {{0.05f}, {2}}}, {Bytes(x)},
                                           KeepDims(true)));
  ASSERT_EQ(got.size(), 3u);
  for (int c = 0; c < 3; ++c) {
    double sum = 0;
    for (int i = 0; i < 20; ++i) sum += 0.1 * (x[i * 3 + c] + 3);
    EXPECT_NEAR(got[c], QuantizeToInt8(sum / 20, 0.05, 2), 1) << c;
  }
}

TEST(MeanTest, FloatLastAxisShouldMatchReference) {
  const auto x = RandomFloats(2 * 6, -1, 1, 72);
  const std::vector<int64_t> axes = {-1};
  const auto got = Values<float>(RunOneOp(40,
                                          {{tflite::TensorType_FLOAT32, {2, 6}},
                                           {tflite::TensorType_INT64, {1}, {}, Bytes(axes)}},
                                          {tflite::TensorType_FLOAT32, {2}}, {Bytes(x)}, KeepDims(false)));
  ASSERT_EQ(got.size(), 2u);
  for (int r = 0; r < 2; ++r) {
    double sum = 0;
    for (int c = 0; c < 6; ++c) sum += x[r * 6 + c];
    EXPECT_NEAR(got[r], sum / 6, 1e-6);
  }
}

}  // namespace
}  // namespace tml::testing
