// The firmware application: loads the plan from the board's model slot and serves the UART
// protocol of docs/formats/uart.md (hello, infer -> result, errors for bad frames).
#include <stdint.h>

#include "boards/board.h"
#include "firmware/uart_protocol.h"
#include "runtime/interpreter.h"
#include "runtime/kernel_table.h"
#include "runtime/plan.h"

extern "C" {
extern const uint8_t __tml_model_slot_start[];
extern const uint8_t __tml_model_slot_bytes[];  // an absolute symbol: its address is the size
extern uint8_t __arena_start[];
extern uint8_t __arena_end[];
}

#ifndef TML_FIRMWARE_VERSION
#define TML_FIRMWARE_VERSION "0.0.0"
#endif
#ifndef TML_BOARD_NAME
#define TML_BOARD_NAME "unknown"
#endif

namespace {

using namespace tml;
using uart::FrameType;

/// Sends one frame whose payload is the concatenation of up to three pieces.
class FrameWriter {
 public:
  void Send(FrameType type, const uint8_t* a, uint32_t a_len, const uint8_t* b = nullptr, uint32_t b_len = 0) {
    uint8_t header[uart::kHeaderBytes];
    uart::EncodeHeader(type, a_len + b_len, header);
    crc_ = uart::Crc32Update(0, header + 2, uart::kHeaderBytes - 2);
    Raw(header, uart::kHeaderBytes, false);
    Raw(a, a_len, true);
    Raw(b, b_len, true);
    uint8_t crc[4];
    uart::WriteLe32(crc_, crc);
    Raw(crc, 4, false);
  }
  /// For payloads written piecewise: header, then Part() calls, then End().
  void Begin(FrameType type, uint32_t length) {
    uint8_t header[uart::kHeaderBytes];
    uart::EncodeHeader(type, length, header);
    crc_ = uart::Crc32Update(0, header + 2, uart::kHeaderBytes - 2);
    Raw(header, uart::kHeaderBytes, false);
  }
  void Part(const uint8_t* data, uint32_t size) { Raw(data, size, true); }
  void End() {
    uint8_t crc[4];
    uart::WriteLe32(crc_, crc);
    Raw(crc, 4, false);
  }

 private:
  void Raw(const uint8_t* data, uint32_t size, bool checksum) {
    if (checksum && size > 0) crc_ = uart::Crc32Update(crc_, data, size);
    for (uint32_t i = 0; i < size; ++i) board::UartWrite(data[i]);
  }
  uint32_t crc_ = 0;
};

void SendError(FrameWriter& w, uart::ErrorCode code, const char* message) {
  uint8_t c = static_cast<uint8_t>(code);
  uint32_t len = 0;
  while (message[len] != 0) ++len;
  w.Send(FrameType::kError, &c, 1, reinterpret_cast<const uint8_t*>(message), len + 1);
}

/// Model state after boot: the loaded plan and its interpreter, or why there is none.
struct Model {
  Plan plan;
  Interpreter interpreter;
  Status status = Status::kBadMagic;
  uint32_t input_bytes = 0;
  uint32_t output_bytes = 0;
};

uint32_t CalibrationTicks() {
  // 2,000,000 iterations of a 2-instruction loop: 4,000,000 instructions.
  uint32_t n = 2000000;
  const uint64_t start = board::TimerTicks();
  __asm volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(n) : : "cc");
  return static_cast<uint32_t>(board::TimerTicks() - start);
}

void LoadModel(Model& m) {
  const auto slot_bytes = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(__tml_model_slot_bytes));
  m.status = Plan::Load(__tml_model_slot_start, slot_bytes, &m.plan);
  if (m.status != Status::kOk) return;
  const auto capacity = static_cast<uint32_t>(__arena_end - __arena_start);
  m.status = m.interpreter.Init(&m.plan, __arena_start, capacity);
  if (m.status != Status::kOk) return;
  for (uint32_t i = 0; i < m.plan.num_inputs(); ++i) m.input_bytes += m.interpreter.input_record(i).bytes;
  for (uint32_t i = 0; i < m.plan.num_outputs(); ++i) m.output_bytes += m.interpreter.output_record(i).bytes;
}

