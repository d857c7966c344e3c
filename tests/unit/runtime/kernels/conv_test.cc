// CONV_2D and DEPTHWISE_CONV_2D against a double-precision reference: float within 1e-4,
// int8 within one output quantization step (TFLite's requantization rounds twice).
#include <gtest/gtest.h>

#include "tests/support/model_builder.h"
#include "tests/support/reference_ops.h"

namespace tml::testing {
namespace {

struct ConvCase {
  const char* name;
  Conv2DSpec spec;
  bool int8;
  bool per_channel;
  tflite::ActivationFunctionType activation;
};

class ConvTest : public ::testing::TestWithParam<ConvCase> {};

std::vector<double> ApplyActivation(std::vector<double> v, tflite::ActivationFunctionType act) {
  for (double& x : v) {
    if (act == tflite::ActivationFunctionType_RELU) x = std::max(x, 0.0);
    if (act == tflite::ActivationFunctionType_RELU6) x = std::clamp(x, 0.0, 6.0);
  }
  return v;
}

TEST_P(ConvTest, MatchesReference) {
  const ConvCase& c = GetParam();
  const Conv2DSpec& s = c.spec;
  const size_t in_n = static_cast<size_t>(s.batches) * s.in_h * s.in_w * s.in_c;
  const size_t f_n = s.depthwise ? static_cast<size_t>(s.filter_h) * s.filter_w * s.out_c
                                 : static_cast<size_t>(s.out_c) * s.filter_h * s.filter_w * s.in_c;
  const std::vector<int32_t> in_shape = {s.batches, s.in_h, s.in_w, s.in_c};
  const std::vector<int32_t> f_shape = s.depthwise ? std::vector<int32_t>{1, s.filter_h, s.filter_w, s.out_c}
                                                   : std::vector<int32_t>{s.out_c, s.filter_h, s.filter_w, s.in_c};
  const std::vector<int32_t> out_shape = {s.batches, s.out_h(), s.out_w(), s.out_c};
  const int32_t code = s.depthwise ? 4 : 3;
  const auto padding = s.same ? tflite::Padding_SAME : tflite::Padding_VALID;
  OptionsFn options = [&](flatbuffers::FlatBufferBuilder& fbb) {
    if (s.depthwise) {
      return std::pair{tflite::BuiltinOptions_DepthwiseConv2DOptions,
                       tflite::CreateDepthwiseConv2DOptions(fbb, padding, s.stride_w, s.stride_h, s.depth_multiplier,
                                                            c.activation, s.dilation_w, s.dilation_h).Union()};
    }
    return std::pair{tflite::BuiltinOptions_Conv2DOptions,
                     tflite::CreateConv2DOptions(fbb, padding, s.stride_w, s.stride_h, c.activation, s.dilation_w,
                                                 s.dilation_h).Union()};
  };
  ModelBuilder m;
  std::vector<double> in_real, f_real, bias_real;
  std::vector<uint8_t> input_bytes;
  std::vector<double> expected;
  const double out_scale = 0.05;
  const int out_zp = 3;
  if (!c.int8) {
    const auto in = RandomFloats(in_n, -1, 1, 1), f = RandomFloats(f_n, -1, 1, 2), b = RandomFloats(s.out_c, -1, 1, 3);
    in_real.assign(in.begin(), in.end());
    f_real.assign(f.begin(), f.end());
    bias_real.assign(b.begin(), b.end());
    const int32_t x = m.AddTensor("in", tflite::TensorType_FLOAT32, in_shape);
    const int32_t w = m.AddConstant("w", tflite::TensorType_FLOAT32, f_shape, f);
    const int32_t bias = m.AddConstant("b", tflite::TensorType_FLOAT32, {s.out_c}, b);
    const int32_t y = m.AddTensor("out", tflite::TensorType_FLOAT32, out_shape);
    m.AddOp(code, {x, w, bias}, {y}, options);
    const auto model = m.Build({x}, {y});
    const auto out = CompileAndRun(model, {Bytes(in)});
    ASSERT_EQ(out.size(), 1u);
    const auto got = Values<float>(out[0]);
    expected = ApplyActivation(ReferenceConv(s, in_real, f_real, bias_real), c.activation);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-4) << "element " << i;
    return;
  }
  const double in_scale = 0.02;
  const int in_zp = -7;
  const auto in_q = RandomInt8(in_n, 4);
  const auto f_q = RandomInt8(f_n, 5, -127, 127);
  std::vector<float> f_scales(c.per_channel ? s.out_c : 1);
  for (size_t i = 0; i < f_scales.size(); ++i) f_scales[i] = 0.004f + 0.001f * static_cast<float>(i % 5);
  std::vector<int32_t> bias_q(s.out_c);
  for (int oc = 0; oc < s.out_c; ++oc) bias_q[oc] = (oc * 37) % 200 - 100;
  for (int8_t q : in_q) in_real.push_back(in_scale * (q - in_zp));
  const int axis = s.depthwise ? 3 : 0;
  for (size_t i = 0; i < f_n; ++i) {
    const size_t ch = s.depthwise ? i % s.out_c : i / (f_n / s.out_c);
    f_real.push_back(static_cast<double>(f_scales[c.per_channel ? ch : 0]) * f_q[i]);
  }
  for (int oc = 0; oc < s.out_c; ++oc) {
    bias_real.push_back(static_cast<double>(in_scale) * f_scales[c.per_channel ? oc : 0] * bias_q[oc]);
  }
  std::vector<float> bias_scales;
  for (float fs : f_scales) bias_scales.push_back(static_cast<float>(in_scale) * fs);
  const int32_t x = m.AddTensor("in", tflite::TensorType_INT8, in_shape, {{static_cast<float>(in_scale)}, {in_zp}});
  const int32_t w = m.AddConstant("w", tflite::TensorType_INT8, f_shape, f_q, {f_scales, {}, axis});
  const int32_t bias = m.AddConstant("b", tflite::TensorType_INT32, {s.out_c}, bias_q, {bias_scales, {}, 0});
  const int32_t y = m.AddTensor("out", tflite::TensorType_INT8, out_shape, {{static_cast<float>(out_scale)}, {out_zp}});
  m.AddOp(code, {x, w, bias}, {y}, options);
  const auto out = CompileAndRun(m.Build({x}, {y}), {Bytes(in_q)});
  ASSERT_EQ(out.size(), 1u);
  const auto got = Values<int8_t>(out[0]);
  expected = ApplyActivation(ReferenceConv(s, in_real, f_real, bias_real), c.activation);
  ASSERT_EQ(got.size(), expected.size());
  int mismatches = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const int want = QuantizeToInt8(expected[i], out_scale, out_zp);
    EXPECT_NEAR(got[i], want, 1) << "element " << i;
    mismatches += got[i] != want;
  }
  // Rounding may differ by one step now and then, never systematically.
  EXPECT_LE(mismatches, static_cast<int>(got.size() / 10 + 1));
}

