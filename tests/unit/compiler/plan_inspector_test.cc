#include "compiler/plan_inspector.h"

#include <gtest/gtest.h>

#include <cstring>

#include "compiler/compile.h"
#include "tests/support/model_builder.h"

namespace tml::testing {
namespace {

TEST(PlanInspectorTest, SummaryShouldReportMacsSizesAndLifetimes) {
  // conv 3x3 (VALID) 6x6x2 -> 4x4x3, then RELU: 4*4*3 outputs x 3*3*2 MACs each.
  const std::vector<float> w(3 * 3 * 3 * 2, 0.1f);
  ModelBuilder m;
  const int32_t x = m.AddTensor("x", tflite::TensorType_FLOAT32, {1, 6, 6, 2});
  const int32_t wt = m.AddConstant("w", tflite::TensorType_FLOAT32, {3, 3, 3, 2}, w);
  const int32_t h = m.AddTensor("h", tflite::TensorType_FLOAT32, {1, 4, 4, 3});
  const int32_t y = m.AddTensor("y", tflite::TensorType_FLOAT32, {1, 4, 4, 3});
  m.AddOp(3, {x, wt, -1}, {h});
  m.AddOp(28, {h}, {y});  // TANH: not fusable
  auto compiled = compiler::Compile(m.Build({x}, {y}));
  ASSERT_TRUE(compiled.has_value()) << compiled.error().message;
  std::vector<uint64_t> words(compiled->plan.size() / 8 + 1);
  std::memcpy(words.data(), compiled->plan.data(), compiled->plan.size());
  Plan plan;
  ASSERT_EQ(Plan::Load(reinterpret_cast<const uint8_t*>(words.data()), static_cast<uint32_t>(compiled->plan.size()), &plan),
            Status::kOk);
  const compiler::PlanSummary s = compiler::Summarize(plan);
  ASSERT_EQ(s.ops.size(), 2u);
  EXPECT_EQ(s.ops[0].kernel, "CONV_2D/float32");
  EXPECT_EQ(s.ops[0].macs, 4u * 4 * 3 * 3 * 3 * 2);
  EXPECT_EQ(s.total_macs, s.ops[0].macs);
  EXPECT_EQ(s.constant_bytes, w.size() * 4);
  EXPECT_EQ(s.plan_bytes, compiled->plan.size());
  EXPECT_EQ(s.content_sha256.size(), 64u);
  const compiler::TensorSummary& input = s.tensors[s.inputs[0]];
  const compiler::TensorSummary& output = s.tensors[s.outputs[0]];
  EXPECT_EQ(input.first_op, 0);
  EXPECT_EQ(output.last_op, 2);  // model outputs live past the last op
  EXPECT_LE(s.arena_bytes, 6u * 6 * 2 * 4 + 4 * 4 * 3 * 4 * 2);
  EXPECT_EQ(compiler::ShapeToString(output.shape), "[1,4,4,3]");
}

}  // namespace
}  // namespace tml::testing
