#pragma once
// How an image reaches the microcontroller's flash. A flasher writes a region of an image:
// the whole of it (FOTA) or only the model slot (SOTA). `qemu` writes the emulated board's
// flash file (what QEMU boots at the next reset); `file` writes another file (a programmer's
// drop folder, a DAPLink drive); `command` runs a template for openocd, st-flash or pyocd.

#include <cstdint>
#include <memory>
#include <string>

#include "compiler/error.h"

namespace tml::agent {

struct FlashRegion {
  std::string bin_path;    ///< the whole new image (firmware.bin)
  uint32_t offset = 0;     ///< first byte to write, from the image's start
  uint32_t bytes = 0;      ///< how many (offset + bytes <= the image's size)
  uint32_t address = 0;    ///< the flash address of `offset` (image base + offset)
  bool whole_image = true;
};

class Flasher {
 public:
  virtual ~Flasher() = default;
  virtual compiler::Result<void> Write(const FlashRegion& region) = 0;
  virtual std::string Describe() const = 0;
};

struct FlasherConfig {
  std::string kind;          ///< qemu | file | command
  std::string flash_path;    ///< qemu: the emulated flash file; file: the file to write
  std::string command;       ///< command: e.g. "st-flash write {file} {address}"
  std::string board;
  std::string scratch_dir;   ///< command: where the region's bytes are written for {file}
};

/// The flasher `config.kind` names, or an error naming what is missing.
compiler::Result<std::unique_ptr<Flasher>> MakeFlasher(const FlasherConfig& config);

/// The command line of a `command` flasher: {file} (the bytes to write, shell-quoted),
/// {address} (0x hex), {offset}, {bytes}, {board} and {kind} (image | model) replaced.
std::string ExpandFlashCommand(const std::string& command, const std::string& file, const FlashRegion& region,
                               const std::string& board);

}  // namespace tml::agent
