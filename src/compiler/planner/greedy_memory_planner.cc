#include <algorithm>
#include <numeric>

#include "compiler/planner/memory_planner.h"

namespace tml::compiler {

MemoryPlan GreedyMemoryPlanner::Plan(const std::vector<BufferRequest>& requests) const {
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Largest first; ties by earlier start, then index, so the plan is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
    return requests[a].first_op < requests[b].first_op;
  });
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> placed;
  for (size_t index : order) {
    const BufferRequest& r = requests[index];
    // Regions already taken by buffers that are live at the same time, sorted by offset.
    std::vector<std::pair<uint32_t, uint32_t>> taken;
    for (size_t other : placed) {
      const BufferRequest& o = requests[other];
      if (r.first_op <= o.last_op && o.first_op <= r.last_op && o.bytes > 0) {
        taken.emplace_back(plan.offsets[other], plan.offsets[other] + o.bytes);
      }
    }
    std::sort(taken.begin(), taken.end());
    uint32_t candidate = 0;
    for (const auto& [begin, end] : taken) {
      if (candidate + r.bytes <= begin) break;
      if (end > candidate) {
        candidate = (end + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
      }
    }
    plan.offsets[index] = candidate;
    plan.arena_bytes = std::max(plan.arena_bytes, candidate + r.bytes);
    placed.push_back(index);
  }
  plan.arena_bytes = (plan.arena_bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
  return plan;
}

}  // namespace tml::compiler
