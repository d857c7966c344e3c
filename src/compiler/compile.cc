#include "compiler/compile.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "compiler/lowering/lowering.h"
#include "compiler/passes/passes.h"
#include "compiler/plan_writer.h"
#include "compiler/planner/memory_planner.h"
#include "compiler/tflite/tflite_reader.h"

namespace tml::compiler {
namespace {

Result<DType> ToPlanType(const Graph& graph, int32_t id) {
  if (auto type = ToPlanType(graph.tensors[id].type)) return *type;
  return Fail(TensorLabel(graph, id) + ": type " + ElementTypeName(graph.tensors[id].type) +
              " cannot be stored in a plan");
}

/// Follows aliases to the tensor that owns the bytes.
int32_t Root(const std::map<int32_t, int32_t>& alias, int32_t id) {
  for (auto it = alias.find(id); it != alias.end(); it = alias.find(id)) id = it->second;
  return id;
}

/// Maps graph tensors to plan tensors and assigns arena offsets.
class PlanBuilder {
 public:
  PlanBuilder(const Graph& graph, const LoweredGraph& lowered) : graph_(graph), lowered_(lowered) {
    for (const Alias& a : lowered.aliases) alias_[a.tensor] = a.target;
  }

  Result<PlanContents> Build(const CompileOptions& options, std::vector<std::string>* log) {
    // Lifetimes of arena buffers, keyed by the root tensor that owns the bytes.
    const auto last = static_cast<int32_t>(lowered_.ops.size());
    auto touch = [&](int32_t id, int32_t at) {
      if (graph_.tensors[Root(alias_, id)].is_constant) return;
      const int32_t root = Root(alias_, id);
      auto [it, inserted] = lifetime_.try_emplace(root, std::pair{at, at});
      if (!inserted) {
        it->second.first = std::min(it->second.first, at);
        it->second.second = std::max(it->second.second, at);
      }
    };
    for (int32_t id : graph_.inputs) touch(id, 0);
    for (size_t i = 0; i < lowered_.ops.size(); ++i) {
      for (int32_t id : lowered_.ops[i].inputs) {
        if (id >= 0) touch(id, static_cast<int32_t>(i));
      }
      for (int32_t id : lowered_.ops[i].outputs) touch(id, static_cast<int32_t>(i));
    }
    for (int32_t id : graph_.outputs) touch(id, std::max(last - 1, 0) + 1);

    MemoryPlan memory;
    auto summary = PlanMemory(options, &memory);
    if (!summary) return tl::unexpected(summary.error());
    log->push_back(*summary);

    PlanContents c;
    c.arena_bytes = memory.arena_bytes;
    for (const LoweredOp& l : lowered_.ops) {
      PlanOp op;
      op.kernel_id = static_cast<uint16_t>(l.kernel);
      op.num_inputs = static_cast<uint8_t>(l.inputs.size());
      op.params = l.params;
      op.source_op = static_cast<uint32_t>(l.source_index);
      op.macs = static_cast<uint32_t>(std::min<uint64_t>(l.macs, std::numeric_limits<uint32_t>::max()));
      for (int32_t id : l.inputs) {
        if (id < 0) { op.io.push_back(-1); continue; }
        auto index = TensorIndex(id, c);
        if (!index) return tl::unexpected(index.error());
        op.io.push_back(*index);
      }
      for (int32_t id : l.outputs) {
        auto index = TensorIndex(id, c);
        if (!index) return tl::unexpected(index.error());
        op.io.push_back(*index);
      }
      c.ops.push_back(std::move(op));
    }
    for (int32_t id : graph_.inputs) {
      auto index = TensorIndex(id, c);
      if (!index) return tl::unexpected(index.error());
      c.inputs.push_back(static_cast<uint32_t>(*index));
    }
    for (int32_t id : graph_.outputs) {
      if (graph_.tensors[Root(alias_, id)].is_constant) {
        return Fail("model output " + TensorLabel(graph_, id) + " is a constant; nothing to compute");
      }
      auto index = TensorIndex(id, c);
      if (!index) return tl::unexpected(index.error());
      c.outputs.push_back(static_cast<uint32_t>(*index));
    }
    return c;
  }

