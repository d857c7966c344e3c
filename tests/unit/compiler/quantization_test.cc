#include "compiler/quantization.h"

#include <gtest/gtest.h>

namespace tml::compiler {
namespace {

TEST(QuantizationTest, QuantizeMultiplierShouldSplitSignificandAndExponent) {
  EXPECT_EQ(QuantizeMultiplier(0.5).multiplier, 1 << 30);
  EXPECT_EQ(QuantizeMultiplier(0.5).shift, 0);
  EXPECT_EQ(QuantizeMultiplier(1.0).multiplier, 1 << 30);
  EXPECT_EQ(QuantizeMultiplier(1.0).shift, 1);
  EXPECT_EQ(QuantizeMultiplier(0.0).multiplier, 0);
  // A significand that rounds up to 1.0 is renormalized.
  EXPECT_EQ(QuantizeMultiplier(0.99999999999).multiplier, 1 << 30);
  EXPECT_EQ(QuantizeMultiplier(0.99999999999).shift, 1);
  // Too small to represent becomes zero.
  EXPECT_EQ(QuantizeMultiplier(1e-12).multiplier, 0);
}

TEST(QuantizationTest, PaddingShouldPutTheOddPixelAtTheEnd) {
  EXPECT_EQ(ComputeOutSize(Padding::kSame, 7, 3, 2, 1), 4);
  EXPECT_EQ(ComputePadding(2, 1, 7, 3, 4), 1);
  EXPECT_EQ(ComputeOutSize(Padding::kSame, 6, 4, 1, 1), 6);
  EXPECT_EQ(ComputePadding(1, 1, 6, 4, 6), 1);  // total 3: 1 before, 2 after
  EXPECT_EQ(ComputeOutSize(Padding::kValid, 10, 3, 1, 2), 6);
}

TEST(QuantizationTest, ActivationRangesShouldQuantizeBounds) {
  auto relu6 = QuantizedActivationRange(Activation::kRelu6, 0.05f, -10);
  ASSERT_TRUE(relu6.has_value());
  EXPECT_EQ(relu6->first, -10);
  EXPECT_EQ(relu6->second, 110);
  EXPECT_FALSE(QuantizedActivationRange(Activation::kTanh, 0.05f, 0).has_value());
}

}  // namespace
}  // namespace tml::compiler
