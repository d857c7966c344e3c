// Malformed, truncated and hostile models get one clear line naming op, tensor and reason.
#include "compiler/tflite/tflite_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "compiler/compile.h"
#include "tests/support/model_builder.h"

namespace tml::testing {
namespace {

std::vector<uint8_t> ReadModel(const std::string& name) {
  std::ifstream in(std::string(TML_SHARED_DIR) + "/models/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string Error(const std::vector<uint8_t>& bytes) { return CompileError(bytes); }

TEST(TfliteReaderTest, SharedModelsShouldParse) {
  for (const char* name : {"kws_ref_model.tflite", "vww_96_int8.tflite", "ad01_int8.tflite"}) {
    const auto bytes = ReadModel(name);
    ASSERT_FALSE(bytes.empty()) << name;
    auto graph = compiler::ReadTflite(bytes);
    ASSERT_TRUE(graph.has_value()) << graph.error().message;
    EXPECT_FALSE(graph->ops.empty());
  }
}

TEST(TfliteReaderTest, EmptyAndGarbageInputShouldBeRejected) {
  EXPECT_NE(Error({}).find("not a TFLite model"), std::string::npos);
  EXPECT_NE(Error(std::vector<uint8_t>(100, 0x41)).find("not a TFLite model"), std::string::npos);
}

TEST(TfliteReaderTest, TruncatedModelShouldFailVerification) {
  auto bytes = ReadModel("kws_ref_model.tflite");
  bytes.resize(bytes.size() / 2);
  EXPECT_NE(Error(bytes).find("fails verification"), std::string::npos) << Error(bytes);
}

TEST(TfliteReaderTest, RandomCorruptionShouldNeverCrash) {
  const auto original = ReadModel("kws_ref_model.tflite");
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    auto bytes = original;
    for (int k = 0; k < 8; ++k) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
    (void)compiler::Compile(bytes);  // must return, error or not
  }
  SUCCEED();
}

TEST(TfliteReaderTest, BufferOfWrongSizeShouldNameTheTensor) {
  ModelBuilder m;
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {1, 4});
  const int32_t w = m.AddTensor("weights", tflite::TensorType_FLOAT32, {2, 4}, {}, std::vector<uint8_t>(12, 0));
  const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {1, 2});
  m.AddOp(9, {x, w, -1}, {y});
  const std::string error = Error(m.Build({x}, {y}));
  EXPECT_NE(error.find("tensor 1 'weights': buffer holds 12 bytes but shape and type need 32"), std::string::npos)
      << error;
}

TEST(TfliteReaderTest, OutOfRangeTensorIndexShouldNameTheOp) {
  ModelBuilder m;
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {4});
  const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {4});
  m.AddOp(19, {x, 42}, {y});
  const std::string error = Error(m.Build({x}, {y}));
  EXPECT_NE(error.find("op 0 (RELU): tensor index 42 is out of range"), std::string::npos) << error;
}

TEST(TfliteReaderTest, CyclicGraphShouldBeRejected) {
  ModelBuilder m;
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {4});
  const int32_t a = m.AddTensor("a", tflite::TensorType_FLOAT32, {4});
  const int32_t b = m.AddTensor("b", tflite::TensorType_FLOAT32, {4});
  m.AddOp(0, {x, b}, {a});  // reads b, which the next op writes from a
  m.AddOp(19, {a}, {b});
  const std::string error = Error(m.Build({x}, {b}));
  EXPECT_NE(error.find("op 0 (ADD): tensor 2 'b' is produced by a later op"), std::string::npos) << error;
}

TEST(TfliteReaderTest, DynamicShapeShouldBeRejected) {
  ModelBuilder m;
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {-1, 4});
  const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {1, 4});
  m.AddOp(19, {x}, {y});
  EXPECT_NE(Error(m.Build({x}, {y})).find("tensor 0 'x': dimension -1"), std::string::npos);
}

TEST(CompileErrorsTest, UnsupportedOpShouldNameItselfAndTheSupportedList) {
  ModelBuilder m;
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {4});
  const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {4});
  m.AddOp(16, {x}, {y});  // LSTM
  const std::string error = Error(m.Build({x}, {y}));
  EXPECT_NE(error.find("op 0 (LSTM): unsupported operator LSTM (builtin code 16); supported: ADD,"), std::string::npos)
      << error;
  EXPECT_NE(error.find("STRIDED_SLICE"), std::string::npos);
}

TEST(CompileErrorsTest, ShapeMismatchShouldNameTheOutput) {
  const std::vector<float> w(2 * 3 * 3 * 1, 0.5f);
  const std::string error = CompileError(OneOpModel(
      3, {{tflite::TensorType_FLOAT32, {1, 5, 5, 1}}, {tflite::TensorType_FLOAT32, {2, 3, 3, 1}, {}, Bytes(w)}},
      {tflite::TensorType_FLOAT32, {1, 5, 5, 2}}));  // VALID padding gives 3x3
  EXPECT_NE(error.find("op 0 (CONV_2D): tensor 2 'out': shape [1,5,5,2] does not match [1,3,3,2]"), std::string::npos)
      << error;
}

TEST(CompileErrorsTest, AsymmetricConvWeightsShouldBeRefused) {
  const std::vector<int8_t> w(2 * 1 * 1 * 1, 3);
  const std::string error = CompileError(OneOpModel(
      3, {{tflite::TensorType_INT8, {1, 2, 2, 1}, {{0.1f}, {0}}},
          {tflite::TensorType_INT8, {2, 1, 1, 1}, {{0.1f}, {5}}, Bytes(w)}},
      {tflite::TensorType_INT8, {1, 2, 2, 2}, {{0.1f}, {0}}}));
  EXPECT_NE(error.find("filter zero point 5 is not 0"), std::string::npos) << error;
}

TEST(CompileErrorsTest, UnsupportedTypeShouldBeNamed) {
  const std::string error = CompileError(OneOpModel(19, {{tflite::TensorType_COMPLEX64, {4}}}, {tflite::TensorType_COMPLEX64, {4}}));
  EXPECT_NE(error.find("unsupported tensor type COMPLEX64"), std::string::npos) << error;
}

}  // namespace
}  // namespace tml::testing
