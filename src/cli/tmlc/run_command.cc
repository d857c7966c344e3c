#include <CLI/CLI.hpp>
#include <chrono>
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "cli/tmlc/commands.h"
#include "cli/tmlc/file_io.h"
#include "cli/tmlc/result_table.h"
#include "compiler/loaded_plan.h"
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

TensorInfo Info(const TensorRecord& t) {
  const char* type = t.type == DType::kFloat32 ? "float32" : t.type == DType::kInt8 ? "int8" : "other";
  return {type, std::vector<int32_t>(t.dims, t.dims + t.rank), t.bytes, t.scale, t.zero_point};
}

int Run(const RunArgs& args) {
  auto bytes = ReadFile(args.plan);
  if (!bytes) {
    std::fprintf(stderr, "error: %s\n", bytes.error().message.c_str());
    return kExitIoError;
  }
  auto loaded = compiler::LoadedPlan::From(*bytes, args.plan);
  if (!loaded) {
    std::fprintf(stderr, "error: %s\n", loaded.error().message.c_str());
    return kExitBadModel;
  }
  const Plan& plan = loaded->plan();
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
    auto data = ReadInputTensor(i, args.inputs[i], Info(interpreter.input_record(i)));
    if (!data) return kExitIoError;
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
    if (!ReportOutputTensor(i, Info(interpreter.output_record(i)), interpreter.output(i), args.outputs)) {
      return kExitIoError;
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