 private:
  /// Buffers that share memory: an op's output written over its dying input. `rel` is each
  /// member's offset relative to the others.
  struct BufferGroup {
    std::vector<std::pair<int32_t, int64_t>> members;  // (root tensor, rel offset)
    int32_t first = 0;
    int32_t last = 0;
  };

  /// An in-place merge the planner may take: op index and which of its inputs.
  using Merge = std::pair<size_t, int32_t>;

  /// Every merge the kernels permit, in op order.
  std::vector<Merge> Candidates() const {
    std::vector<Merge> merges;
    for (size_t i = 0; i < lowered_.ops.size(); ++i) {
      for (int32_t candidate : {lowered_.ops[i].inplace_input, lowered_.ops[i].inplace_input2}) {
        if (candidate >= 0) merges.emplace_back(i, candidate);
      }
    }
    return merges;
  }

  std::vector<BufferGroup> Groups(const std::set<Merge>& allowed) const {
    std::vector<BufferGroup> groups;
    std::map<int32_t, size_t> group_of;
    std::map<int32_t, int64_t> rel;
    for (const auto& [root, span] : lifetime_) {
      group_of[root] = groups.size();
      rel[root] = 0;
      groups.push_back({{{root, 0}}, span.first, span.second});
    }
    if (allowed.empty()) return groups;
    std::set<int32_t> pinned;  // model inputs and outputs keep their own bytes
    for (int32_t id : graph_.inputs) pinned.insert(Root(alias_, id));
    for (int32_t id : graph_.outputs) pinned.insert(Root(alias_, id));
    for (size_t i = 0; i < lowered_.ops.size(); ++i) {
      const LoweredOp& op = lowered_.ops[i];
      for (int32_t candidate : {op.inplace_input, op.inplace_input2}) {
        if (candidate < 0 || op.inputs[candidate] < 0 || !allowed.count({i, candidate})) continue;
        const int32_t in = Root(alias_, op.inputs[candidate]);
        const int32_t out = Root(alias_, op.outputs[0]);
        if (!lifetime_.count(in) || !lifetime_.count(out) || in == out || pinned.count(in)) continue;
        if (lifetime_.at(in).second != static_cast<int32_t>(i)) continue;  // still read later
        BufferGroup& target = groups[group_of[in]];
        BufferGroup& source = groups[group_of[out]];
        if (&target == &source || source.members.size() != 1) continue;
        rel[out] = rel[in] - op.inplace_delta;
        target.members.emplace_back(out, rel[out]);
        target.last = std::max(target.last, source.last);
        target.first = std::min(target.first, source.first);
        source.members.clear();
        group_of[out] = group_of[in];
        break;
      }
    }
    std::erase_if(groups, [](const BufferGroup& g) { return g.members.empty(); });
    return groups;
  }

  /// The lowest and one-past-highest relative byte a group's members occupy.
  std::pair<int64_t, int64_t> Extent(const BufferGroup& g) const {
    int64_t lo = g.members.front().second;
    int64_t hi = lo;
    for (const auto& [root, r] : g.members) {
      lo = std::min(lo, r);
      hi = std::max(hi, r + graph_.tensors[root].byte_size());
    }
    return {lo, hi};
  }

