// Plan::Load must reject anything malformed with a status, never read out of bounds.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "compiler/compile.h"
#include "runtime/plan.h"
#include "tests/support/model_builder.h"

namespace tml::testing {
namespace {

std::vector<uint8_t> SmallPlan() {
  const std::vector<float> w = {1, 2, 3, 4, 5, 6};
  const auto tflite = OneOpModel(9, {{tflite::TensorType_FLOAT32, {1, 2}}, {tflite::TensorType_FLOAT32, {3, 2}, {}, Bytes(w)}},
                                 {tflite::TensorType_FLOAT32, {1, 3}});
  auto compiled = compiler::Compile(tflite);
  EXPECT_TRUE(compiled.has_value());
  return compiled ? compiled->plan : std::vector<uint8_t>{};
}

Status Load(const std::vector<uint8_t>& bytes, Plan* plan) {
  static std::vector<uint64_t> words;
  words.assign(bytes.size() / 8 + 1, 0);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  return Plan::Load(reinterpret_cast<const uint8_t*>(words.data()), static_cast<uint32_t>(bytes.size()), plan);
}

TEST(PlanTest, ValidPlanShouldLoad) {
  Plan plan;
  ASSERT_EQ(Load(SmallPlan(), &plan), Status::kOk);
  EXPECT_EQ(plan.num_ops(), 1u);
  EXPECT_EQ(plan.num_inputs(), 1u);
  EXPECT_GT(plan.arena_bytes(), 0u);
}

TEST(PlanTest, UnknownFormatVersionShouldBeRejected) {
  auto bytes = SmallPlan();
  bytes[4] = 99;
  Plan plan;
  EXPECT_EQ(Load(bytes, &plan), Status::kUnsupportedVersion);
}

TEST(PlanTest, BadMagicAndTruncationShouldBeRejected) {
  auto bytes = SmallPlan();
  Plan plan;
  auto bad = bytes;
  bad[0] = 'X';
  EXPECT_EQ(Load(bad, &plan), Status::kBadMagic);
  EXPECT_EQ(Load(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 40), &plan), Status::kTruncated);
  EXPECT_EQ(Load(std::vector<uint8_t>(bytes.begin(), bytes.end() - 8), &plan), Status::kTruncated);
}

TEST(PlanTest, UnknownKernelShouldNameTheOp) {
  auto bytes = SmallPlan();
  PlanHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  OpRecord op;
  std::memcpy(&op, bytes.data() + header.ops_offset, sizeof(op));
  op.kernel_id = 999;
  std::memcpy(bytes.data() + header.ops_offset, &op, sizeof(op));
  Plan plan;
  EXPECT_EQ(Load(bytes, &plan), Status::kUnknownKernel);
  EXPECT_EQ(plan.failed_op(), 0);
}

TEST(PlanTest, ArenaTensorOutsideArenaShouldBeRejected) {
  auto bytes = SmallPlan();
  PlanHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  header.arena_bytes = 4;
  std::memcpy(bytes.data(), &header, sizeof(header));
  Plan plan;
  EXPECT_EQ(Load(bytes, &plan), Status::kBadTensor);
}

TEST(PlanTest, RandomCorruptionShouldNeverCrash) {
  const auto bytes = SmallPlan();
  std::mt19937 rng(7);
  int loaded = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    auto mutated = bytes;
    for (int k = 0; k < 3; ++k) mutated[rng() % mutated.size()] = static_cast<uint8_t>(rng());
    Plan plan;
    loaded += Load(mutated, &plan) == Status::kOk;
  }
  // Some mutations hit only names or weights and stay loadable; that is fine.
  EXPECT_GE(loaded, 0);
  SUCCEED() << loaded << " of 2000 corrupted plans still loaded";
}

}  // namespace
}  // namespace tml::testing