Conv2DSpec Conv(int h, int w, int ic, int oc, int fh, int fw, int stride, int dilation, bool same) {
  Conv2DSpec s;
  s.in_h = h; s.in_w = w; s.in_c = ic; s.out_c = oc; s.filter_h = fh; s.filter_w = fw;
  s.stride_h = s.stride_w = stride; s.dilation_h = s.dilation_w = dilation; s.same = same;
  return s;
}

Conv2DSpec Depthwise(int h, int w, int ic, int multiplier, int fh, int stride, int dilation, bool same) {
  Conv2DSpec s = Conv(h, w, ic, ic * multiplier, fh, fh, stride, dilation, same);
  s.depthwise = true;
  s.depth_multiplier = multiplier;
  return s;
}

constexpr auto kNone = tflite::ActivationFunctionType_NONE;
constexpr auto kRelu = tflite::ActivationFunctionType_RELU;
constexpr auto kRelu6 = tflite::ActivationFunctionType_RELU6;

INSTANTIATE_TEST_SUITE_P(
    Kernels, ConvTest,
    ::testing::Values(
        ConvCase{"FloatValid", Conv(7, 6, 3, 4, 3, 3, 1, 1, false), false, false, kNone},
        ConvCase{"FloatSameStride2", Conv(9, 8, 2, 5, 3, 3, 2, 1, true), false, false, kRelu},
        ConvCase{"FloatDilation2", Conv(9, 9, 3, 2, 3, 3, 1, 2, true), false, false, kNone},
        ConvCase{"FloatEvenFilterSame", Conv(6, 7, 2, 3, 2, 4, 1, 1, true), false, false, kRelu6},
        ConvCase{"Int8PerTensorValid", Conv(8, 7, 3, 4, 3, 3, 1, 1, false), true, false, kNone},
        ConvCase{"Int8PerChannelSame", Conv(8, 8, 4, 6, 3, 3, 1, 1, true), true, true, kRelu},
        ConvCase{"Int8PerChannelStride2", Conv(11, 9, 3, 5, 5, 3, 2, 1, true), true, true, kRelu6},
        ConvCase{"Int8Dilation2", Conv(10, 10, 2, 3, 3, 3, 1, 2, false), true, true, kNone},
        ConvCase{"Int8Pointwise", Conv(5, 5, 8, 8, 1, 1, 1, 1, false), true, true, kNone},
        ConvCase{"DwFloatSame", Depthwise(7, 7, 4, 1, 3, 1, 1, true), false, false, kNone},
        ConvCase{"DwFloatMultiplier2", Depthwise(6, 5, 3, 2, 3, 2, 1, true), false, false, kRelu},
        ConvCase{"DwInt8Same", Depthwise(8, 8, 5, 1, 3, 1, 1, true), true, true, kRelu6},
        ConvCase{"DwInt8Multiplier3Stride2", Depthwise(9, 7, 2, 3, 3, 2, 1, false), true, true, kNone},
        ConvCase{"DwInt8Dilation2PerTensor", Depthwise(9, 9, 3, 1, 3, 1, 2, true), true, false, kRelu}),
    [](const ::testing::TestParamInfo<ConvCase>& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace tml::testing
