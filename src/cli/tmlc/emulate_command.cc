#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/tmlc/commands.h"
#include "cli/tmlc/file_io.h"
#include "cli/tmlc/result_table.h"
#include "firmware/host/emulator.h"
#include "firmware/host/firmware_builder.h"

namespace tml::cli {
namespace {

struct EmulateArgs {
  std::string dir;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  double timeout = 300;
};

std::vector<TensorInfo> Tensors(const nlohmann::json& list) {
  std::vector<TensorInfo> tensors;
  for (const auto& t : list) {
    tensors.push_back({t["type"].get<std::string>(), t["shape"].get<std::vector<int32_t>>(), t["bytes"].get<uint32_t>(),
                       t["scale"].get<float>(), t["zero_point"].get<int32_t>()});
  }
  return tensors;
}

int Emulate(const EmulateArgs& args) {
  auto read = firmware::ReadManifest(args.dir);
  if (!read) {
    std::fprintf(stderr, "error: %s\n", read.error().message.c_str());
    return kExitIoError;
  }
  const nlohmann::json& manifest = *read;
  const std::vector<TensorInfo> inputs = Tensors(manifest["plan"]["inputs"]);
  const std::vector<TensorInfo> outputs = Tensors(manifest["plan"]["outputs"]);
  if (args.inputs.size() != inputs.size() || args.outputs.size() > outputs.size()) {
    std::fprintf(stderr, "error: the model has %zu input(s) and %zu output(s); got %zu --input and %zu --output\n",
                 inputs.size(), outputs.size(), args.inputs.size(), args.outputs.size());
    return kExitIoError;
  }
  std::vector<uint8_t> payload;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto bytes = ReadInputTensor(static_cast<uint32_t>(i), args.inputs[i], inputs[i]);
    if (!bytes) return kExitIoError;
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
  std::printf("firmware %s on %s (QEMU %s), op set %u, plan %s\n", hello->firmware_version.c_str(),
              hello->board.c_str(), manifest["qemu"]["machine"].get<std::string>().c_str(), hello->opset_version,
              hello->model_sha256.c_str());
  std::printf("RAM: arena %u of %u bytes\n", hello->arena_bytes, hello->arena_capacity);
  auto result = (*emulator)->Infer(payload);
  if (!result) {
    std::fprintf(stderr, "error: %s\n", result.error().message.c_str());
    return kExitBadModel;
  }
  std::printf("inference: %llu instructions (%llu SysTick ticks at %.3f instructions/tick, QEMU -icount shift=0)\n",
              static_cast<unsigned long long>(result->instructions), static_cast<unsigned long long>(result->ticks),
              hello->instructions_per_tick);
  size_t offset = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (offset + outputs[i].bytes > result->outputs.size()) {
      std::fprintf(stderr, "error: the firmware returned %zu output bytes, the manifest expects more\n",
                   result->outputs.size());
      return kExitBadModel;
    }
    if (!ReportOutputTensor(static_cast<uint32_t>(i), outputs[i], result->outputs.data() + offset, args.outputs)) {
      return kExitIoError;
    }
    offset += outputs[i].bytes;
  }
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
