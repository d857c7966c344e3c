#include "runtime/kernels/internal/quantized_math.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tml::qmath {
namespace {

TEST(QuantizedMathTest, RoundingDivideByPOTShouldRoundHalfAwayFromZero) {
  EXPECT_EQ(RoundingDivideByPOT(5, 1), 3);
  EXPECT_EQ(RoundingDivideByPOT(-5, 1), -3);
  EXPECT_EQ(RoundingDivideByPOT(4, 1), 2);
  EXPECT_EQ(RoundingDivideByPOT(-6, 2), -2);
  EXPECT_EQ(RoundingDivideByPOT(7, 0), 7);
}

TEST(QuantizedMathTest, SaturatingRoundingDoublingHighMulShouldSaturateOnlyMinTimesMin) {
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(kInt32Min, kInt32Min), kInt32Max);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(1 << 30, 1 << 30), 1 << 29);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-(1 << 30), 1 << 30), -(1 << 29));
}

TEST(QuantizedMathTest, MultiplyByQuantizedMultiplierShouldScale) {
  // 0.75 = 0.75 * 2^0 -> multiplier round(0.75 * 2^31), shift 0.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(100, 1610612736, 0), 75);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(100, 1610612736, 1), 150);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-101, 1610612736, -1), -38);
}

TEST(QuantizedMathTest, FixedPointFunctionsShouldApproximateRealOnes) {
  for (double x = -7.9; x < 0; x += 0.05) {
    const auto raw = static_cast<int32_t>(std::lround(x * (1 << 26)));  // Q5.26
    EXPECT_NEAR(ExpOnNegativeValues(raw, 5) / 2147483648.0, std::exp(x), 2e-6) << x;
  }
  for (double x = -7.5; x < 7.5; x += 0.1) {
    const auto raw = static_cast<int32_t>(std::lround(x * (1 << 27)));  // Q4.27
    EXPECT_NEAR(Logistic(raw, 4) / 2147483648.0, 1.0 / (1.0 + std::exp(-x)), 2e-6) << x;
    EXPECT_NEAR(Tanh(raw, 4) / 2147483648.0, std::tanh(x), 4e-6) << x;
  }
}

}  // namespace
}  // namespace tml::qmath