void SendHello(FrameWriter& w, const Model& m, uint32_t calibration_ticks) {
  uart::HelloReply r{};
  r.protocol_version = uart::kProtocolVersion;
  r.opset_version = kOpSetVersion;
  r.model_status = static_cast<uint8_t>(m.status);
  r.arena_capacity = static_cast<uint32_t>(__arena_end - __arena_start);
  r.calibration_instructions = 4000000;
  r.calibration_ticks = calibration_ticks;
  if (m.status == Status::kOk || m.status == Status::kArenaTooSmall) {
    r.model_bytes = m.plan.header().total_bytes;
    r.arena_bytes = m.plan.arena_bytes();
    for (int i = 0; i < 32; ++i) r.model_sha256[i] = m.plan.header().content_sha256[i];
  }
  static const char kStrings[] = TML_FIRMWARE_VERSION "\0" TML_BOARD_NAME;
  w.Send(FrameType::kHelloReply, reinterpret_cast<const uint8_t*>(&r), sizeof(r),
         reinterpret_cast<const uint8_t*>(kStrings), sizeof(kStrings));
}

/// Stores payload byte `index` of an INFER into the model inputs, in input order.
void StoreInputByte(Model& m, uint32_t index, uint8_t byte) {
  for (uint32_t i = 0; i < m.plan.num_inputs(); ++i) {
    const uint32_t bytes = m.interpreter.input_record(i).bytes;
    if (index < bytes) {
      m.interpreter.input(i)[index] = byte;
      return;
    }
    index -= bytes;
  }
}

void Answer(FrameWriter& w, Model& m, FrameType type, bool inputs_complete, uint32_t calibration_ticks) {
  if (type == FrameType::kHello) {
    SendHello(w, m, calibration_ticks);
  } else if (type == FrameType::kInfer) {
    if (m.status == Status::kArenaTooSmall) {
      SendError(w, uart::ErrorCode::kArenaTooSmall, "the model needs more RAM than this firmware has");
    } else if (m.status == Status::kUnknownKernel) {
      SendError(w, uart::ErrorCode::kMissingKernel, "the model uses a kernel this firmware was built without");
    } else if (m.status != Status::kOk) {
      SendError(w, uart::ErrorCode::kNoModel, StatusMessage(m.status));
    } else if (!inputs_complete) {
      SendError(w, uart::ErrorCode::kBadLength, "input length differs from the model's input bytes");
    } else {
      const uint64_t start = board::TimerTicks();
      m.interpreter.Invoke();
      const uint64_t ticks = board::TimerTicks() - start;
      uart::ResultHeader result{static_cast<uint32_t>(ticks), static_cast<uint32_t>(ticks >> 32)};
      w.Begin(FrameType::kResult, sizeof(result) + m.output_bytes);
      w.Part(reinterpret_cast<const uint8_t*>(&result), sizeof(result));
      for (uint32_t i = 0; i < m.plan.num_outputs(); ++i) {
        w.Part(m.interpreter.output(i), m.interpreter.output_record(i).bytes);
      }
      w.End();
    }
  } else {
    SendError(w, uart::ErrorCode::kUnknownType, "unknown frame type");
  }
}

void Serve(Model& m, uint32_t calibration_ticks) {
  FrameWriter w;
  uart::FrameDecoder decoder;
  bool to_inputs = false;
  for (;;) {
    const uint8_t byte = board::UartRead();
    switch (decoder.Push(byte)) {
      case uart::FrameDecoder::Event::kHeader:
        // Stream an INFER payload straight into the input tensors when its size is right.
        to_inputs = decoder.type() == FrameType::kInfer && m.status == Status::kOk && decoder.length() == m.input_bytes;
        break;
      case uart::FrameDecoder::Event::kPayloadByte:
        if (to_inputs) StoreInputByte(m, decoder.payload_index(), byte);
        break;
      case uart::FrameDecoder::Event::kFrame:
        Answer(w, m, decoder.type(), to_inputs, calibration_ticks);
        break;
      case uart::FrameDecoder::Event::kBadCrc:
        SendError(w, uart::ErrorCode::kBadCrc, "frame CRC mismatch");
        break;
      case uart::FrameDecoder::Event::kTooLong:
        SendError(w, uart::ErrorCode::kBadLength, "payload length exceeds the protocol maximum");
        break;
      case uart::FrameDecoder::Event::kNone:
        break;
    }
  }
}

Model g_model;

}  // namespace

int main() {
  const uint32_t calibration_ticks = CalibrationTicks();
  LoadModel(g_model);
  // Announce readiness: a host must not send before the UART is enabled (some UART models
  // drop bytes received earlier), so it waits for this unsolicited HELLO reply.
  FrameWriter w;
  SendHello(w, g_model, calibration_ticks);
  Serve(g_model, calibration_ticks);
  return 0;
}
