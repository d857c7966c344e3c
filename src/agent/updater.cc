#include "agent/updater.h"

#include <filesystem>

#include "compiler/file_io.h"
#include "firmware/host/model_slot.h"

namespace tml::agent {
namespace {

namespace fs = std::filesystem;
using compiler::Fail;
using nlohmann::json;

/// A file of the state folder; empty when it is not there (no image installed yet).
std::string ReadText(const fs::path& path) {
  auto bytes = compiler::ReadFile(path.string());
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

compiler::Result<void> WriteText(const fs::path& path, const std::string& text) {
  return compiler::WriteFile(path.string(), text.data(), text.size());
}

/// Writes an image folder: firmware.bin, manifest.json, build-id.
compiler::Result<void> WriteImage(const fs::path& dir, const std::string& bin, const json& manifest, const std::string& version) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (const auto& [name, text] : {std::pair<const char*, std::string>{"firmware.bin", bin},
                                   {"manifest.json", manifest.dump(2) + "\n"}, {"build-id", version + "\n"}}) {
    if (auto r = WriteText(dir / name, text); !r) return r;
  }
  return {};
}

uint32_t U32(const json& j, const char* pointer) {
  const json::json_pointer p(pointer);
  return j.contains(p) && j[p].is_number_unsigned() ? j[p].get<uint32_t>() : 0;
}

std::string PlanSha(const json& manifest) {
  const json::json_pointer p("/plan/sha256");
  return manifest.contains(p) && manifest[p].is_string() ? manifest[p].get<std::string>() : "";
}

}  // namespace

std::string FirmwareVersionOf(const std::string& dir) {
  std::string id = ReadText(fs::path(dir) / "build-id");
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
  if (!id.empty()) return id;
  const auto manifest = json::parse(ReadText(fs::path(dir) / "manifest.json"), nullptr, false);
  const json::json_pointer sha("/image/sha256");
  if (manifest.is_object() && manifest.contains(sha) && manifest[sha].is_string()) {
    return "image-" + manifest[sha].get<std::string>().substr(0, 12);
  }
  return "unknown";
}

Updater::Updater(std::string state_dir, Board& board, Flasher& flasher)
    : state_(std::move(state_dir)), board_(board), flasher_(flasher) {}

std::string Updater::dir(const char* name) const { return (fs::path(state_) / name).string(); }

Running Updater::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

compiler::Result<Running> Updater::Refresh() {
  std::lock_guard lock(mutex_);
  auto hello = board_.Hello();
  if (!hello) return tl::unexpected(hello.error());
  running_.hello = *hello;
  running_.firmware_version = FirmwareVersionOf(dir("current"));
  running_.manifest = json::parse(ReadText(fs::path(dir("current")) / "manifest.json"), nullptr, false);
  if (!fs::exists(fs::path(dir("base-model")) / "model.tmlp")) {
    KeepBaseModel(ReadText(fs::path(dir("current")) / "firmware.bin"), running_.manifest);
  }
  return running_;
}

std::vector<std::string> Updater::MissingForModel(const json& model_manifest) const {
  std::lock_guard lock(mutex_);
  return firmware::MissingForModel(running_.manifest, model_manifest);
}

compiler::Result<std::pair<std::string, json>> Updater::BaseModel() const {
  const std::string plan = ReadText(fs::path(dir("base-model")) / "model.tmlp");
  const auto manifest = json::parse(ReadText(fs::path(dir("base-model")) / "manifest.json"), nullptr, false);
  if (plan.empty() || !manifest.is_object()) return Fail("the firmware's own model is not kept (install an image first)");
  return std::make_pair(plan, manifest);
}

void Updater::KeepBaseModel(const std::string& bin, const json& manifest) const {
  const std::vector<uint8_t> bytes(bin.begin(), bin.end());
  auto plan = firmware::PlanInImage(bytes, manifest);
  if (!plan) return;  // an image without a readable slot: Deactivate then has nothing to restore
  const fs::path base = dir("base-model");
  std::error_code ec;
  fs::create_directories(base, ec);
  if (WriteText(base / "model.tmlp", *plan)) static_cast<void>(WriteText(base / "manifest.json", manifest.dump(2) + "\n"));
}

compiler::Result<Running> Updater::InstallImage(const std::string& bin, const json& manifest, const std::string& version) {
  FlashRegion region;
  region.whole_image = true;
  region.offset = 0;
  region.bytes = static_cast<uint32_t>(bin.size());
  region.address = U32(manifest, "/flash_layout/image_base");
  auto r = Apply(bin, manifest, version, region, PlanSha(manifest));
  if (r) KeepBaseModel(bin, manifest);
  return r;
}

compiler::Result<Running> Updater::InstallModel(const std::string& plan, const json& model_manifest) {
  std::string version;
  json firmware_manifest;
  {
    std::lock_guard lock(mutex_);
    version = running_.firmware_version;
    firmware_manifest = running_.manifest;
  }
  const std::string current = ReadText(fs::path(dir("current")) / "firmware.bin");
  auto image = firmware::WithModel(std::vector<uint8_t>(current.begin(), current.end()), firmware_manifest, plan, model_manifest);
  if (!image) return tl::unexpected(image.error());
  FlashRegion region;
  region.whole_image = false;
  region.offset = image->slot_offset;
  region.bytes = static_cast<uint32_t>(plan.size());
  region.address = U32(firmware_manifest, "/flash_layout/image_base") + image->slot_offset;
  return Apply(std::string(image->bin.begin(), image->bin.end()), image->manifest, version, region, PlanSha(model_manifest));
}

compiler::Result<Running> Updater::Apply(const std::string& bin, const json& manifest, const std::string& version,
                                         const FlashRegion& region_in, const std::string& expected_model) {
  std::lock_guard lock(mutex_);
  const fs::path current = dir("current"), previous = dir("previous"), staged = dir("staged");
  std::error_code ec;
  // Keep what runs now, to flash it back if the new image fails.
  const std::string old_bin = ReadText(current / "firmware.bin");
  const json old_manifest = json::parse(ReadText(current / "manifest.json"), nullptr, false);
  const std::string old_version = FirmwareVersionOf(current.string());
  if (auto r = WriteImage(previous, old_bin, old_manifest, old_version); !r) return tl::unexpected(r.error());
  if (auto r = WriteImage(staged, bin, manifest, version); !r) return tl::unexpected(r.error());

  FlashRegion region = region_in;
  region.bin_path = (staged / "firmware.bin").string();
  std::string why;
  if (auto w = flasher_.Write(region); !w) {
    why = "flashing failed: " + w.error().message;
  } else if (auto r = WriteImage(current, bin, manifest, version); !r) {
    why = r.error().message;
  } else if (auto boot = board_.Reboot(); !boot) {
    why = "the new image does not boot: " + boot.error().message;
  } else if (auto hello = board_.Hello(); !hello) {
    why = "the new image does not answer hello: " + hello.error().message;
  } else if (hello->model_status != 0) {
    why = "the new image boots but its model does not load (status " + std::to_string(hello->model_status) + ")";
  } else if (!expected_model.empty() && hello->model_sha256 != expected_model) {
    why = "the board runs model " + hello->model_sha256 + ", not the expected " + expected_model;
  } else {
    running_ = {version, manifest, *hello};
    fs::remove_all(staged, ec);
    if (on_change_) on_change_(running_);
    return running_;
  }
  // Roll back: the whole previous image, whatever region the update wrote.
  FlashRegion back;
  back.bin_path = (previous / "firmware.bin").string();
  back.bytes = static_cast<uint32_t>(old_bin.size());
  back.address = U32(old_manifest, "/flash_layout/image_base");
  std::string rollback = "rolled back to " + old_version;
  if (auto w = flasher_.Write(back); !w) rollback = "the rollback failed too: " + w.error().message;
  if (auto w = WriteImage(current, old_bin, old_manifest, old_version); !w) rollback += "; " + w.error().message;
  if (auto boot = board_.Reboot(); !boot) rollback += "; the previous image does not boot either: " + boot.error().message;
  if (auto hello = board_.Hello()) running_ = {old_version, old_manifest, *hello};
  if (on_change_) on_change_(running_);
  return Fail(why + " (" + rollback + ")");
}

}  // namespace tml::agent
