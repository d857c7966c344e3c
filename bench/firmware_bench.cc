// bench/firmware: per model x board, the firmware's flash (runtime code, plan, total) and RAM
// (arena, static, stack), and instructions per inference under QEMU -icount shift=0 (and
// per MAC), side by side with TFLite Micro measured the same way on mps2-an386
// (../shared/golden/anchors-cortex-m4-qemu.json: reference and CMSIS-NN kernels).
//
//   build/bench/firmware [--json FILE] [--shared DIR]
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compiler/compile.h"
#include "compiler/loaded_plan.h"
#include "compiler/plan_inspector.h"
#include "firmware/host/board_spec.h"
#include "firmware/host/emulator.h"
#include "firmware/host/firmware_builder.h"
#include "read_input.h"

namespace {

using tml::bench::ReadInput;

/// Multiply-accumulates per inference, from the model's plan (0 when it does not compile:
/// the firmware build then reports why).
uint64_t Macs(const std::vector<uint8_t>& tflite) {
  auto compiled = tml::compiler::Compile(tflite);
  if (!compiled) return 0;
  auto loaded = tml::compiler::LoadedPlan::From(compiled->plan);
  return loaded ? tml::compiler::Summarize(loaded->plan()).total_macs : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string json_path = "bench-firmware.json";
  std::string shared = TML_SHARED_DIR;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc) json_path = argv[++i];
    else if (std::strcmp(argv[i], "--shared") == 0 && i + 1 < argc) shared = argv[++i];
  }
  const auto anchor_bytes = ReadInput(shared + "/golden/anchors-cortex-m4-qemu.json");
  const auto anchors = nlohmann::json::parse(anchor_bytes.begin(), anchor_bytes.end());
  const char* models[] = {"kws_ref_model", "kws_ref_model_float32", "vww_96_int8", "pretrainedResnet_quant", "ad01_int8"};
  const std::string work = (std::filesystem::temp_directory_path() / "tml-bench-firmware").string();
  nlohmann::json rows = nlohmann::json::array();

  std::printf("%-23s %-13s %8s %8s %8s %8s | %7s %7s %6s | %12s %7s | %12s %12s %9s %9s\n", "model", "board",
              "code B", "code* B", "plan B", "flash B", "arena B", "static", "stack", "instructions", "/MAC",
              "TFLM ref", "TFLM cmsis", "TFLM lib", "ratio ref");
  std::map<std::string, std::vector<uint8_t>> tflites;
  std::map<std::string, uint64_t> macs_of;
  for (const char* model : models) {
    tflites[model] = ReadInput(shared + "/models/" + model + ".tflite");
    macs_of[model] = Macs(tflites[model]);
  }
  for (const std::string board : {"mps2-an386", "netduinoplus2"}) {
    for (const char* model : models) {
      const auto& tflite = tflites[model];
      tml::firmware::FirmwareOptions options;
      options.kit_dir = tml::firmware::DefaultKitDir();
      options.board = board;
      const std::string dir = work + "/" + board + "-" + model;
      auto manifest = tml::firmware::BuildFirmware(tflite, model, options, dir, nullptr);
      options.only_model_kernels = true;
      auto minimal = tml::firmware::BuildFirmware(tflite, model, options, dir + "-min", nullptr);
      if (!manifest || !minimal) {
        std::printf("%-23s %-13s refused: %s\n", model, board.c_str(),
                    (!manifest ? manifest.error() : minimal.error()).message.c_str());
        continue;
      }
      auto emulator = tml::firmware::Emulator::Start(dir);
      uint64_t instructions = 0;
      if (emulator && (*emulator)->Hello()) {
        if (auto r = (*emulator)->Infer(ReadInput(shared + "/golden/" + model + "/input_1.bin"))) instructions = r->instructions;
      }
      const uint64_t macs = macs_of[model];
      const auto& s = (*manifest)["sizes"];
      const auto& ref = anchors["variants"]["ref"]["models"][model];
      const auto& cmsis = anchors["variants"]["cmsis_nn"]["models"][model];
      const double tflm_ref = ref.value("instructions_per_inference", 0.0);
      const double tflm_cmsis = cmsis.value("instructions_per_inference", 0.0);
      const double tflm_lib = ref.value("tflm_library_code_bytes", 0.0);
      const double ratio = tflm_ref > 0 ? static_cast<double>(instructions) / tflm_ref : 0.0;
      std::printf("%-23s %-13s %8u %8u %8u %8u | %7u %7u %6u | %12llu %7.2f | %12.0f %12.0f %9.0f %9.2f\n", model,
                  board.c_str(), s["code_bytes"].get<uint32_t>(), (*minimal)["sizes"]["code_bytes"].get<uint32_t>(),
                  s["plan_bytes"].get<uint32_t>(), s["flash_bytes"].get<uint32_t>(), s["arena_bytes"].get<uint32_t>(),
                  s["static_ram_bytes"].get<uint32_t>(), s["stack_bytes"].get<uint32_t>(),
                  static_cast<unsigned long long>(instructions), macs ? static_cast<double>(instructions) / macs : 0.0,
                  tflm_ref, tflm_cmsis, tflm_lib, ratio);
      rows.push_back({{"model", model},
                      {"board", board},
                      {"code_bytes_all_kernels", s["code_bytes"]},
                      {"code_bytes_model_kernels", (*minimal)["sizes"]["code_bytes"]},
                      {"plan_bytes", s["plan_bytes"]},
                      {"flash_bytes", s["flash_bytes"]},
                      {"arena_bytes", s["arena_bytes"]},
                      {"static_ram_bytes", s["static_ram_bytes"]},
                      {"stack_bytes", s["stack_bytes"]},
                      {"instructions_per_inference", instructions},
                      {"macs", macs},
                      {"tflm_ref_instructions", tflm_ref},
                      {"tflm_cmsis_nn_instructions", tflm_cmsis},
                      {"tflm_ref_library_code_bytes", tflm_lib},
                      {"tflm_cmsis_nn_library_code_bytes", cmsis.value("tflm_library_code_bytes", 0.0)},
                      {"instructions_ratio_vs_tflm_ref", ratio}});
    }
  }
  std::printf("\ncode = all 34 kernels + firmware app + startup + libc/libm; code* = only the model's kernels.\n"
              "TFLM figures: mps2-an386, input_1, TFLM library code only (their harness adds ~43 KB).\n"
              "Instructions: SysTick under QEMU -icount shift=0, calibrated at boot (±1 tick).\n");
  std::ofstream(json_path) << rows.dump(2) << "\n";
  std::printf("JSON: %s\n", json_path.c_str());
  std::error_code ec;
  std::filesystem::remove_all(work, ec);
  return 0;
}
