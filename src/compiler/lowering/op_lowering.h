#pragma once
// Helpers shared by the per-op lowering functions: typed access to the op's tensors and
// checks that produce "op N (NAME): tensor T 'name': reason" errors.

#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "compiler/lowering/lowering.h"
#include "compiler/quantization.h"
#include "runtime/plan_format.h"

namespace tml::compiler {

/// The op being lowered, with the graph it belongs to.
class OpLowering {
 public:
  OpLowering(Graph& graph, const Op& op, LoweredGraph& out) : graph_(graph), op_(op), out_(out) {}

  const Op& op() const { return op_; }
  Graph& graph() { return graph_; }
  const OpOptions& options() const { return op_.options; }
  size_t num_inputs() const { return op_.inputs.size(); }
  bool has_input(size_t i) const { return i < op_.inputs.size() && op_.inputs[i] >= 0; }
  int32_t input_id(size_t i) const { return op_.inputs[i]; }
  int32_t output_id(size_t i) const { return op_.outputs[i]; }
  const Tensor& input(size_t i) const { return graph_.tensors[op_.inputs[i]]; }
  const Tensor& output(size_t i = 0) const { return graph_.tensors[op_.outputs[i]]; }

  /// An error about the op as a whole.
  tl::unexpected<Error> Fail(const std::string& reason) const;
  /// An error about one of its tensors.
  tl::unexpected<Error> FailTensor(int32_t tensor_id, const std::string& reason) const;

  /// Between min and max inputs (absent optional ones included) and exactly `outputs` outputs.
  Result<void> ExpectArity(size_t min_inputs, size_t max_inputs, size_t outputs) const;
  Result<void> ExpectType(int32_t tensor_id, ElementType type) const;
  Result<void> ExpectRank(int32_t tensor_id, size_t rank) const;
  /// Input `i` must be a constant tensor (e.g. a filter, a shape, an axis list).
  Result<void> ExpectConstant(size_t i) const;
  /// Per-tensor quantization parameters of a tensor (error if missing or per-channel).
  Result<std::pair<float, int32_t>> PerTensorQuant(int32_t tensor_id) const;
  /// The op's main element type: float32 or int8, taken from input 0 and checked on output 0.
  Result<ElementType> FloatOrInt8() const;
  /// Integer values of constant input `i` (int32 or int64).
  Result<std::vector<int64_t>> ConstantInts(size_t i) const;

  /// Adds a constant int32 vector to the graph, returns its id.
  int32_t AddInt32Constant(const std::string& name, const std::vector<int32_t>& values);

  /// Adds the per-channel multiplier and shift vectors of an int8 conv/FC:
  /// real = input_scale * filter_scale[c] / output_scale (in double, as TFLite). Returns their ids.
  Result<std::pair<int32_t, int32_t>> AddRequantVectors(float input_scale,
                                                        const std::vector<float>& filter_scales,
                                                        int32_t channels, float output_scale);

  /// Per-tensor quantization of input 0 and output 0, and the input/output scale ratio as a
  /// multiplier: what every requantizing element-wise op needs.
  struct Requantization {
    float input_scale;
    int32_t input_zero_point;
    float output_scale;
    int32_t output_zero_point;
    QuantizedMultiplier ratio;

    /// Fills the zero points and the multiplier of a requantizing kernel's params.
    template <typename P>
    void ApplyTo(P& params) const {
      params.input_zero_point = input_zero_point;
      params.output_zero_point = output_zero_point;
      params.multiplier = ratio.multiplier;
      params.shift = ratio.shift;
    }
  };
  Result<Requantization> InputToOutputRequantization() const;

  /// QuantizeMultiplier(real), or an error if the runtime cannot apply it (shift above 30).
  Result<QuantizedMultiplier> Multiplier(double real) const;

  /// Records `tensor` as sharing `target`'s bytes.
  void AddAlias(int32_t tensor, int32_t target) { out_.aliases.push_back({tensor, target}); }

  template <typename P>
  LoweredOp Make(KernelId kernel, std::vector<int32_t> inputs, const P& params,
                 uint64_t macs = 0) const {
    LoweredOp lowered;
    lowered.kernel = kernel;
    lowered.inputs = std::move(inputs);
    lowered.outputs = op_.outputs;
    lowered.params.resize(sizeof(P));
    std::memcpy(lowered.params.data(), &params, sizeof(P));
    lowered.source_index = op_.source_index;
    lowered.macs = macs;
    return lowered;
  }

  /// An op without parameters.
  LoweredOp MakeNoParams(KernelId kernel, std::vector<int32_t> inputs) const;

 private:
  Graph& graph_;
  const Op& op_;
  LoweredGraph& out_;
};

/// `lowered` with permission to write its output over input 0 for kernels that stream output
/// rows in order (conv, depthwise, pool): the output starts the smallest number of bytes
/// before the input such that writing row oy never reaches input rows later rows still read.
/// Unchanged if the op cannot run in place (batch > 1).
LoweredOp RowStreamingOp(const OpLowering& op, LoweredOp lowered, int32_t stride_h, int32_t pad_h);
/// True if an element-wise kernel may overwrite its input (same count, output elements no wider).
bool ElementwiseInPlace(const Tensor& input, const Tensor& output);

/// `lowered` with permission to overwrite input 0 if ElementwiseInPlace holds.
LoweredOp ElementwiseOp(const OpLowering& op, LoweredOp lowered);

/// A lowering function returns the kernel call, or nothing when the op vanished.
using LowerResult = Result<std::vector<LoweredOp>>;

// One function per op family; each lives in lower_<family>.cc.
LowerResult LowerConv2D(OpLowering& op);
LowerResult LowerDepthwiseConv2D(OpLowering& op);
LowerResult LowerFullyConnected(OpLowering& op);
LowerResult LowerPool(OpLowering& op);
LowerResult LowerAddMul(OpLowering& op);
LowerResult LowerSoftmax(OpLowering& op);
LowerResult LowerReshape(OpLowering& op);
LowerResult LowerConcatenation(OpLowering& op);
LowerResult LowerPad(OpLowering& op);
LowerResult LowerTranspose(OpLowering& op);
LowerResult LowerStridedSlice(OpLowering& op);
LowerResult LowerMean(OpLowering& op);
LowerResult LowerQuantize(OpLowering& op);
LowerResult LowerDequantize(OpLowering& op);
LowerResult LowerRelu(OpLowering& op);
LowerResult LowerLogisticTanh(OpLowering& op);
LowerResult LowerHardSwish(OpLowering& op);

}  // namespace tml::compiler
