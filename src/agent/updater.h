#pragma once
// The agent's image store and the one way images change on the microcontroller: flash, reboot,
// ask the firmware's hello what it runs, and keep the new image only when it is the expected
// one; otherwise flash the previous image back. STATE/current holds what the board runs
// (firmware.bin, manifest.json, build-id), STATE/previous the image before the last update.

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/board.h"
#include "agent/flasher.h"

namespace tml::agent {

struct Running {
  std::string firmware_version;  ///< the build id of the image (3/0/3)
  nlohmann::json manifest;       ///< of the image as it is now (its model included)
  firmware::HelloInfo hello;
};

class Updater {
 public:
  Updater(std::string state_dir, Board& board, Flasher& flasher);

  /// What the board runs now.
  Running running() const;
  /// Asks the board (after a boot) and remembers the answer.
  compiler::Result<Running> Refresh();

  /// FOTA: the whole image `bin` (described by `manifest`), reported afterwards as `version`.
  /// On failure the previous image is back on the board and the error says what happened.
  compiler::Result<Running> InstallImage(const std::string& bin, const nlohmann::json& manifest, const std::string& version);
  /// SOTA: only the model slot, with `plan` (described by another build's `model_manifest`).
  compiler::Result<Running> InstallModel(const std::string& plan, const nlohmann::json& model_manifest);
  /// What a model-only update with `model_manifest` would lack on the current firmware.
  std::vector<std::string> MissingForModel(const nlohmann::json& model_manifest) const;
  /// The plan the current firmware image came with (what Deactivate of a model restores).
  compiler::Result<std::pair<std::string, nlohmann::json>> BaseModel() const;

  /// Called after every change of what runs (also after a rollback).
  void OnChange(std::function<void(const Running&)> fn) { on_change_ = std::move(fn); }

 private:
  compiler::Result<Running> Apply(const std::string& bin, const nlohmann::json& manifest, const std::string& version,
                                  const FlashRegion& region, const std::string& expected_model);
  std::string dir(const char* name) const;
  /// Saves the plan in `bin`'s model slot to STATE/base-model.
  void KeepBaseModel(const std::string& bin, const nlohmann::json& manifest) const;

  std::string state_;
  Board& board_;
  Flasher& flasher_;
  mutable std::mutex mutex_;  // one update at a time
  Running running_;
  std::function<void(const Running&)> on_change_;
};

/// The Firmware Version an image in `dir` reports: its build-id file (written when a
/// deployment installs it), else "image-" and the image's sha256 prefix.
std::string FirmwareVersionOf(const std::string& dir);

}  // namespace tml::agent
