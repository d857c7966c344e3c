#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "cli/tmlc/commands.h"
#include "cli/tmlc/file_io.h"
#include "firmware/host/board_spec.h"
#include "firmware/host/firmware_builder.h"

namespace tml::cli {
namespace {

struct FirmwareArgs {
  std::string model;
  std::string board;
  std::string out_dir;
  bool only_model_kernels = false;
  std::string kit;
  std::string replace_model;
  std::string in_bin;
};

int Replace(const FirmwareArgs& args) {
  auto bytes = ReadFile(args.replace_model);
  if (!bytes) {
    std::fprintf(stderr, "error: %s\n", bytes.error().message.c_str());
    return kExitIoError;
  }
  const std::string out = args.out_dir.empty() ? args.in_bin : args.out_dir;
  auto update = firmware::ReplaceModel(*bytes, std::filesystem::path(args.replace_model).filename().string(),
                                       args.in_bin, out);
  if (!update) {
    std::fprintf(stderr, "error: %s\n", update.error().message.c_str());
    return kExitBadModel;
  }
  if (update->changed) {
    std::printf("model slot rewritten: bytes %u..%u of %s changed (slot starts at offset %u)\n", update->first_changed,
                update->last_changed, out.c_str(),
                update->manifest["flash_layout"]["model_slot"]["address"].get<uint32_t>() -
                    update->manifest["flash_layout"]["image_base"].get<uint32_t>());
  } else {
    std::printf("model slot unchanged: %s already holds this model\n", out.c_str());
  }
  std::printf("plan sha256 %s, image sha256 %s\n", update->manifest["plan"]["sha256"].get<std::string>().c_str(),
              update->manifest["image"]["sha256"].get<std::string>().c_str());
  return kExitOk;
}

int Build(const FirmwareArgs& args) {
  auto bytes = ReadFile(args.model);
  if (!bytes) {
    std::fprintf(stderr, "error: %s\n", bytes.error().message.c_str());
    return kExitIoError;
  }
  firmware::FirmwareOptions options;
  options.kit_dir = args.kit.empty() ? firmware::DefaultKitDir() : args.kit;
  options.board = args.board;
  options.only_model_kernels = args.only_model_kernels;
  std::vector<std::string> log;
  auto manifest = firmware::BuildFirmware(*bytes, std::filesystem::path(args.model).filename().string(), options,
                                          args.out_dir, &log);
  for (const std::string& line : log) std::fprintf(stderr, "%s\n", line.c_str());
  if (!manifest) {
    std::fprintf(stderr, "error: %s: %s\n", args.model.c_str(), manifest.error().message.c_str());
    return kExitBadModel;
  }
  const auto& sizes = (*manifest)["sizes"];
  std::printf("wrote %s/firmware.elf, firmware.bin, manifest.json for %s\n", args.out_dir.c_str(),
              args.board.c_str());
  std::printf("flash %u bytes (code %u + plan %u), RAM: arena %u of %u free, static %u, stack %u\n",
              sizes["flash_bytes"].get<uint32_t>(), sizes["code_bytes"].get<uint32_t>(),
              sizes["plan_bytes"].get<uint32_t>(), sizes["arena_bytes"].get<uint32_t>(),
              sizes["arena_capacity_bytes"].get<uint32_t>(), sizes["static_ram_bytes"].get<uint32_t>(),
              sizes["stack_bytes"].get<uint32_t>());
  std::printf("image sha256 %s\n", (*manifest)["image"]["sha256"].get<std::string>().c_str());
  return kExitOk;
}

}  // namespace

void SetupFirmwareCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<FirmwareArgs>();
  CLI::App* cmd = app.add_subcommand("firmware", "Build a firmware image for a board, or replace its model");
  cmd->add_option("model", args->model, "TFLite model to build into the firmware");
  cmd->add_option("--board", args->board, "Board name (a folder of the firmware kit)");
  cmd->add_option("-o,--output", args->out_dir, "Output folder (with --replace-model: output image, default in place)");
  cmd->add_flag("--only-model-kernels", args->only_model_kernels, "Link only the kernels this model uses");
  cmd->add_option("--kit", args->kit, "Firmware kit folder (default: $TML_FIRMWARE_KIT or the built one)");
  cmd->add_option("--replace-model", args->replace_model, "Model whose plan replaces the one in --in");
  cmd->add_option("--in", args->in_bin, "firmware.bin to update (its manifest.json must sit next to it)");
  cmd->callback([args, exit_code, cmd] {
    if (!args->replace_model.empty()) {
      if (args->in_bin.empty()) throw CLI::ValidationError("--replace-model needs --in firmware.bin");
      *exit_code = Replace(*args);
      return;
    }
    if (args->model.empty() || args->board.empty() || args->out_dir.empty()) {
      throw CLI::ValidationError("usage: tmlc firmware MODEL.tflite --board BOARD -o OUTDIR");
    }
    (void)cmd;
    *exit_code = Build(*args);
  });
}

}  // namespace tml::cli
