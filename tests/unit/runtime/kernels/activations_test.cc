#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/model_builder.h"
#include "tests/support/reference_ops.h"

namespace tml::testing {
namespace {

std::vector<int8_t> AllInt8() {
  std::vector<int8_t> v;
  for (int i = -128; i <= 127; ++i) v.push_back(static_cast<int8_t>(i));
  return v;
}

/// Runs an int8 element-wise op over every int8 value and compares with `fn` in real numbers.
void CheckInt8Function(int32_t code, Quant in_q, Quant out_q, double (*fn)(double), int tolerance) {
  const auto x = AllInt8();
  const auto got = Values<int8_t>(RunOneOp(code, {{tflite::TensorType_INT8, {1, 256}, in_q}},
                                           {tflite::TensorType_INT8, {1, 256}, out_q}, {Bytes(x)}));
  ASSERT_EQ(got.size(), 256u);
  for (size_t i = 0; i < 256; ++i) {
    const double real = fn(in_q.scale[0] * (x[i] - in_q.zero_point[0]));
    EXPECT_NEAR(got[i], QuantizeToInt8(real, out_q.scale[0], static_cast<int>(out_q.zero_point[0])), tolerance)
        << "input " << int{x[i]};
  }
}

double Relu(double x) { return std::max(x, 0.0); }
double Relu6(double x) { return std::clamp(x, 0.0, 6.0); }
double ReluN1To1(double x) { return std::clamp(x, -1.0, 1.0); }
double Logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double Tanh(double x) { return std::tanh(x); }
double HardSwish(double x) { return x * std::clamp(x + 3.0, 0.0, 6.0) / 6.0; }

TEST(ActivationsTest, Int8ReluFamilyWithRescaleShouldMatch) {
  CheckInt8Function(19, {{0.05f}, {-20}}, {{0.03f}, {-128}}, Relu, 1);
  CheckInt8Function(21, {{0.05f}, {-20}}, {{0.025f}, {-128}}, Relu6, 1);
  CheckInt8Function(20, {{0.01f}, {3}}, {{0.01f}, {3}}, ReluN1To1, 0);
}

TEST(ActivationsTest, Int8LogisticShouldMatchWithinOneStep) {
  CheckInt8Function(14, {{0.06f}, {5}}, {{1.0f / 256}, {-128}}, Logistic, 1);
}

TEST(ActivationsTest, Int8TanhShouldMatchWithinOneStep) {
  CheckInt8Function(28, {{0.03f}, {-2}}, {{1.0f / 128}, {0}}, Tanh, 1);
}

TEST(ActivationsTest, Int8HardSwishShouldMatchWithinOneStep) {
  CheckInt8Function(117, {{0.05f}, {-10}}, {{0.04f}, {-60}}, HardSwish, 1);
}

TEST(ActivationsTest, FloatFunctionsShouldMatch) {
  const auto x = RandomFloats(64, -8, 8, 51);
  const std::vector<std::pair<int32_t, double (*)(double)>> cases = {
      {19, Relu}, {21, Relu6}, {20, ReluN1To1}, {14, Logistic}, {28, Tanh}, {117, HardSwish}};
  for (const auto& [code, fn] : cases) {
    const auto got = Values<float>(RunOneOp(code, {{tflite::TensorType_FLOAT32, {64}}}, {tflite::TensorType_FLOAT32, {64}},
                                            {Bytes(x)}));
    ASSERT_EQ(got.size(), 64u);
    for (size_t i = 0; i < 64; ++i) EXPECT_NEAR(got[i], fn(x[i]), 1e-5) << "code " << code << " x " << x[i];
  }
}

TEST(ActivationsTest, StandaloneReluShouldFuseWithoutChangingResults) {
  // CONV -> RELU with equal quantization compiles to one op and gives the same bytes as the
  // same conv with a fused RELU.
  const auto w = RandomInt8(2 * 1 * 1 * 3, 52, -127, 127);
  const auto x = RandomInt8(4 * 4 * 3, 53);
  const Quant xq{{0.05f}, {0}}, wq{{0.02f, 0.03f}, {0, 0}, 0}, yq{{0.04f}, {-5}};
  auto conv = [](tflite::ActivationFunctionType act) {
    return [act](flatbuffers::FlatBufferBuilder& fbb) {
      return std::pair{tflite::BuiltinOptions_Conv2DOptions,
                       tflite::CreateConv2DOptions(fbb, tflite::Padding_VALID, 1, 1, act).Union()};
    };
  };
  ModelBuilder separate;
  const int32_t a = separate.AddTensor("x", tflite::TensorType_INT8, {1, 4, 4, 3}, xq);
  const int32_t b = separate.AddConstant("w", tflite::TensorType_INT8, {2, 1, 1, 3}, w, wq);
  const int32_t c = separate.AddTensor("mid", tflite::TensorType_INT8, {1, 4, 4, 2}, yq);
  const int32_t d = separate.AddTensor("y", tflite::TensorType_INT8, {1, 4, 4, 2}, yq);
  separate.AddOp(3, {a, b, -1}, {c}, conv(tflite::ActivationFunctionType_NONE));
  separate.AddOp(19, {c}, {d});
  const auto out_separate = CompileAndRun(separate.Build({a}, {d}), {Bytes(x)});
  const auto out_fused = CompileAndRun(
      OneOpModel(3, {{tflite::TensorType_INT8, {1, 4, 4, 3}, xq}, {tflite::TensorType_INT8, {2, 1, 1, 3}, wq, Bytes(w)}},
                 {tflite::TensorType_INT8, {1, 4, 4, 2}, yq}, conv(tflite::ActivationFunctionType_RELU)),
      {Bytes(x)});
  ASSERT_EQ(out_separate.size(), 1u);
  ASSERT_EQ(out_fused.size(), 1u);
  EXPECT_EQ(out_separate[0], out_fused[0]);
}

}  // namespace
}  // namespace tml::testing
