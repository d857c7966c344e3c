#include "runtime/plan.h"

#include "runtime/kernel_table.h"
#include "runtime/tensor_view.h"

namespace tml {
namespace {

constexpr uint32_t kMaxOpTensors = 16;

/// True if [offset, offset + bytes) lies inside [0, limit) without overflow.
bool InRange(uint32_t offset, uint64_t bytes, uint32_t limit) {
  return offset <= limit && bytes <= static_cast<uint64_t>(limit - offset);
}

bool Aligned(uint32_t offset, uint32_t alignment) { return offset % alignment == 0; }

}  // namespace

Status Plan::Load(const uint8_t* data, uint32_t size, Plan* out) {
  *out = Plan();
  if (reinterpret_cast<uintptr_t>(data) % kPlanAlignment != 0) return Status::kMisaligned;
  if (size < sizeof(PlanHeader)) return Status::kTruncated;
  const auto* header = reinterpret_cast<const PlanHeader*>(data);
  for (int i = 0; i < 4; ++i) {
    if (header->magic[i] != kPlanMagic[i]) return Status::kBadMagic;
  }
  if (header->format_version != kPlanFormatVersion) return Status::kUnsupportedVersion;
  if (header->opset_version > kOpSetVersion) return Status::kUnsupportedOpSet;
  if (header->header_bytes != sizeof(PlanHeader)) return Status::kBadSection;
  if (header->total_bytes > size || header->total_bytes < sizeof(PlanHeader)) {
    return Status::kTruncated;
  }
  const uint32_t total = header->total_bytes;
  const bool sections_ok =
      InRange(header->tensors_offset, uint64_t{header->num_tensors} * sizeof(TensorRecord), total) &&
      InRange(header->ops_offset, uint64_t{header->num_ops} * sizeof(OpRecord), total) &&
      InRange(header->inputs_offset, uint64_t{header->num_inputs} * 4, total) &&
      InRange(header->outputs_offset, uint64_t{header->num_outputs} * 4, total) &&
      InRange(header->data_offset, header->data_bytes, total) &&
      Aligned(header->tensors_offset, 4) && Aligned(header->ops_offset, 4) &&
      Aligned(header->inputs_offset, 4) && Aligned(header->outputs_offset, 4);
  if (!sections_ok) return Status::kBadSection;

  Plan plan;
  plan.base_ = data;
  plan.header_ = header;
  plan.tensors_ = reinterpret_cast<const TensorRecord*>(data + header->tensors_offset);
  plan.ops_ = reinterpret_cast<const OpRecord*>(data + header->ops_offset);
  plan.inputs_ = reinterpret_cast<const uint32_t*>(data + header->inputs_offset);
  plan.outputs_ = reinterpret_cast<const uint32_t*>(data + header->outputs_offset);

  Status status = plan.ValidateTensors();
  if (status != Status::kOk) return status;
  for (uint32_t i = 0; i < header->num_inputs; ++i) {
    if (plan.inputs_[i] >= header->num_tensors ||
        plan.tensors_[plan.inputs_[i]].storage != Storage::kArena) {
      return Status::kBadIndex;
    }
  }
  for (uint32_t i = 0; i < header->num_outputs; ++i) {
    if (plan.outputs_[i] >= header->num_tensors ||
        plan.tensors_[plan.outputs_[i]].storage != Storage::kArena) {
      return Status::kBadIndex;
    }
  }
  status = plan.ValidateOps();
  out->failed_op_ = plan.failed_op_;
  if (status != Status::kOk) return status;
  *out = plan;
  return Status::kOk;
}

Status Plan::ValidateTensors() const {
  const uint32_t total = header_->total_bytes;
  for (uint32_t i = 0; i < header_->num_tensors; ++i) {
    const TensorRecord& t = tensors_[i];
    const uint32_t element = DTypeSize(t.type);
    if (element == 0 || t.rank > kMaxRank) return Status::kBadTensor;
    uint64_t count = 1;
    for (uint32_t d = 0; d < t.rank; ++d) {
      if (t.dims[d] <= 0) return Status::kBadTensor;
      count *= static_cast<uint64_t>(t.dims[d]);
      if (count > 0x7fffffffu) return Status::kBadTensor;
    }
    if (count * element != t.bytes) return Status::kBadTensor;
    if (t.storage == Storage::kArena) {
      if (!InRange(t.offset, t.bytes, header_->arena_bytes) || !Aligned(t.offset, element)) {
        return Status::kBadTensor;
      }
    } else if (t.storage == Storage::kConstant) {
      if (!InRange(t.offset, t.bytes, total) || !Aligned(t.offset, element)) {
        return Status::kBadTensor;
      }
    } else {
      return Status::kBadTensor;
    }
    if (t.name_offset != 0) {
      // The name must be NUL-terminated inside the plan.
      uint32_t end = t.name_offset;
      while (end < total && base_[end] != 0) ++end;
      if (end >= total) return Status::kBadTensor;
    }
  }
  return Status::kOk;
}

Status Plan::ValidateOps() {
  const uint32_t total = header_->total_bytes;
  for (uint32_t i = 0; i < header_->num_ops; ++i) {
    failed_op_ = static_cast<int32_t>(i);
    const OpRecord& op = ops_[i];
    const uint32_t io_count = uint32_t{op.num_inputs} + op.num_outputs;
    if (io_count > kMaxOpTensors || op.num_outputs == 0) return Status::kBadOp;
    if (!InRange(op.io_offset, uint64_t{io_count} * 4, total) || !Aligned(op.io_offset, 4)) {
      return Status::kBadSection;
    }
    if (!InRange(op.params_offset, op.params_bytes, total) || !Aligned(op.params_offset, 4)) {
      return Status::kBadSection;
    }
    const KernelInfo* kernel = FindKernel(op.kernel_id);
    if (kernel == nullptr) return Status::kUnknownKernel;

    const int32_t* io = op_io(op);
    TensorView views[kMaxOpTensors];
    for (uint32_t k = 0; k < io_count; ++k) {
      if (io[k] == -1 && k < op.num_inputs) continue;  // absent optional input
      if (io[k] < 0 || static_cast<uint32_t>(io[k]) >= header_->num_tensors) return Status::kBadOp;
      views[k].record = &tensors_[io[k]];
      // Constants are already in place, so Prepare can check their values (e.g. shifts).
      if (views[k].record->storage == Storage::kConstant) {
        views[k].data = const_cast<uint8_t*>(base_ + views[k].record->offset);
      }
      if (k >= op.num_inputs && views[k].record->storage != Storage::kArena) return Status::kBadOp;
    }
    OpContext ctx{views, views + op.num_inputs, op.num_inputs, op.num_outputs,
                  op_params(op), op.params_bytes};
    if (kernel->prepare(ctx) != Status::kOk) return Status::kBadParams;
  }
  failed_op_ = -1;
  return Status::kOk;
}

const int32_t* Plan::op_io(const OpRecord& op) const {
  return reinterpret_cast<const int32_t*>(base_ + op.io_offset);
}

const char* Plan::tensor_name(uint32_t i) const {
  const uint32_t offset = tensors_[i].name_offset;
  return offset == 0 ? "" : reinterpret_cast<const char*>(base_ + offset);
}

}  // namespace tml
