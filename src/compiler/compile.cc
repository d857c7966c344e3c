#include "compiler/compile.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include "compiler/lowering/lowering.h"
#include "compiler/passes/passes.h"
#include "compiler/plan_writer.h"
#include "compiler/planner/memory_planner.h"
#include "compiler/tflite/tflite_reader.h"

namespace tml::compiler {
namespace {

Result<DType> ToPlanType(const Graph& graph, int32_t id) {
  switch (graph.tensors[id].type) {
    case ElementType::kFloat32: return DType::kFloat32;
    case ElementType::kInt8: return DType::kInt8;
    case ElementType::kInt16: return DType::kInt16;
    case ElementType::kInt32: return DType::kInt32;
    case ElementType::kUInt8: return DType::kUInt8;
    default: break;
  }
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

    std::vector<int32_t> roots;
    std::vector<BufferRequest> requests;
    for (const auto& [root, span] : lifetime_) {
      roots.push_back(root);
      requests.push_back({static_cast<uint32_t>(graph_.tensors[root].byte_size()), span.first, span.second});
    }
    const MemoryPlan memory = GreedyMemoryPlanner().Plan(requests);
    if (options.validate_memory_plan) {
      if (std::string problem = ValidateMemoryPlan(requests, memory); !problem.empty()) {
        return Fail("internal error: memory plan is invalid: " + problem);
      }
    }
    for (size_t i = 0; i < roots.size(); ++i) offset_[roots[i]] = memory.offsets[i];
    log->push_back("memory plan: " + std::to_string(roots.size()) + " buffers in " +
                   std::to_string(memory.arena_bytes) + " arena bytes (no reuse would need " +
                   std::to_string(LinearMemoryPlanner().Plan(requests).arena_bytes) + ")");

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
  auto contents = PlanBuilder(*graph, *lowered).Build(options, &model.log);
  if (!contents) return tl::unexpected(contents.error());
  model.plan = WritePlan(*contents);
  return model;
}

}  // namespace tml::compiler
