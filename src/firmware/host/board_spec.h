#pragma once
// A board as data: what board.json says (memory map, model slot, CPU flags, QEMU machine).

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/error.h"

namespace tml::firmware {

struct BoardSpec {
  std::string name;
  std::string description;
  std::string arch;                    ///< folder of the shared startup/linker template
  std::vector<std::string> cpu_flags;
  uint32_t flash_base = 0, flash_bytes = 0;
  uint32_t ram_base = 0, ram_bytes = 0;
  uint32_t slot_base = 0, slot_bytes = 0;  ///< the model slot (.tml_model)
  uint32_t stack_bytes = 0;
  std::string qemu_binary;
  std::string qemu_machine;
};

/// Reads `<kit>/boards/<name>/board.json`; the error lists the boards that exist.
compiler::Result<BoardSpec> LoadBoard(const std::string& kit_dir, const std::string& name);
/// Names of all boards in the kit, sorted.
std::vector<std::string> ListBoards(const std::string& kit_dir);
/// The kit tmlc uses: $TML_FIRMWARE_KIT, else the one built next to this tmlc.
std::string DefaultKitDir();

}  // namespace tml::firmware
