#include <gtest/gtest.h>

#include "tests/support/model_builder.h"
#include "tests/support/reference_ops.h"

namespace tml::testing {
namespace {

struct BroadcastCase {
  std::vector<int32_t> a, b, out;
};

/// Row-major index of `out_index` in a tensor of shape `s` broadcast to `out`.
size_t BroadcastIndex(const std::vector<int32_t>& s, const std::vector<int32_t>& out, size_t out_index) {
  size_t index = 0, stride = 1;
  for (int d = static_cast<int>(out.size()) - 1, sd = static_cast<int>(s.size()) - 1; d >= 0; --d, --sd) {
    const size_t coord = out_index % out[d];
    out_index /= out[d];
    if (sd >= 0) {
      if (s[sd] != 1) index += coord * stride;
      stride *= s[sd];
    }
  }
  return index;
}

size_t Count(const std::vector<int32_t>& s) {
  size_t n = 1;
  for (int32_t d : s) n *= d;
  return n;
}

class BinaryTest : public ::testing::TestWithParam<BroadcastCase> {};

TEST_P(BinaryTest, Int8AddShouldMatchReference) {
  const BroadcastCase& c = GetParam();
  const auto a = RandomInt8(Count(c.a), 31), b = RandomInt8(Count(c.b), 32);
  const float as = 0.05f, bs = 0.02f, ys = 0.06f;
  const auto got = Values<int8_t>(RunOneOp(0, {{tflite::TensorType_INT8, c.a, {{as}, {3}}},
                                               {tflite::TensorType_INT8, c.b, {{bs}, {-9}}}},
                                           {tflite::TensorType_INT8, c.out, {{ys}, {1}}}, {Bytes(a), Bytes(b)}));
  ASSERT_EQ(got.size(), Count(c.out));
  for (size_t i = 0; i < got.size(); ++i) {
    const double real = static_cast<double>(as) * (a[BroadcastIndex(c.a, c.out, i)] - 3) +
                        static_cast<double>(bs) * (b[BroadcastIndex(c.b, c.out, i)] + 9);
    EXPECT_NEAR(got[i], QuantizeToInt8(real, ys, 1), 1) << i;
  }
}

TEST_P(BinaryTest, Int8MulShouldMatchReference) {
  const BroadcastCase& c = GetParam();
  const auto a = RandomInt8(Count(c.a), 33), b = RandomInt8(Count(c.b), 34);
  const float as = 0.05f, bs = 0.02f, ys = 0.04f;
  const auto got = Values<int8_t>(RunOneOp(18, {{tflite::TensorType_INT8, c.a, {{as}, {3}}},
                                                {tflite::TensorType_INT8, c.b, {{bs}, {-9}}}},
                                            {tflite::TensorType_INT8, c.out, {{ys}, {1}}}, {Bytes(a), Bytes(b)}));
  ASSERT_EQ(got.size(), Count(c.out));
  for (size_t i = 0; i < got.size(); ++i) {
    const double real = static_cast<double>(as) * (a[BroadcastIndex(c.a, c.out, i)] - 3) * static_cast<double>(bs) *
                        (b[BroadcastIndex(c.b, c.out, i)] + 9);
    EXPECT_NEAR(got[i], QuantizeToInt8(real, ys, 1), 1) << i;
  }
}

TEST_P(BinaryTest, FloatAddAndMulShouldMatchReference) {
  const BroadcastCase& c = GetParam();
  const auto a = RandomFloats(Count(c.a), -2, 2, 35), b = RandomFloats(Count(c.b), -2, 2, 36);
  for (int32_t code : {0, 18}) {
    const auto got = Values<float>(RunOneOp(code, {{tflite::TensorType_FLOAT32, c.a}, {tflite::TensorType_FLOAT32, c.b}},
                                            {tflite::TensorType_FLOAT32, c.out}, {Bytes(a), Bytes(b)}));
    ASSERT_EQ(got.size(), Count(c.out));
    for (size_t i = 0; i < got.size(); ++i) {
      const float x = a[BroadcastIndex(c.a, c.out, i)], y = b[BroadcastIndex(c.b, c.out, i)];
      EXPECT_FLOAT_EQ(got[i], code == 0 ? x + y : x * y) << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, BinaryTest,
                         ::testing::Values(BroadcastCase{{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
                                           BroadcastCase{{2, 3, 4}, {4}, {2, 3, 4}},
                                           BroadcastCase{{2, 1, 4}, {1, 3, 1}, {2, 3, 4}},
                                           BroadcastCase{{1}, {1, 2, 2, 3}, {1, 2, 2, 3}}));

TEST(BinaryShapeTest, IncompatibleShapesShouldBeRefused) {
  const std::string error = CompileError(OneOpModel(0, {{tflite::TensorType_FLOAT32, {2, 3}}, {tflite::TensorType_FLOAT32, {4}}},
                                                    {tflite::TensorType_FLOAT32, {2, 3}}));
  EXPECT_NE(error.find("op 0 (ADD): input shapes cannot be broadcast"), std::string::npos) << error;
}

}  // namespace
}  // namespace tml::testing
