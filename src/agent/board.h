#pragma once
// The microcontroller behind the gateway, as the agent needs it: what it runs (hello) and one
// inference. QemuBoard is the emulated one; a serial-port board for real hardware follows the
// same interface.

#include <cstdint>
#include <vector>

#include "compiler/error.h"
#include "firmware/host/emulator.h"

namespace tml::agent {

class Board {
 public:
  virtual ~Board() = default;
  virtual compiler::Result<firmware::HelloInfo> Hello() = 0;
  virtual compiler::Result<firmware::InferResult> Infer(const std::vector<uint8_t>& input) = 0;
  virtual compiler::Result<void> Reboot() = 0;
};

}  // namespace tml::agent
