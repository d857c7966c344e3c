#pragma once
// The compiler's intermediate representation: a TFLite subgraph after reading and
// validation, with TFLite's semantics (NHWC, per-axis quantization) but owned data.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "runtime/plan_format.h"

namespace tml::compiler {

/// Element types the compiler knows. Only some of them may appear in a plan.
enum class ElementType : uint8_t { kFloat32, kInt8, kInt16, kInt32, kInt64, kUInt8, kBool };

const char* ElementTypeName(ElementType type);
/// Bytes per element.
uint32_t ElementSize(ElementType type);
/// The plan's element type, or nullopt for types a plan cannot store (int64, bool).
std::optional<DType> ToPlanType(ElementType type);

/// Affine quantization: real = scale * (q - zero_point), per tensor or along `axis`.
struct Quantization {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t axis = 0;

  bool present() const { return !scale.empty(); }
  bool per_channel() const { return scale.size() > 1; }
};

struct Tensor {
  std::string name;
  ElementType type = ElementType::kFloat32;
  std::vector<int32_t> shape;
  Quantization quant;
  bool is_constant = false;
  std::vector<uint8_t> data;  ///< constant bytes, little-endian, row-major

  int64_t element_count() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
  }
  int64_t byte_size() const { return element_count() * ElementSize(type); }
  /// Constant data viewed as T (caller checks type).
  template <typename T>
  const T* values() const { return reinterpret_cast<const T*>(data.data()); }
};

enum class Padding : uint8_t { kSame, kValid };
enum class Activation : uint8_t { kNone, kRelu, kReluN1To1, kRelu6, kTanh, kSignBit };

/// Builtin options of the ops we read, flattened into one struct (unused fields keep defaults).
struct OpOptions {
  Padding padding = Padding::kValid;
  int32_t stride_w = 1, stride_h = 1;
  int32_t dilation_w = 1, dilation_h = 1;
  int32_t filter_w = 1, filter_h = 1;
  int32_t depth_multiplier = 1;
  Activation activation = Activation::kNone;
  float beta = 1.0f;
  int32_t axis = 0;
  bool keep_dims = false;
  bool keep_num_dims = false;
  int32_t begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0,
          shrink_axis_mask = 0;
  bool slice_offset = false;
};

struct Op {
  int32_t builtin_code = 0;   ///< TFLite BuiltinOperator value
  int32_t source_index = 0;   ///< index in the source model's operator list
  std::vector<int32_t> inputs;   ///< tensor ids; -1 = absent optional input
  std::vector<int32_t> outputs;
  OpOptions options;
};

struct Graph {
  /// A deque, so that appending a tensor (lowering adds constants) never invalidates
  /// references to existing ones.
  std::deque<Tensor> tensors;
  std::vector<Op> ops;  ///< in execution order
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;

  /// Ops that read tensor `id`, by position in `ops`.
  std::vector<size_t> ConsumersOf(int32_t id) const;
  bool IsGraphOutput(int32_t id) const;
  bool IsGraphInput(int32_t id) const;
};

/// TFLite builtin operator codes the compiler lowers.
namespace builtin {
inline constexpr int32_t kAdd = 0, kAveragePool2D = 1, kConcatenation = 2, kConv2D = 3,
                         kDepthwiseConv2D = 4, kDequantize = 6, kFullyConnected = 9,
                         kLogistic = 14, kMaxPool2D = 17, kMul = 18, kRelu = 19,
                         kReluN1To1 = 20, kRelu6 = 21, kReshape = 22, kSoftmax = 25,
                         kTanh = 28, kPad = 34, kTranspose = 39, kMean = 40, kSqueeze = 43,
                         kStridedSlice = 45, kExpandDims = 70, kQuantize = 114,
                         kHardSwish = 117;
}  // namespace builtin

/// "CONV_2D" for 3; "BUILTIN_999" for codes without a name.
std::string BuiltinName(int32_t code);

/// "op 3 (CONV_2D)", the prefix of every message about an op.
std::string OpLabel(const Op& op);
/// "tensor 7 'conv/weights'".
std::string TensorLabel(const Graph& graph, int32_t id);

}  // namespace tml::compiler
