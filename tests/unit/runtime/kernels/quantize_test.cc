#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "compiler/compile.h"
#include "tests/support/model_builder.h"
#include "tests/support/reference_ops.h"

namespace tml::testing {
namespace {

TEST(QuantizeTest, FloatToInt8ShouldRoundHalfAwayFromZeroAndSaturate) {
  const std::vector<float> x = {0.0f, 0.25f, -0.25f, 0.75f, 100.0f, -100.0f, 1.2f, -0.05f};
  const auto got = Values<int8_t>(RunOneOp(114, {{tflite::TensorType_FLOAT32, {8}}},
                                           {tflite::TensorType_INT8, {8}, {{0.5f}, {2}}}, {Bytes(x)}));
  EXPECT_EQ(got, (std::vector<int8_t>{2, 3, 1, 4, 127, -128, 4, 2}));
}

TEST(QuantizeTest, Int8RequantizeShouldMatchReference) {
  const auto x = RandomInt8(100, 61);
  const auto got = Values<int8_t>(RunOneOp(114, {{tflite::TensorType_INT8, {100}, {{0.03f}, {-4}}}},
                                           {tflite::TensorType_INT8, {100}, {{0.05f}, {7}}}, {Bytes(x)}));
  ASSERT_EQ(got.size(), 100u);
  for (size_t i = 0; i < 100; ++i) EXPECT_NEAR(got[i], QuantizeToInt8(0.03 * (x[i] + 4), 0.05, 7), 1) << i;
}

TEST(DequantizeTest, Int8ToFloatShouldBeExact) {
  const auto x = RandomInt8(50, 62);
  const auto got = Values<float>(RunOneOp(6, {{tflite::TensorType_INT8, {50}, {{0.125f}, {-3}}}},
                                          {tflite::TensorType_FLOAT32, {50}}, {Bytes(x)}));
  ASSERT_EQ(got.size(), 50u);
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ(got[i], 0.125f * static_cast<float>(x[i] + 3)) << i;
}

TEST(DequantizeTest, ConstantInputShouldBeFoldedAway) {
  // DEQUANTIZE of a constant feeding ADD: the compiler folds it into a float constant.
  const std::vector<int8_t> c = {4, -8};
  ModelBuilder m;
  const int32_t q = m.AddConstant("q", tflite::TensorType_INT8, {2}, c, {{0.5f}, {0}});
  const int32_t f = m.AddTensor("f", tflite::TensorType_FLOAT32, {2});
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {2});
  const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {2});
  m.AddOp(6, {q}, {f});
  m.AddOp(0, {x, f}, {y});
  const auto out = CompileAndRun(m.Build({x}, {y}), {Bytes(std::vector<float>{1.0f, 1.0f})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Values<float>(out[0]), (std::vector<float>{3.0f, -3.0f}));
}

}  // namespace
}  // namespace tml::testing

namespace tml::testing {
namespace {

TEST(ConstantFoldingTest, OpsOnConstantsShouldRunAtCompileTimeWithTheSameResult) {
  // y = x * (c1 + c2): the ADD of two constants is evaluated by the compiler.
  const std::vector<float> c1 = {1, 2, 3}, c2 = {0.5f, 0.25f, -1};
  ModelBuilder m;
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {3});
  const int32_t a = m.AddConstant("c1", tflite::TensorType_FLOAT32, {3}, c1);
  const int32_t b = m.AddConstant("c2", tflite::TensorType_FLOAT32, {3}, c2);
  const int32_t s = m.AddTensor("s", tflite::TensorType_FLOAT32, {3});
  const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {3});
  m.AddOp(0, {a, b}, {s});
  m.AddOp(18, {x, s}, {y});
  const auto model = m.Build({x}, {y});
  auto compiled = compiler::Compile(model);
  ASSERT_TRUE(compiled.has_value());
  EXPECT_NE(std::find(compiled->log.begin(), compiled->log.end(), "evaluated 1 ops on constants at compile time"),
            compiled->log.end());
  const auto out = CompileAndRun(model, {Bytes(std::vector<float>{2, 4, 1})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Values<float>(out[0]), (std::vector<float>{3, 9, 2}));
}

}  // namespace
}  // namespace tml::testing
