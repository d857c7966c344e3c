#include "compiler/plan_writer.h"

#include "common/digest.h"

#include <cstring>

namespace tml::compiler {
namespace {

/// Appends to a byte vector at aligned offsets, returning where each piece landed.
class ByteWriter {
 public:
  uint32_t Align(uint32_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(0);
    return static_cast<uint32_t>(bytes_.size());
  }
  uint32_t Append(const void* data, size_t size, uint32_t alignment) {
    const uint32_t at = Align(alignment);
    if (size == 0) return at;
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
    return at;
  }
  uint32_t Reserve(size_t size, uint32_t alignment) {
    const uint32_t at = Align(alignment);
    bytes_.resize(bytes_.size() + size, 0);
    return at;
  }
  uint8_t* at(uint32_t offset) { return bytes_.data() + offset; }
  uint32_t size() const { return static_cast<uint32_t>(bytes_.size()); }
  std::vector<uint8_t> Take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace

std::vector<uint8_t> WritePlan(const PlanContents& c) {
  ByteWriter w;
  w.Reserve(sizeof(PlanHeader), kPlanAlignment);
  const uint32_t tensors_offset = w.Reserve(c.tensors.size() * sizeof(TensorRecord), kPlanAlignment);
  const uint32_t ops_offset = w.Reserve(c.ops.size() * sizeof(OpRecord), kPlanAlignment);
  const uint32_t inputs_offset = w.Append(c.inputs.data(), c.inputs.size() * 4, kPlanAlignment);
  const uint32_t outputs_offset = w.Append(c.outputs.data(), c.outputs.size() * 4, kPlanAlignment);
  const uint32_t data_offset = w.Align(kPlanAlignment);

  std::vector<OpRecord> ops(c.ops.size());
  for (size_t i = 0; i < c.ops.size(); ++i) {
    const PlanOp& op = c.ops[i];
    OpRecord& r = ops[i];
    r.kernel_id = op.kernel_id;
    r.num_inputs = op.num_inputs;
    r.num_outputs = static_cast<uint8_t>(op.io.size() - op.num_inputs);
    r.io_offset = w.Append(op.io.data(), op.io.size() * 4, 4);
    r.params_offset = w.Append(op.params.data(), op.params.size(), kPlanAlignment);
    r.params_bytes = static_cast<uint32_t>(op.params.size());
    r.source_op = op.source_op;
    r.macs = op.macs;
  }
  std::vector<TensorRecord> tensors(c.tensors.size());
  for (size_t i = 0; i < c.tensors.size(); ++i) {
    const PlanTensor& t = c.tensors[i];
    TensorRecord& r = tensors[i];
    r.type = t.type;
    r.rank = static_cast<uint8_t>(t.shape.size());
    r.storage = t.storage;
    uint32_t count = 1;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      r.dims[d] = t.shape[d];
      count *= static_cast<uint32_t>(t.shape[d]);
    }
    r.bytes = count * DTypeSize(t.type);
    r.scale = t.scale;
    r.zero_point = t.zero_point;
    r.name_offset = t.name.empty() ? 0 : w.Append(t.name.c_str(), t.name.size() + 1, 1);
  }
  // Constants last and 16-byte aligned, so weights sit in one contiguous block.
  for (size_t i = 0; i < c.tensors.size(); ++i) {
    const PlanTensor& t = c.tensors[i];
    tensors[i].offset = t.storage == Storage::kConstant ? w.Append(t.data.data(), t.data.size(), kConstAlignment)
                                                        : t.arena_offset;
  }
  const uint32_t total = w.Align(kPlanAlignment);
  if (!tensors.empty()) std::memcpy(w.at(tensors_offset), tensors.data(), tensors.size() * sizeof(TensorRecord));
  if (!ops.empty()) std::memcpy(w.at(ops_offset), ops.data(), ops.size() * sizeof(OpRecord));

  PlanHeader h{};
  std::memcpy(h.magic, kPlanMagic, 4);
  h.format_version = kPlanFormatVersion;
  h.opset_version = kOpSetVersion;
  h.header_bytes = sizeof(PlanHeader);
  h.total_bytes = total;
  h.arena_bytes = c.arena_bytes;
  h.num_tensors = static_cast<uint32_t>(c.tensors.size());
  h.tensors_offset = tensors_offset;
  h.num_ops = static_cast<uint32_t>(c.ops.size());
  h.ops_offset = ops_offset;
  h.num_inputs = static_cast<uint32_t>(c.inputs.size());
  h.inputs_offset = inputs_offset;
  h.num_outputs = static_cast<uint32_t>(c.outputs.size());
  h.outputs_offset = outputs_offset;
  h.data_offset = data_offset;
  h.data_bytes = total - data_offset;
  const std::vector<uint8_t> hash = common::Sha256(w.at(sizeof(PlanHeader)), total - sizeof(PlanHeader));
  std::memcpy(h.content_sha256, hash.data(), 32);
  std::memcpy(w.at(0), &h, sizeof(h));
  return w.Take();
}

}  // namespace tml::compiler
