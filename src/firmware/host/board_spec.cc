#include "firmware/host/board_spec.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace tml::firmware {

std::vector<std::string> ListBoards(const std::string& kit_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kit_dir + "/boards", ec)) {
    if (std::filesystem::exists(entry.path() / "board.json")) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

compiler::Result<BoardSpec> LoadBoard(const std::string& kit_dir, const std::string& name) {
  const std::string path = kit_dir + "/boards/" + name + "/board.json";
  std::ifstream in(path);
  if (!in) {
    std::string known;
    for (const std::string& b : ListBoards(kit_dir)) known += (known.empty() ? "" : ", ") + b;
    return compiler::Fail("unknown board '" + name + "'; boards: " + (known.empty() ? "(none in " + kit_dir + ")" : known));
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    BoardSpec b;
    b.name = j.at("name").get<std::string>();
    b.description = j.value("description", "");
    b.arch = j.at("arch").get<std::string>();
    b.cpu_flags = j.at("cpu_flags").get<std::vector<std::string>>();
    b.flash_base = j.at("flash").at("base").get<uint32_t>();
    b.flash_bytes = j.at("flash").at("size").get<uint32_t>();
    b.ram_base = j.at("ram").at("base").get<uint32_t>();
    b.ram_bytes = j.at("ram").at("size").get<uint32_t>();
    b.slot_base = j.at("model_slot").at("base").get<uint32_t>();
    b.slot_bytes = j.at("model_slot").at("size").get<uint32_t>();
    b.stack_bytes = j.at("stack_bytes").get<uint32_t>();
    b.qemu_binary = j.at("qemu").at("binary").get<std::string>();
    b.qemu_machine = j.at("qemu").at("machine").get<std::string>();
    if (b.slot_base < b.flash_base || uint64_t{b.slot_base} + b.slot_bytes > uint64_t{b.flash_base} + b.flash_bytes ||
        b.slot_base % 8 != 0) {
      return compiler::Fail(path + ": the model slot must be 8-byte aligned and inside the flash");
    }
    return b;
  } catch (const nlohmann::json::exception& e) {
    return compiler::Fail(path + ": " + e.what());
  }
}

std::string DefaultKitDir() {
  if (const char* env = std::getenv("TML_FIRMWARE_KIT"); env != nullptr && *env != 0) return env;
  return TML_DEFAULT_KIT_DIR;
}

}  // namespace tml::firmware
