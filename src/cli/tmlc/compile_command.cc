#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/tmlc/commands.h"
#include "cli/tmlc/file_io.h"
#include "compiler/compile.h"

namespace tml::cli {
namespace {

struct CompileArgs {
  std::string model;
  std::string output;
  bool verbose = false;
};

int Compile(const CompileArgs& args) {
  auto bytes = ReadFile(args.model);
  if (!bytes) {
    std::fprintf(stderr, "error: %s\n", bytes.error().message.c_str());
    return kExitIoError;
  }
  auto compiled = compiler::Compile(*bytes);
  if (!compiled) {
    std::fprintf(stderr, "error: %s: %s\n", args.model.c_str(), compiled.error().message.c_str());
    return kExitBadModel;
  }
  if (args.verbose) {
    for (const std::string& line : compiled->log) std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (auto r = WriteFile(args.output, compiled->plan.data(), compiled->plan.size()); !r) {
    std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
    return kExitIoError;
  }
  std::printf("wrote %s (%zu bytes)\n", args.output.c_str(), compiled->plan.size());
  return kExitOk;
}

}  // namespace

void SetupCompileCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CompileArgs>();
  CLI::App* cmd = app.add_subcommand("compile", "Compile MODEL.tflite into a plan (.tmlp)");
  cmd->add_option("model", args->model, "TFLite model")->required();
  cmd->add_option("-o,--output", args->output, "Plan file to write")->required();
  cmd->add_flag("-v,--verbose", args->verbose, "Print what the passes and planner did");
  cmd->callback([args, exit_code] { *exit_code = Compile(*args); });
}

}  // namespace tml::cli
