#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/tmlc/commands.h"
#include "cli/tmlc/file_io.h"
#include "firmware/host/emulator.h"

namespace tml::cli {
namespace {

struct EmulateArgs {
  std::string dir;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  double timeout = 300;
};

int Emulate(const EmulateArgs& args) {
  std::vector<uint8_t> payload;
  for (const std::string& path : args.inputs) {
    auto bytes = ReadFile(path);
    if (!bytes) {
      std::fprintf(stderr, "error: %s\n", bytes.error().message.c_str());
      return kExitIoError;
    }
    payload.insert(payload.end(), bytes->begin(), bytes->end());
  }
  firmware::EmulatorOptions options;
  options.reply_timeout_s = args.timeout;
  auto emulator = firmware::Emulator::Start(args.dir, options);
  if (!emulator) {
    std::fprintf(stderr, "error: %s\n", emulator.error().message.c_str());
    return kExitBadModel;
  }
  auto hello = (*emulator)->Hello();
  if (!hello) {
    std::fprintf(stderr, "error: %s\n", hello.error().message.c_str());
    return kExitBadModel;
  }
  std::printf("calibration: %.4f instructions per SysTick tick\n", hello->instructions_per_tick);
  std::printf("firmware %s on %s, op set %u, model %s, arena %u of %u bytes\n", hello->firmware_version.c_str(),
              hello->board.c_str(), hello->opset_version, hello->model_sha256.c_str(), hello->arena_bytes,
              hello->arena_capacity);
  auto result = (*emulator)->Infer(payload);
  if (!result) {
    std::fprintf(stderr, "error: %s\n", result.error().message.c_str());
    return kExitBadModel;
  }
  std::printf("inference: %llu instructions (%llu SysTick ticks, QEMU -icount shift=0)\n",
              static_cast<unsigned long long>(result->instructions), static_cast<unsigned long long>(result->ticks));
  // Split the concatenated outputs by the sizes recorded in the manifest's plan... the
  // firmware knows them; with one output file per tensor the caller gives the split.
  if (args.outputs.size() == 1) {
    if (auto w = WriteFile(args.outputs[0], result->outputs.data(), result->outputs.size()); !w) {
      std::fprintf(stderr, "error: %s\n", w.error().message.c_str());
      return kExitIoError;
    }
  }
  std::printf("output: %zu bytes\n", result->outputs.size());
  return kExitOk;
}

}  // namespace

void SetupEmulateCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<EmulateArgs>();
  CLI::App* cmd = app.add_subcommand("emulate", "Run a firmware folder on its board's QEMU machine");
  cmd->add_option("dir", args->dir, "Output folder of tmlc firmware")->required();
  cmd->add_option("--input", args->inputs, "Raw bytes of an input tensor, in input order")->required();
  cmd->add_option("--output", args->outputs, "File to write the output bytes to");
  cmd->add_option("--timeout", args->timeout, "Seconds to wait for the result");
  cmd->callback([args, exit_code] { *exit_code = Emulate(*args); });
}

}  // namespace tml::cli
