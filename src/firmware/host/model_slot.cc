#include "firmware/host/model_slot.h"

#include <set>

#include "common/digest.h"

namespace tml::firmware {
namespace {

using nlohmann::json;

/// The number at a JSON pointer, or `fallback` when it is missing or not a number.
uint64_t Number(const json& j, const char* pointer, uint64_t fallback = 0) {
  const json::json_pointer p(pointer);
  return j.contains(p) && j[p].is_number_unsigned() ? j[p].get<uint64_t>() : fallback;
}

std::string Text(const json& j, const char* pointer) {
  const json::json_pointer p(pointer);
  return j.contains(p) && j[p].is_string() ? j[p].get<std::string>() : "";
}

}  // namespace

std::vector<std::string> MissingForModel(const json& firmware, const json& model) {
  std::vector<std::string> missing;
  if (!firmware.is_object() || !firmware.contains("flash_layout") || !firmware.contains("runtime")) {
    return {"the device's firmware has no manifest with a flash layout and a runtime"};
  }
  const std::string board = Text(firmware, "/board"), model_board = Text(model, "/board");
  if (!model_board.empty() && board != model_board) {
    missing.push_back("the model was built for board " + model_board + ", the device is a " + board);
  }
  const uint64_t plan_bytes = Number(model, "/sizes/plan_bytes", Number(model, "/plan/bytes"));
  const uint64_t slot = Number(firmware, "/flash_layout/model_slot/size");
  if (plan_bytes > slot) {
    missing.push_back("model slot size: the plan needs " + std::to_string(plan_bytes) + " bytes, the firmware's slot holds " +
                      std::to_string(slot));
  }
  const uint64_t arena = Number(model, "/plan/arena_bytes"), capacity = Number(firmware, "/sizes/arena_capacity_bytes");
  if (arena > capacity) {
    missing.push_back("arena: the model needs " + std::to_string(arena) + " bytes, the firmware has room for " +
                      std::to_string(capacity));
  }
  const uint64_t opset = Number(model, "/plan/opset_version"), have_opset = Number(firmware, "/runtime/opset_version");
  if (opset > have_opset) {
    missing.push_back("op set: the model needs " + std::to_string(opset) + ", the firmware has " + std::to_string(have_opset));
  }
  std::set<std::string> present;
  if (firmware["runtime"].contains("kernels") && firmware["runtime"]["kernels"].is_array()) {
    for (const auto& k : firmware["runtime"]["kernels"]) {
      if (k.is_string()) present.insert(k.get<std::string>());
    }
  }
  const json::json_pointer kernels("/plan/kernels");
  if (!model.contains(kernels) || !model[kernels].is_array()) {
    missing.push_back("the model's manifest does not list the kernels its plan uses (rebuild it)");
  } else {
    for (const auto& k : model[kernels]) {
      if (k.is_string() && !present.count(k.get<std::string>())) {
        missing.push_back("the model needs kernel " + k.get<std::string>() +
                          ", which this firmware was built without (rebuild it, or without --only-model-kernels)");
      }
    }
  }
  return missing;
}

compiler::Result<SlotImage> WithModel(std::vector<uint8_t> bin, const json& firmware, std::string_view plan,
                                      const json& model) {
  if (const auto missing = MissingForModel(firmware, model); !missing.empty()) {
    std::string text;
    for (const auto& m : missing) text += (text.empty() ? "" : "; ") + m;
    return tl::unexpected(compiler::Error{"the model does not fit this firmware: " + text});
  }
  const uint64_t base = Number(firmware, "/flash_layout/image_base"), slot = Number(firmware, "/flash_layout/model_slot/address");
  if (slot < base || slot - base > bin.size()) return tl::unexpected(compiler::Error{"the image is shorter than the start of its model slot"});
  SlotImage out;
  out.slot_offset = static_cast<uint32_t>(slot - base);
  bin.resize(out.slot_offset);
  bin.insert(bin.end(), plan.begin(), plan.end());
  out.manifest = firmware;
  json& m = out.manifest;
  if (model.contains("model")) m["model"] = model["model"];
  m["plan"] = model["plan"];
  m["image"]["sha256"] = common::Sha256Hex(bin);
  m["image"]["bytes"] = bin.size();
  m["image"]["elf"] = nullptr;  // an ELF would still hold the old model: the image is firmware.bin
  m["sizes"]["plan_bytes"] = plan.size();
  m["sizes"]["arena_bytes"] = Number(model, "/plan/arena_bytes");
  m["sizes"]["flash_bytes"] = Number(firmware, "/sizes/code_bytes") + plan.size();
  out.bin = std::move(bin);
  return out;
}

compiler::Result<std::string> PlanInImage(const std::vector<uint8_t>& bin, const json& manifest) {
  const uint64_t base = Number(manifest, "/flash_layout/image_base"), slot = Number(manifest, "/flash_layout/model_slot/address");
  const uint64_t bytes = Number(manifest, "/sizes/plan_bytes");
  if (slot < base || slot - base + bytes > bin.size()) {
    return tl::unexpected(compiler::Error{"the image does not hold the " + std::to_string(bytes) + "-byte plan its manifest names"});
  }
  return std::string(bin.begin() + static_cast<std::ptrdiff_t>(slot - base),
                     bin.begin() + static_cast<std::ptrdiff_t>(slot - base + bytes));
}

}  // namespace tml::firmware
