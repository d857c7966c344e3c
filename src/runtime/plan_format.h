#pragma once
// The binary layout of a compiled model (.tmlp), shared by the plan writer (host) and the
// plan reader (runtime). Documented in docs/formats/plan.md; change both together and bump
// kPlanFormatVersion when the layout changes.
//
// All integers are little-endian; every section starts at an 8-byte aligned offset from the
// start of the plan, so the runtime can read the plan in place from flash.

#include <stdint.h>

namespace tml {

inline constexpr uint8_t kPlanMagic[4] = {'T', 'M', 'L', 'P'};
/// Version of the byte layout below.
inline constexpr uint16_t kPlanFormatVersion = 1;
/// Version of the kernel set (ids and parameter structs). A plan may use any op set up to this.
inline constexpr uint16_t kOpSetVersion = 1;
inline constexpr uint32_t kMaxRank = 6;
inline constexpr uint32_t kPlanAlignment = 8;
/// Constant tensor data is aligned more strictly so that kernels may use wide loads.
inline constexpr uint32_t kConstAlignment = 16;

/// Element types. Values are part of the format.
enum class DType : uint8_t { kFloat32 = 0, kInt8 = 1, kInt16 = 2, kInt32 = 3, kUInt8 = 4 };

/// Where a tensor's bytes live.
enum class Storage : uint8_t { kArena = 0, kConstant = 1 };

/// First 96 bytes of every plan.
struct PlanHeader {
  uint8_t magic[4];
  uint16_t format_version;
  uint16_t opset_version;
  uint32_t header_bytes;   ///< sizeof(PlanHeader) at write time
  uint32_t total_bytes;    ///< size of the whole plan
  uint32_t arena_bytes;    ///< RAM the interpreter needs for activations and scratch
  uint32_t num_tensors;
  uint32_t tensors_offset; ///< TensorRecord[num_tensors]
  uint32_t num_ops;
  uint32_t ops_offset;     ///< OpRecord[num_ops]
  uint32_t num_inputs;
  uint32_t inputs_offset;  ///< uint32_t tensor indices
  uint32_t num_outputs;
  uint32_t outputs_offset; ///< uint32_t tensor indices
  uint32_t data_offset;    ///< start of the data section (constants, op params, index lists, names)
  uint32_t data_bytes;
  uint32_t reserved;
  uint8_t content_sha256[32];  ///< SHA-256 of bytes [header_bytes, total_bytes)
};
static_assert(sizeof(PlanHeader) == 96, "PlanHeader layout is part of the format");

/// One tensor: shape, type, quantization and location.
struct TensorRecord {
  DType type;
  uint8_t rank;
  Storage storage;
  uint8_t reserved;
  int32_t dims[kMaxRank];
  uint32_t offset;       ///< arena offset, or offset from the plan start for constants
  uint32_t bytes;        ///< element count * element size
  float scale;           ///< per-tensor scale (0 for float tensors)
  int32_t zero_point;
  uint32_t name_offset;  ///< NUL-terminated name, offset from the plan start (0 = none)
};
static_assert(sizeof(TensorRecord) == 48, "TensorRecord layout is part of the format");

/// One op: a kernel id, its tensors and its precomputed parameters.
struct OpRecord {
  uint16_t kernel_id;
  uint8_t num_inputs;
  uint8_t num_outputs;
  uint32_t io_offset;      ///< int32_t tensor indices: inputs then outputs; -1 = absent optional input
  uint32_t params_offset;  ///< kernel parameter struct, offset from the plan start
  uint32_t params_bytes;
  uint32_t source_op;      ///< index of the op in the source model, for messages
  uint32_t macs;           ///< multiply-accumulates per inference (informational)
};
static_assert(sizeof(OpRecord) == 24, "OpRecord layout is part of the format");

/// Size in bytes of one element of a type.
constexpr uint32_t DTypeSize(DType type) {
  switch (type) {
    case DType::kFloat32: return 4;
    case DType::kInt8: return 1;
    case DType::kInt16: return 2;
    case DType::kInt32: return 4;
    case DType::kUInt8: return 1;
  }
  return 0;
}

}  // namespace tml
