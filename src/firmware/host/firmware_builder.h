#pragma once
// `tmlc firmware`: compiles a model, links it with a board's firmware kit into an image,
// and describes the result in manifest.json (the builder contract of DESIGN.md).

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/error.h"

namespace tml::firmware {

struct FirmwareOptions {
  std::string kit_dir;
  std::string board;
  bool only_model_kernels = false;  ///< link only the kernels the model uses
  std::string toolchain_prefix = "arm-none-eabi-";
};

/// Builds firmware.elf, firmware.bin and manifest.json into `out_dir`; returns the manifest.
/// Refuses (with needed vs available bytes) a plan larger than the slot or an arena larger
/// than the board's free RAM. `log` receives progress lines.
compiler::Result<nlohmann::json> BuildFirmware(const std::vector<uint8_t>& tflite, const std::string& model_name,
                                               const FirmwareOptions& options, const std::string& out_dir,
                                               std::vector<std::string>* log);

/// The manifest.json in `dir`, or an error naming it.
compiler::Result<nlohmann::json> ReadManifest(const std::string& dir);

/// What a model-only update changed.
struct SlotUpdate {
  uint32_t first_changed = 0;  ///< byte offsets in firmware.bin, [first, last]
  uint32_t last_changed = 0;
  bool changed = false;
  nlohmann::json manifest;     ///< the updated manifest
};

/// Rewrites only the model slot of `bin_path` (and its manifest.json, found next to it)
/// with the plan of `tflite`. Refuses a plan that needs a kernel the firmware lacks.
compiler::Result<SlotUpdate> ReplaceModel(const std::vector<uint8_t>& tflite, const std::string& model_name,
                                          const std::string& bin_path, const std::string& out_path);

}  // namespace tml::firmware
