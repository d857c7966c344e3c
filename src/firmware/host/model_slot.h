#pragma once
// A model-only (SOTA) update: what it needs of the firmware already on a device, and the
// image it makes. The plan goes into the firmware's model slot; the code stays as it is, so
// the firmware must have every kernel and the op set the plan uses, the RAM for its arena and
// a slot large enough. Both manifests are the builder contract's (docs/porting-guide.md).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/error.h"

namespace tml::firmware {

/// What `firmware` (the manifest of the image a device runs) lacks to run the plan described
/// by `model` (the manifest of a build of another model, or one with at least "plan" and
/// "sizes.plan_bytes"), one reason per entry, each naming what is missing. Empty: it fits.
std::vector<std::string> MissingForModel(const nlohmann::json& firmware, const nlohmann::json& model);

struct SlotImage {
  std::vector<uint8_t> bin;
  nlohmann::json manifest;
  uint32_t slot_offset = 0;  ///< where the plan starts in `bin`
};

/// `bin` (described by `firmware`) with `plan` in its model slot, and the manifest that then
/// describes it (model, plan, sizes and image sha256 from `model`). Fails with the reasons of
/// MissingForModel.
compiler::Result<SlotImage> WithModel(std::vector<uint8_t> bin, const nlohmann::json& firmware, std::string_view plan,
                                      const nlohmann::json& model);

/// The plan in the model slot of `bin` (`manifest.sizes.plan_bytes` bytes at the slot).
compiler::Result<std::string> PlanInImage(const std::vector<uint8_t>& bin, const nlohmann::json& manifest);

}  // namespace tml::firmware
