// Kernels that run in place (an output written over its dying input, possibly starting
// some rows earlier) must give exactly the bytes of the same model planned without it.
#include <gtest/gtest.h>

#include <random>

#include "tests/support/model_builder.h"

namespace tml::testing {
namespace {

struct Layer {
  int32_t code;  // 3 conv, 4 depthwise, 1 avg pool, 17 max pool, 0 add-with-previous, 19 relu
  int filter, stride, out_c;
  bool same;
};

/// An int8 chain: input -> conv -> layers..., each layer reading the previous output.
std::vector<uint8_t> Chain(const std::vector<Layer>& layers, int h, int w, int c, uint32_t seed) {
  ModelBuilder m;
  const Quant q{{0.05f}, {-3}};
  // A narrow model input, so that the layers under test (not the first op) set the peak.
  const int in_c = 2;
  int32_t x = m.AddTensor("x", tflite::TensorType_INT8, {1, h, w, in_c}, q);
  const int32_t model_input = x;
  // First op reads the model input, which is never overwritten; the layers under test follow.
  const auto w0 = RandomInt8(c * in_c, seed, -127, 127);
  const int32_t w0t = m.AddConstant("w0", tflite::TensorType_INT8, {c, 1, 1, in_c}, w0, {{0.01f}, {0}});
  int32_t y = m.AddTensor("y0", tflite::TensorType_INT8, {1, h, w, c}, q);
  m.AddOp(3, {x, w0t, -1}, {y}, [](flatbuffers::FlatBufferBuilder& fbb) {
    return std::pair{tflite::BuiltinOptions_Conv2DOptions, tflite::CreateConv2DOptions(fbb, tflite::Padding_VALID, 1, 1).Union()};
  });
  int32_t previous = x;
  x = y;
  int index = 1;
  Quant current = q;  // quantization of x
  for (const Layer& l : layers) {
    const auto padding = l.same ? tflite::Padding_SAME : tflite::Padding_VALID;
    auto out_size = [&](int in) { return l.same ? (in + l.stride - 1) / l.stride : (in - l.filter + l.stride) / l.stride; };
    const std::string name = "y" + std::to_string(index++);
    if (l.code == 3 || l.code == 4) {
      const int oc = l.code == 4 ? c : l.out_c;
      const std::vector<int32_t> fshape = l.code == 4 ? std::vector<int32_t>{1, l.filter, l.filter, c}
                                                      : std::vector<int32_t>{oc, l.filter, l.filter, c};
      const auto wv = RandomInt8(l.filter * l.filter * c * (l.code == 4 ? 1 : oc), seed + index, -127, 127);
      const int32_t wt = m.AddConstant(name + "/w", tflite::TensorType_INT8, fshape, wv, {{0.01f}, {0}, l.code == 4 ? 3 : 0});
      h = out_size(h);
      w = out_size(w);
      c = oc;
      current = q;
      y = m.AddTensor(name, tflite::TensorType_INT8, {1, h, w, c}, q);
      const int stride = l.stride;
      if (l.code == 3) {
        m.AddOp(3, {x, wt, -1}, {y}, [=](flatbuffers::FlatBufferBuilder& fbb) {
          return std::pair{tflite::BuiltinOptions_Conv2DOptions, tflite::CreateConv2DOptions(fbb, padding, stride, stride).Union()};
        });
      } else {
        m.AddOp(4, {x, wt, -1}, {y}, [=](flatbuffers::FlatBufferBuilder& fbb) {
          return std::pair{tflite::BuiltinOptions_DepthwiseConv2DOptions,
                           tflite::CreateDepthwiseConv2DOptions(fbb, padding, stride, stride, 1).Union()};
        });
      }
    } else if (l.code == 1 || l.code == 17) {
      h = out_size(h);
      w = out_size(w);
      y = m.AddTensor(name, tflite::TensorType_INT8, {1, h, w, c}, current);
      const int stride = l.stride, filter = l.filter;
      m.AddOp(l.code, {x}, {y}, [=](flatbuffers::FlatBufferBuilder& fbb) {
        return std::pair{tflite::BuiltinOptions_Pool2DOptions,
                         tflite::CreatePool2DOptions(fbb, padding, stride, stride, filter, filter).Union()};
      });
    } else if (l.code == 0) {
      current = {{0.07f}, {2}};
      y = m.AddTensor(name, tflite::TensorType_INT8, {1, h, w, c}, current);
      m.AddOp(0, {x, x}, {y});
    } else {
      current = {{0.04f}, {-128}};
      y = m.AddTensor(name, tflite::TensorType_INT8, {1, h, w, c}, current);
      m.AddOp(19, {x}, {y});
    }
    previous = x;
    x = y;
  }
  (void)previous;
  return m.Build({model_input}, {x});
}

TEST(InPlaceTest, ChainsShouldGiveIdenticalBytesWithAndWithoutInPlace) {
  const std::vector<std::vector<Layer>> chains = {
      {{4, 3, 1, 0, true}, {3, 1, 1, 16, false}, {4, 3, 2, 0, true}, {3, 1, 1, 8, false}},
      {{3, 3, 1, 8, true}, {3, 3, 1, 8, true}, {0, 0, 0, 0, false}, {1, 2, 2, 0, false}},
      {{3, 5, 1, 4, true}, {4, 3, 1, 0, false}, {17, 3, 1, 0, true}, {19, 0, 0, 0, false}},
      {{3, 1, 1, 32, false}, {4, 5, 2, 0, true}, {3, 3, 2, 6, true}, {1, 3, 1, 0, true}},
      {{4, 3, 1, 0, true}, {4, 3, 1, 0, true}, {4, 3, 1, 0, true}, {3, 1, 1, 8, false}},
  };
  int in_place_smaller = 0;
  for (size_t i = 0; i < chains.size(); ++i) {
    const auto model = Chain(chains[i], 12, 10, 8, static_cast<uint32_t>(100 + i));
    const auto input = RandomInt8(12 * 10 * 2, static_cast<uint32_t>(200 + i));
    uint32_t arena_in_place = 0, arena_separate = 0;
    const auto a = CompileAndRun(model, {Bytes(input)}, true, &arena_in_place);
    const auto b = CompileAndRun(model, {Bytes(input)}, false, &arena_separate);
    ASSERT_EQ(a.size(), 1u) << "chain " << i;
    ASSERT_EQ(b.size(), 1u) << "chain " << i;
    EXPECT_EQ(a[0], b[0]) << "chain " << i;
    EXPECT_LE(arena_in_place, arena_separate) << "chain " << i;
    in_place_smaller += arena_in_place < arena_separate;
  }
  // The test is only meaningful if in-place planning actually happened.
  EXPECT_GE(in_place_smaller, 3);
}

}  // namespace
}  // namespace tml::testing
