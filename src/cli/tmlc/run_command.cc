#include <CLI/CLI.hpp>
#include <chrono>
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "cli/tmlc/commands.h"
#include "cli/tmlc/file_io.h"
#include "compiler/plan_inspector.h"
#include "runtime/interpreter.h"
#include "runtime/plan.h"

namespace tml::cli {
namespace {

struct RunArgs {
  std::string plan;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  int repeat = 1;
};

std::string Describe(const TensorRecord& t) {
  const std::vector<int32_t> shape(t.dims, t.dims + t.rank);
  const char* type = t.type == DType::kFloat32 ? "float32" : t.type == DType::kInt8 ? "int8" : "other";
  return std::string(type) + " " + compiler::ShapeToString(shape) + ", " + std::to_string(t.bytes) + " bytes";
}

/// Real value of element i of an int8 or float32 tensor.
double RealValue(const TensorRecord& t, const uint8_t* data, uint32_t i) {
  if (t.type == DType::kInt8) {
    return static_cast<double>(t.scale * static_cast<float>(static_cast<int8_t>(data[i]) - t.zero_point));
  }
  float v;
  std::memcpy(&v, data + 4 * i, 4);
  return static_cast<double>(v);
}

/// The result table: every element of small outputs with its real value; the largest is marked.
void PrintOutput(uint32_t index, const TensorRecord& t, const uint8_t* data) {
  std::printf("output %u: %s\n", index, Describe(t).c_str());
  const uint32_t count = t.bytes / DTypeSize(t.type);
  if (count > 32 || (t.type != DType::kInt8 && t.type != DType::kFloat32)) return;
  uint32_t top = 0;
  for (uint32_t i = 1; i < count; ++i) {
    if (RealValue(t, data, i) > RealValue(t, data, top)) top = i;
  }
  std::printf("  %5s  %8s  %12s\n", "index", "raw", "value");
  for (uint32_t i = 0; i < count; ++i) {
    const char* mark = i == top && count > 1 ? "  <- top" : "";
    if (t.type == DType::kInt8) {
      std::printf("  %5u  %8d  %12.6f%s\n", i, static_cast<int8_t>(data[i]), RealValue(t, data, i), mark);
    } else {
      std::printf("  %5u  %8s  %12.6f%s\n", i, "-", RealValue(t, data, i), mark);
    }
  }
}

int Run(const RunArgs& args) {
  auto bytes = ReadFile(args.plan);
  if (!bytes) {
    std::fprintf(stderr, "error: %s\n", bytes.error().message.c_str());
    return kExitIoError;
  }
  AlignedBuffer plan_buffer;
  Plan plan;
  if (auto r = LoadPlan(args.plan, *bytes, plan_buffer, &plan); !r) {
    std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
    return kExitBadModel;
  }
  if (args.inputs.size() != plan.num_inputs() || args.outputs.size() > plan.num_outputs()) {
    std::fprintf(stderr, "error: the model has %u input(s) and %u output(s); got %zu --input and %zu --output\n",
                 plan.num_inputs(), plan.num_outputs(), args.inputs.size(), args.outputs.size());
    return kExitIoError;
  }
  AlignedBuffer arena(plan.arena_bytes());
  Interpreter interpreter;
  if (Status s = interpreter.Init(&plan, arena.data(), plan.arena_bytes()); s != Status::kOk) {
    std::fprintf(stderr, "error: %s\n", StatusMessage(s));
    return kExitBadModel;
  }
  for (uint32_t i = 0; i < plan.num_inputs(); ++i) {
    auto data = ReadFile(args.inputs[i]);
    if (!data) {
      std::fprintf(stderr, "error: %s\n", data.error().message.c_str());
      return kExitIoError;
    }
    const TensorRecord& t = interpreter.input_record(i);
    if (data->size() != t.bytes) {
      std::fprintf(stderr, "error: input %u expects %s; %s has %zu bytes\n", i, Describe(t).c_str(),
                   args.inputs[i].c_str(), data->size());
      return kExitIoError;
    }
    std::memcpy(interpreter.input(i), data->data(), data->size());
  }
  double best_ms = 0.0;
  for (int r = 0; r < std::max(args.repeat, 1); ++r) {
    const auto start = std::chrono::steady_clock::now();
    interpreter.Invoke();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    best_ms = r == 0 ? ms : std::min(best_ms, ms);
  }
  std::printf("inference: %.3f ms (host, best of %d)\n", best_ms, std::max(args.repeat, 1));
  for (uint32_t i = 0; i < plan.num_outputs(); ++i) {
    PrintOutput(i, interpreter.output_record(i), interpreter.output(i));
    if (i < args.outputs.size()) {
      if (auto w = WriteFile(args.outputs[i], interpreter.output(i), interpreter.output_record(i).bytes); !w) {
        std::fprintf(stderr, "error: %s\n", w.error().message.c_str());
        return kExitIoError;
      }
    }
  }
  return kExitOk;
}

}  // namespace

void SetupRunCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a plan on the host with raw tensor files");
  cmd->add_option("plan", args->plan, "Compiled plan (.tmlp)")->required();
  cmd->add_option("--input", args->inputs, "Raw bytes of an input tensor, in input order")->required();
  cmd->add_option("--output", args->outputs, "File to write an output tensor to, in output order");
  cmd->add_option("--repeat", args->repeat, "Run N times and report the best time")->check(CLI::PositiveNumber);
  cmd->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace tml::cli
