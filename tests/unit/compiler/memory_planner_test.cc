#include "compiler/planner/memory_planner.h"

#include <gtest/gtest.h>

#include <random>

namespace tml::compiler {
namespace {

TEST(MemoryPlannerTest, GreedyShouldReuseDeadBuffers) {
  // A chain: each buffer lives from its producer to its single consumer.
  const std::vector<BufferRequest> chain = {{100, 0, 1}, {100, 1, 2}, {100, 2, 3}, {100, 3, 4}};
  const MemoryPlan plan = GreedyMemoryPlanner().Plan(chain);
  EXPECT_EQ(ValidateMemoryPlan(chain, plan), "");
  EXPECT_EQ(plan.arena_bytes, 208u);  // two buffers (aligned) are enough
}

TEST(MemoryPlannerTest, GreedyShouldBeValidAndNoLargerThanLinearOnRandomGraphs) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<BufferRequest> requests(1 + rng() % 30);
    for (auto& r : requests) {
      r.first_op = static_cast<int32_t>(rng() % 20);
      r.last_op = r.first_op + static_cast<int32_t>(rng() % 6);
      r.bytes = 1 + rng() % 5000;
    }
    const MemoryPlan greedy = GreedyMemoryPlanner().Plan(requests);
    const MemoryPlan linear = LinearMemoryPlanner().Plan(requests);
    ASSERT_EQ(ValidateMemoryPlan(requests, linear), "") << "trial " << trial;
    ASSERT_EQ(ValidateMemoryPlan(requests, greedy), "") << "trial " << trial;
    EXPECT_LE(greedy.arena_bytes, linear.arena_bytes);
  }
}

TEST(MemoryPlannerTest, ValidatorShouldCatchOverlap) {
  const std::vector<BufferRequest> requests = {{64, 0, 2}, {64, 1, 3}};
  MemoryPlan bad;
  bad.offsets = {0, 32};
  bad.arena_bytes = 96;
  EXPECT_NE(ValidateMemoryPlan(requests, bad), "");
}

}  // namespace
}  // namespace tml::compiler
