#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/model_builder.h"

namespace tml::testing {
namespace {

OptionsFn Pool(tflite::Padding padding, int stride, int filter) {
  return [=](flatbuffers::FlatBufferBuilder& fbb) {
    return std::pair{tflite::BuiltinOptions_Pool2DOptions,
                     tflite::CreatePool2DOptions(fbb, padding, stride, stride, filter, filter).Union()};
  };
}

/// Average or max over the clipped window, as TFLite defines SAME pooling (padding excluded).
std::vector<double> ReferencePool(const std::vector<int8_t>& x, int h, int w, int c, int stride, int filter,
                                  int oh, int ow, bool average) {
  const int pad_h = std::max(0, ((oh - 1) * stride + filter - h) / 2);
  const int pad_w = std::max(0, ((ow - 1) * stride + filter - w) / 2);
  std::vector<double> out;
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox)
      for (int ch = 0; ch < c; ++ch) {
        double sum = 0, best = -1e9;
        int n = 0;
        for (int y = oy * stride - pad_h; y < oy * stride - pad_h + filter; ++y)
          for (int xx = ox * stride - pad_w; xx < ox * stride - pad_w + filter; ++xx) {
            if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
            const double v = x[(y * w + xx) * c + ch];
            sum += v;
            best = std::max(best, v);
            ++n;
          }
        out.push_back(average ? sum / n : best);
      }
  return out;
}

TEST(PoolingTest, Int8AverageSameStride2ShouldRoundHalfAwayFromZero) {
  const auto x = RandomInt8(7 * 6 * 3, 21);
  const Quant q{{0.1f}, {-4}};
  const auto got = Values<int8_t>(RunOneOp(1, {{tflite::TensorType_INT8, {1, 7, 6, 3}, q}},
                                           {tflite::TensorType_INT8, {1, 4, 3, 3}, q}, {Bytes(x)},
                                           Pool(tflite::Padding_SAME, 2, 3)));
  const auto want = ReferencePool(x, 7, 6, 3, 2, 3, 4, 3, true);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const double r = want[i] >= 0 ? std::floor(want[i] + 0.5) : std::ceil(want[i] - 0.5);
    EXPECT_EQ(got[i], static_cast<int>(r)) << i;
  }
}

TEST(PoolingTest, Int8MaxValidShouldMatchReference) {
  const auto x = RandomInt8(8 * 8 * 2, 22);
  const Quant q{{0.1f}, {0}};
  const auto got = Values<int8_t>(RunOneOp(17, {{tflite::TensorType_INT8, {1, 8, 8, 2}, q}},
                                           {tflite::TensorType_INT8, {1, 3, 3, 2}, q}, {Bytes(x)},
                                           Pool(tflite::Padding_VALID, 3, 2)));
  const auto want = ReferencePool(x, 8, 8, 2, 3, 2, 3, 3, false);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
}

TEST(PoolingTest, FloatAverageSameShouldMatchReference) {
  const auto xf = RandomFloats(5 * 5 * 2, -1, 1, 23);
  const auto got = Values<float>(RunOneOp(1, {{tflite::TensorType_FLOAT32, {1, 5, 5, 2}}},
                                          {tflite::TensorType_FLOAT32, {1, 5, 5, 2}}, {Bytes(xf)},
                                          Pool(tflite::Padding_SAME, 1, 3)));
  ASSERT_EQ(got.size(), 50u);
  // Corner (0,0) channel 0 averages the 2x2 window inside the image.
  const double corner = (xf[0] + xf[2] + xf[10] + xf[12]) / 4.0;
  EXPECT_NEAR(got[0], corner, 1e-6);
}

TEST(PoolingTest, QuantizationChangeShouldBeRefused) {
  const std::string error = CompileError(OneOpModel(1, {{tflite::TensorType_INT8, {1, 4, 4, 1}, {{0.1f}, {0}}}},
                                                    {tflite::TensorType_INT8, {1, 2, 2, 1}, {{0.2f}, {0}}},
                                                    Pool(tflite::Padding_VALID, 2, 2)));
  EXPECT_NE(error.find("op 0 (AVERAGE_POOL_2D)"), std::string::npos) << error;
  EXPECT_NE(error.find("same scale and zero point"), std::string::npos) << error;
}

}  // namespace
}  // namespace tml::testing
