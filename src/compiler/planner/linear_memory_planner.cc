#include "compiler/planner/memory_planner.h"

namespace tml::compiler {
namespace {

uint32_t AlignUp(uint32_t v) { return (v + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

}  // namespace

MemoryPlan LinearMemoryPlanner::Plan(const std::vector<BufferRequest>& requests) const {
  MemoryPlan plan;
  uint32_t offset = 0;
  for (const BufferRequest& r : requests) {
    plan.offsets.push_back(offset);
    offset = AlignUp(offset + r.bytes);
  }
  plan.arena_bytes = offset;
  return plan;
}

std::string ValidateMemoryPlan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan) {
  if (plan.offsets.size() != requests.size()) return "plan has a different number of buffers";
  for (size_t i = 0; i < requests.size(); ++i) {
    const uint64_t end_i = uint64_t{plan.offsets[i]} + requests[i].bytes;
    if (end_i > plan.arena_bytes) return "buffer " + std::to_string(i) + " ends past the arena";
    if (plan.offsets[i] % kArenaAlignment != 0) return "buffer " + std::to_string(i) + " is misaligned";
    for (size_t j = i + 1; j < requests.size(); ++j) {
      const bool live_together = requests[i].first_op <= requests[j].last_op &&
                                 requests[j].first_op <= requests[i].last_op;
      const uint64_t end_j = uint64_t{plan.offsets[j]} + requests[j].bytes;
      const bool overlap = plan.offsets[i] < end_j && plan.offsets[j] < end_i;
      if (live_together && overlap && requests[i].bytes > 0 && requests[j].bytes > 0) {
        return "buffers " + std::to_string(i) + " and " + std::to_string(j) + " overlap while both live";
      }
    }
  }
  return {};
}

}  // namespace tml::compiler
