#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "tests/support/model_builder.h"

namespace tml::testing {
namespace {

std::vector<int8_t> Iota(size_t n, int start = 0) {
  std::vector<int8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int8_t>(static_cast<int>(i) + start);
  return v;
}

const Quant kQ{{0.1f}, {0}};

TEST(ConcatenationTest, ThreeInputsOnInnerAxisShouldInterleaveRows) {
  const auto a = Iota(4), b = Iota(2, 10), c = Iota(6, 20);
  auto options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::pair{tflite::BuiltinOptions_ConcatenationOptions, tflite::CreateConcatenationOptions(fbb, -1).Union()};
  };
  const auto got = Values<int8_t>(RunOneOp(2,
                                           {{tflite::TensorType_INT8, {2, 2}, kQ},
                                            {tflite::TensorType_INT8, {2, 1}, kQ},
                                            {tflite::TensorType_INT8, {2, 3}, kQ}},
                                           {tflite::TensorType_INT8, {2, 6}, kQ}, {Bytes(a), Bytes(b), Bytes(c)}, options));
  EXPECT_EQ(got, (std::vector<int8_t>{0, 1, 10, 20, 21, 22, 2, 3, 11, 23, 24, 25}));
}

TEST(ConcatenationTest, DifferentQuantizationShouldBeRefused) {
  auto options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::pair{tflite::BuiltinOptions_ConcatenationOptions, tflite::CreateConcatenationOptions(fbb, 0).Union()};
  };
  const std::string error = CompileError(OneOpModel(
      2, {{tflite::TensorType_INT8, {1}, kQ}, {tflite::TensorType_INT8, {1}, {{0.2f}, {0}}}},
      {tflite::TensorType_INT8, {2}, kQ}, options));
  EXPECT_NE(error.find("cannot requantize exactly"), std::string::npos) << error;
}

TEST(PadTest, Int8ShouldPadWithTheZeroPoint) {
  const std::vector<int32_t> paddings = {0, 0, 1, 0, 0, 2};
  const auto got = Values<int8_t>(RunOneOp(34,
                                           {{tflite::TensorType_INT8, {1, 2, 2}, {{0.1f}, {-5}}},
                                            {tflite::TensorType_INT32, {3, 2}, {}, Bytes(paddings)}},
                                           {tflite::TensorType_INT8, {1, 3, 4}, {{0.1f}, {-5}}}, {Bytes(Iota(4, 1))}));
  EXPECT_EQ(got, (std::vector<int8_t>{-5, -5, -5, -5, 1, 2, -5, -5, 3, 4, -5, -5}));
}

TEST(TransposeTest, Rank4PermutationShouldMoveAxes) {
  const auto x = Iota(24);
  const std::vector<int32_t> perm = {0, 3, 1, 2};
  const auto got = Values<int8_t>(RunOneOp(39,
                                           {{tflite::TensorType_INT8, {1, 2, 3, 4}, kQ},
                                            {tflite::TensorType_INT32, {4}, {}, Bytes(perm)}},
                                           {tflite::TensorType_INT8, {1, 4, 2, 3}, kQ}, {Bytes(x)}));
  ASSERT_EQ(got.size(), 24u);
  for (int c = 0; c < 4; ++c)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 3; ++w) EXPECT_EQ(got[(c * 2 + h) * 3 + w], x[(h * 3 + w) * 4 + c]);
}

TEST(StridedSliceTest, NegativeStrideMasksAndShrinkShouldMatchTflite) {
  // x[1, ::-2, 1:3] on a [2, 5, 4] tensor: shrink axis 0, reverse every other row.
  const auto x = Iota(40);
  const std::vector<int32_t> begin = {1, 0, 1}, end = {2, 0, 3}, strides = {1, -2, 1};
  auto options = [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::pair{tflite::BuiltinOptions_StridedSliceOptions,
                     tflite::CreateStridedSliceOptions(fbb, /*begin_mask=*/2, /*end_mask=*/2, 0, 0,
                                                       /*shrink_axis_mask=*/1).Union()};
  };
  const auto got = Values<int8_t>(RunOneOp(45,
                                           {{tflite::TensorType_INT8, {2, 5, 4}, kQ},
                                            {tflite::TensorType_INT32, {3}, {}, Bytes(begin)},
                                            {tflite::TensorType_INT32, {3}, {}, Bytes(end)},
                                            {tflite::TensorType_INT32, {3}, {}, Bytes(strides)}},
                                           {tflite::TensorType_INT8, {3, 2}, kQ}, {Bytes(x)}, options));
  EXPECT_EQ(got, (std::vector<int8_t>{37, 38, 29, 30, 21, 22}));
}

TEST(ReshapeTest, ReshapeBetweenOpsShouldAliasWithoutCopy) {
  // FC -> RESHAPE -> SOFTMAX: the reshape adds no op and no arena bytes.
  ModelBuilder m;
  const std::vector<float> w = {1, 0, 0, 1, 1, 1};
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {1, 2});
  const int32_t wt = m.AddConstant("w", tflite::TensorType_FLOAT32, {3, 2}, w);
  const int32_t h = m.AddTensor("h", tflite::TensorType_FLOAT32, {1, 3});
  const int32_t r = m.AddTensor("r", tflite::TensorType_FLOAT32, {3, 1, 1});
  const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {3, 1, 1});
  m.AddOp(9, {x, wt, -1}, {h});
  m.AddOp(22, {h}, {r});
  m.AddOp(28, {r}, {y});
  const auto out = CompileAndRun(m.Build({x}, {y}), {Bytes(std::vector<float>{0.5f, -1.0f})});
  ASSERT_EQ(out.size(), 1u);
  const auto got = Values<float>(out[0]);
  EXPECT_NEAR(got[0], std::tanh(0.5), 1e-6);
  EXPECT_NEAR(got[1], std::tanh(-1.0), 1e-6);
  EXPECT_NEAR(got[2], std::tanh(-0.5), 1e-6);
}

}  // namespace
}  // namespace tml::testing
