#pragma once
// The `qemu` flasher's board: the image in a folder (firmware.bin + manifest.json) running on
// its QEMU machine, talked to over the emulated UART. Flashing = replacing the folder's image
// and booting QEMU again.

#include <memory>
#include <mutex>
#include <string>

#include "agent/board.h"

namespace tml::agent {

class QemuBoard : public Board {
 public:
  /// Boots the image in `dir`.
  static compiler::Result<std::unique_ptr<QemuBoard>> Boot(const std::string& dir);
  compiler::Result<firmware::HelloInfo> Hello() override;
  compiler::Result<firmware::InferResult> Infer(const std::vector<uint8_t>& input) override;
  /// Stops QEMU and boots the folder's image again.
  compiler::Result<void> Reboot() override;

 private:
  std::string dir_;
  std::mutex mutex_;  // one UART conversation at a time
  std::unique_ptr<firmware::Emulator> emulator_;
};

}  // namespace tml::agent
