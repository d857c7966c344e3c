#pragma once
// Runs a firmware image on its board's QEMU machine and talks to it over the emulated UART
// (a unix socket, never stdout scraping). Every wait is bounded: a firmware that hangs or
// crashes gives an error, never a hung caller.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/error.h"

namespace tml::firmware {

struct HelloInfo {
  uint32_t protocol_version = 0;
  uint32_t opset_version = 0;
  uint32_t model_status = 0;      ///< runtime Status of the slot's plan (0 = ok)
  uint32_t model_bytes = 0;
  uint32_t arena_bytes = 0;
  uint32_t arena_capacity = 0;
  std::string model_sha256;        ///< hex
  std::string firmware_version;
  std::string board;
  double instructions_per_tick = 0;  ///< from the boot calibration loop
};

struct InferResult {
  std::vector<uint8_t> outputs;  ///< all output tensors, concatenated in order
  uint64_t ticks = 0;            ///< SysTick ticks of the inference
  uint64_t instructions = 0;     ///< ticks x instructions per tick (deterministic under -icount)
};

struct EmulatorOptions {
  double boot_timeout_s = 20;
  double reply_timeout_s = 300;
};

class Emulator {
 public:
  /// Boots `<dir>/firmware.bin` on the machine named by `<dir>/manifest.json`.
  static compiler::Result<std::unique_ptr<Emulator>> Start(const std::string& dir, const EmulatorOptions& options = {});
  ~Emulator();

  compiler::Result<HelloInfo> Hello();
  /// Sends the inputs (all input tensors' bytes, concatenated) and returns the outputs.
  compiler::Result<InferResult> Infer(const std::vector<uint8_t>& inputs);
  /// Sends raw bytes (for tests of the protocol's error handling).
  compiler::Result<void> SendRaw(const std::vector<uint8_t>& bytes);
  /// Reads one frame: type and payload.
  compiler::Result<std::pair<uint8_t, std::vector<uint8_t>>> ReadFrame(double timeout_s);

 private:
  Emulator() = default;
  compiler::Result<void> ReadExact(uint8_t* data, size_t size, double deadline);
  compiler::Result<void> SendFrame(uint8_t type, const std::vector<uint8_t>& payload);
  std::string ExitReason();

  pid_t pid_ = -1;
  int socket_ = -1;
  std::string work_dir_;
  EmulatorOptions options_;
  double instructions_per_tick_ = 0;
};

}  // namespace tml::firmware
