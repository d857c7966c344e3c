#include "agent/qemu_board.h"

namespace tml::agent {

compiler::Result<std::unique_ptr<QemuBoard>> QemuBoard::Boot(const std::string& dir) {
  auto emulator = firmware::Emulator::Start(dir);
  if (!emulator) return tl::unexpected(emulator.error());
  auto board = std::unique_ptr<QemuBoard>(new QemuBoard());
  board->emulator_ = std::move(*emulator);
  board->dir_ = dir;
  return board;
}

compiler::Result<void> QemuBoard::Reboot() {
  std::lock_guard lock(mutex_);
  emulator_.reset();  // stops QEMU
  auto emulator = firmware::Emulator::Start(dir_);
  if (!emulator) return tl::unexpected(emulator.error());
  emulator_ = std::move(*emulator);
  return {};
}

compiler::Result<firmware::HelloInfo> QemuBoard::Hello() {
  std::lock_guard lock(mutex_);
  return emulator_->Hello();
}

compiler::Result<firmware::InferResult> QemuBoard::Infer(const std::vector<uint8_t>& input) {
  std::lock_guard lock(mutex_);
  return emulator_->Infer(input);
}

}  // namespace tml::agent
