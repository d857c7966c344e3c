#include "tests/support/model_builder.h"

#include <gtest/gtest.h>

#include <random>

#include "compiler/compile.h"
#include "compiler/loaded_plan.h"
#include "runtime/interpreter.h"
#include "runtime/plan.h"

namespace tml::testing {

ModelBuilder::ModelBuilder() {
  // Buffer 0 is the conventional empty buffer.
  buffers_.push_back(tflite::CreateBuffer(fbb_));
}

int32_t ModelBuilder::AddTensor(const std::string& name, tflite::TensorType type,
                                std::vector<int32_t> shape, Quant quant, std::vector<uint8_t> data) {
  uint32_t buffer = 0;
  if (!data.empty()) {
    fbb_.ForceVectorAlignment(data.size(), 1, 16);
    buffers_.push_back(tflite::CreateBuffer(fbb_, fbb_.CreateVector(data)));
    buffer = static_cast<uint32_t>(buffers_.size() - 1);
  }
  flatbuffers::Offset<tflite::QuantizationParameters> q = 0;
  if (!quant.scale.empty()) {
    if (quant.zero_point.empty()) quant.zero_point.assign(quant.scale.size(), 0);
    q = tflite::CreateQuantizationParameters(fbb_, 0, 0, fbb_.CreateVector(quant.scale),
                                             fbb_.CreateVector(quant.zero_point), quant.axis);
  }
  tensors_.push_back(tflite::CreateTensor(fbb_, fbb_.CreateVector(shape), type, buffer,
                                          fbb_.CreateString(name), q));
  return static_cast<int32_t>(tensors_.size() - 1);
}

void ModelBuilder::AddOp(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                         OptionsFn options) {
  if (static_cast<size_t>(code) >= opcode_of_code_.size()) opcode_of_code_.resize(code + 1, -1);
  if (opcode_of_code_[code] < 0) {
    opcode_of_code_[code] = static_cast<int32_t>(codes_.size());
    codes_.push_back(tflite::CreateOperatorCode(fbb_, static_cast<int8_t>(std::min(code, 127)), 0, 1, code));
  }
  auto opts = options ? options(fbb_) : std::pair{tflite::BuiltinOptions_NONE, flatbuffers::Offset<void>()};
  ops_.push_back(tflite::CreateOperator(fbb_, static_cast<uint32_t>(opcode_of_code_[code]),
                                        fbb_.CreateVector(inputs), fbb_.CreateVector(outputs), opts.first,
                                        opts.second));
}

std::vector<uint8_t> ModelBuilder::Build(std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
  auto subgraph = tflite::CreateSubGraph(fbb_, fbb_.CreateVector(tensors_), fbb_.CreateVector(inputs),
                                         fbb_.CreateVector(outputs), fbb_.CreateVector(ops_),
                                         fbb_.CreateString("main"));
  auto model = tflite::CreateModel(fbb_, 3, fbb_.CreateVector(codes_),
                                   fbb_.CreateVector(std::vector{subgraph}),
                                   fbb_.CreateString("test model"), fbb_.CreateVector(buffers_));
  tflite::FinishModelBuffer(fbb_, model);
  return {fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize()};
}

std::vector<std::vector<uint8_t>> CompileAndRun(const std::vector<uint8_t>& tflite,
                                                const std::vector<std::vector<uint8_t>>& inputs, bool in_place,
                                                uint32_t* arena_bytes) {
  compiler::CompileOptions options;
  options.in_place = in_place;
  auto compiled = compiler::Compile(tflite, options);
  if (!compiled) {
    ADD_FAILURE() << "compile failed: " << compiled.error().message;
    return {};
  }
  auto loaded = compiler::LoadedPlan::From(compiled->plan);
  if (!loaded) {
    ADD_FAILURE() << "plan load failed: " << loaded.error().message;
    return {};
  }
  const Plan& plan = loaded->plan();
  if (arena_bytes != nullptr) *arena_bytes = plan.arena_bytes();
  std::vector<uint64_t> arena((plan.arena_bytes() + 7) / 8 + 1, 0x5A5A5A5A5A5A5A5Aull);
  Interpreter interpreter;
  EXPECT_EQ(interpreter.Init(&plan, reinterpret_cast<uint8_t*>(arena.data()), plan.arena_bytes()), Status::kOk);
  EXPECT_EQ(inputs.size(), plan.num_inputs());
  for (uint32_t i = 0; i < plan.num_inputs() && i < inputs.size(); ++i) {
    EXPECT_EQ(inputs[i].size(), interpreter.input_record(i).bytes) << "input " << i;
    std::memcpy(interpreter.input(i), inputs[i].data(), std::min<size_t>(inputs[i].size(), interpreter.input_record(i).bytes));
  }
  interpreter.Invoke();
  std::vector<std::vector<uint8_t>> outputs;
  for (uint32_t i = 0; i < plan.num_outputs(); ++i) {
    outputs.emplace_back(interpreter.output(i), interpreter.output(i) + interpreter.output_record(i).bytes);
  }
  return outputs;
}

std::vector<uint8_t> OneOpModel(int32_t code, const std::vector<TensorSpec>& inputs, const TensorSpec& output,
                                OptionsFn options) {
  ModelBuilder m;
  std::vector<int32_t> ids, model_inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec& t = inputs[i];
    ids.push_back(m.AddTensor("in" + std::to_string(i), t.type, t.shape, t.quant, t.data));
    if (t.data.empty()) model_inputs.push_back(ids.back());
  }
  const int32_t out = m.AddTensor("out", output.type, output.shape, output.quant);
  m.AddOp(code, ids, {out}, std::move(options));
  return m.Build(model_inputs, {out});
}

std::vector<uint8_t> RunOneOp(int32_t code, const std::vector<TensorSpec>& inputs, const TensorSpec& output,
                              const std::vector<std::vector<uint8_t>>& values, OptionsFn options) {
  auto outputs = CompileAndRun(OneOpModel(code, inputs, output, std::move(options)), values);
  return outputs.empty() ? std::vector<uint8_t>{} : outputs[0];
}

std::string CompileError(const std::vector<uint8_t>& tflite) {
  auto compiled = compiler::Compile(tflite);
  return compiled ? std::string() : compiled.error().message;
}

std::vector<float> RandomFloats(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<int8_t> RandomInt8(size_t n, uint32_t seed, int lo, int hi) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(dist(rng));
  return v;
}

}  // namespace tml::testing