  /// Places all buffers and fills offset_; returns a one-line summary for the log.
  Result<std::string> PlanMemory(const CompileOptions& options, MemoryPlan* chosen) {
    const bool in_place = options.in_place;
    auto place = [&](const std::vector<BufferGroup>& groups, std::vector<BufferRequest>* requests) {
      for (const BufferGroup& g : groups) {
        const auto [lo, hi] = Extent(g);
        requests->push_back({static_cast<uint32_t>(hi - lo), g.first, g.last});
      }
      return GreedyMemoryPlanner().Plan(*requests);
    };
    const std::vector<BufferGroup> separate = Groups({});
    std::vector<BufferRequest> separate_requests;
    const MemoryPlan separate_plan = place(separate, &separate_requests);
    std::vector<BufferGroup> groups = separate;
    std::vector<BufferRequest> requests = separate_requests;
    MemoryPlan plan = separate_plan;
    if (in_place) {
      // Merging lets a chain creep downwards, which can cost more than it saves, and single
      // merges rarely lower a peak on their own. Start from the better of "none" and "all",
      // then drop, then add, single merges while that does not grow the arena.
      const std::vector<Merge> candidates = Candidates();
      std::set<Merge> accepted;
      auto consider = [&](const std::set<Merge>& trial) {
        std::vector<BufferGroup> trial_groups = Groups(trial);
        std::vector<BufferRequest> trial_requests;
        const MemoryPlan trial_plan = place(trial_groups, &trial_requests);
        if (trial_plan.arena_bytes > plan.arena_bytes) return false;
        accepted = trial;
        groups = std::move(trial_groups);
        requests = std::move(trial_requests);
        plan = trial_plan;
        return true;
      };
      consider(std::set<Merge>(candidates.begin(), candidates.end()));
      for (const Merge& merge : candidates) {
        if (!accepted.count(merge)) continue;
        std::set<Merge> trial = accepted;
        trial.erase(merge);
        consider(trial);
      }
      for (const Merge& merge : candidates) {
        if (accepted.count(merge)) continue;
        std::set<Merge> trial = accepted;
        trial.insert(merge);
        consider(trial);
      }
    }
    if (options.validate_memory_plan) {
      if (std::string problem = ValidateMemoryPlan(requests, plan); !problem.empty()) {
        return Fail("internal error: memory plan is invalid: " + problem);
      }
    }
    size_t shared = 0;
    for (size_t g = 0; g < groups.size(); ++g) {
      const int64_t lo = Extent(groups[g]).first;
      for (const auto& [root, r] : groups[g].members) offset_[root] = plan.offsets[g] + static_cast<uint32_t>(r - lo);
      shared += groups[g].members.size() - 1;
    }
    *chosen = plan;
    return "memory plan: " + std::to_string(lifetime_.size()) + " buffers in " + std::to_string(plan.arena_bytes) +
           " arena bytes (" + std::to_string(shared) + " written in place; without in-place " +
           std::to_string(separate_plan.arena_bytes) + ", without reuse " +
           std::to_string(LinearMemoryPlanner().Plan(separate_requests).arena_bytes) + ")";
  }

  Result<int32_t> TensorIndex(int32_t id, PlanContents& c) {
    if (auto it = index_.find(id); it != index_.end()) return it->second;
    const Tensor& t = graph_.tensors[id];
    auto type = ToPlanType(graph_, id);
    if (!type) return tl::unexpected(type.error());
    PlanTensor p;
    p.type = *type;
    p.shape = t.shape;
    p.name = t.name;
    if (t.quant.present() && !t.quant.per_channel()) {
      p.scale = t.quant.scale[0];
      p.zero_point = static_cast<int32_t>(t.quant.zero_point[0]);
    }
    const Tensor& owner = graph_.tensors[Root(alias_, id)];
    if (owner.is_constant) {
      p.storage = Storage::kConstant;
      p.data = owner.data;
    } else {
      p.storage = Storage::kArena;
      p.arena_offset = offset_.at(Root(alias_, id));
    }
    c.tensors.push_back(std::move(p));
    const auto index = static_cast<int32_t>(c.tensors.size() - 1);
    index_[id] = index;
    return index;
  }

  const Graph& graph_;
  const LoweredGraph& lowered_;
  std::map<int32_t, int32_t> alias_;
  std::map<int32_t, std::pair<int32_t, int32_t>> lifetime_;
  std::map<int32_t, uint32_t> offset_;
  std::map<int32_t, int32_t> index_;
};

}  // namespace

Result<CompiledModel> Compile(std::span<const uint8_t> tflite, const CompileOptions& options) {
  auto graph = ReadTflite(tflite);
  if (!graph) return tl::unexpected(graph.error());
  CompiledModel model;
  if (auto r = RunPasses(*graph, &model.log); !r) return tl::unexpected(r.error());
  auto lowered = Lower(*graph);
  if (!lowered) return tl::unexpected(lowered.error());
  model.log.push_back("evaluated " + std::to_string(FoldConstantOps(*graph, *lowered)) +
                      " ops on constants at compile time");
  auto contents = PlanBuilder(*graph, *lowered).Build(options, &model.log);
  if (!contents) return tl::unexpected(contents.error());
  model.plan = WritePlan(*contents);
  return model;
}

}  // namespace tml::compiler
