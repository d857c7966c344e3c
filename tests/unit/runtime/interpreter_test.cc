#include "runtime/interpreter.h"

#include <gtest/gtest.h>

#include <cstring>

#include "compiler/compile.h"
#include "tests/support/model_builder.h"

namespace tml::testing {
namespace {

/// Two inputs, two outputs: sum = x + y, product = x * y (float32, broadcasting y).
std::vector<uint8_t> TwoInTwoOut() {
  ModelBuilder m;
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {2, 3});
  const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {3});
  const int32_t sum = m.AddTensor("sum", tflite::TensorType_FLOAT32, {2, 3});
  const int32_t product = m.AddTensor("product", tflite::TensorType_FLOAT32, {2, 3});
  m.AddOp(0, {x, y}, {sum});
  m.AddOp(18, {x, y}, {product});
  return m.Build({x, y}, {product, sum});
}

TEST(InterpreterTest, SeveralInputsAndOutputsShouldKeepModelOrder) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6}, y = {10, 20, 30};
  const auto out = CompileAndRun(TwoInTwoOut(), {Bytes(x), Bytes(y)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Values<float>(out[0]), (std::vector<float>{10, 40, 90, 40, 100, 180}));  // product first
  EXPECT_EQ(Values<float>(out[1]), (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST(InterpreterTest, SmallOrMisalignedArenaShouldBeRefused) {
  auto compiled = compiler::Compile(TwoInTwoOut());
  ASSERT_TRUE(compiled.has_value());
  std::vector<uint64_t> words(compiled->plan.size() / 8 + 1);
  std::memcpy(words.data(), compiled->plan.data(), compiled->plan.size());
  Plan plan;
  ASSERT_EQ(Plan::Load(reinterpret_cast<const uint8_t*>(words.data()), static_cast<uint32_t>(compiled->plan.size()), &plan),
            Status::kOk);
  std::vector<uint64_t> arena(plan.arena_bytes() / 8 + 2);
  Interpreter interpreter;
  EXPECT_EQ(interpreter.Init(&plan, reinterpret_cast<uint8_t*>(arena.data()), plan.arena_bytes() - 1),
            Status::kArenaTooSmall);
  EXPECT_EQ(interpreter.Init(&plan, reinterpret_cast<uint8_t*>(arena.data()) + 4, plan.arena_bytes()),
            Status::kMisaligned);
  EXPECT_EQ(interpreter.Init(&plan, reinterpret_cast<uint8_t*>(arena.data()), plan.arena_bytes()), Status::kOk);
}

TEST(InterpreterTest, RepeatedInvokeShouldGiveTheSameResult) {
  const std::vector<float> x = {1, -2, 3, -4, 5, -6}, y = {0.5f, 0.25f, 2};
  const auto first = CompileAndRun(TwoInTwoOut(), {Bytes(x), Bytes(y)});
  const auto second = CompileAndRun(TwoInTwoOut(), {Bytes(x), Bytes(y)});
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace tml::testing
