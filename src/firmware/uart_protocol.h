#pragma once
// The framed protocol between a host and the firmware on the board's UART, used by both
// sides (freestanding). Documented in docs/formats/uart.md.
//
//   offset 0  magic   0xA5 0x5A
//          2  type    u8   (FrameType)
//          3  flags   u8   (0)
//          4  length  u32  payload bytes, little-endian
//          8  payload
//   8+length  crc32   u32  IEEE CRC-32 of bytes [2, 8 + length), little-endian

#include <stdint.h>

namespace tml::uart {

inline constexpr uint8_t kMagic0 = 0xA5;
inline constexpr uint8_t kMagic1 = 0x5A;
inline constexpr uint32_t kHeaderBytes = 8;
inline constexpr uint32_t kProtocolVersion = 1;
/// Larger payloads are refused without being read.
inline constexpr uint32_t kMaxPayload = 4u << 20;

enum class FrameType : uint8_t {
  kHello = 0x01,        ///< host -> device, empty payload
  kInfer = 0x02,        ///< host -> device, all input tensors' bytes in input order
  kHelloReply = 0x81,   ///< device -> host, HelloReply + strings
  kResult = 0x82,       ///< device -> host, ResultHeader + all output tensors' bytes
  kError = 0xFF,        ///< device -> host, ErrorCode byte + NUL-terminated message
};

enum class ErrorCode : uint8_t {
  kBadCrc = 1,
  kBadLength = 2,
  kUnknownType = 3,
  kNoModel = 4,          ///< the model slot holds no valid plan
  kArenaTooSmall = 5,    ///< the plan needs more RAM than the firmware has
  kMissingKernel = 6,    ///< the plan uses a kernel this firmware was built without
};

/// Fixed part of the HELLO reply; followed by the firmware version and the board name,
/// each NUL-terminated.
struct HelloReply {
  uint16_t protocol_version;
  uint16_t opset_version;
  uint8_t model_status;       ///< runtime Status of loading the slot (0 = ok)
  uint8_t reserved[3];
  uint32_t model_bytes;       ///< plan total_bytes (0 if none)
  uint32_t arena_bytes;       ///< what the plan needs
  uint32_t arena_capacity;    ///< what the firmware has
  uint32_t calibration_instructions;  ///< instructions of the boot calibration loop
  uint32_t calibration_ticks;         ///< SysTick ticks it took
  uint8_t model_sha256[32];   ///< the plan's content hash (header), zero if none
};
static_assert(sizeof(HelloReply) == 60, "HelloReply layout is part of the protocol");

/// Fixed part of a RESULT; followed by the outputs' bytes.
struct ResultHeader {
  uint32_t ticks_lo;  ///< SysTick ticks of the inference (processor clock)
  uint32_t ticks_hi;
};

/// Decodes frames from a byte stream, one byte at a time, without buffering payloads: the
/// caller decides where payload bytes go (the firmware streams them into input tensors).
/// Used by the firmware and by the host, and fuzzed (fuzz/uart_frame_fuzzer.cc).
class FrameDecoder {
 public:
  enum class Event : uint8_t {
    kNone,         ///< byte consumed, nothing to report
    kHeader,       ///< a header is complete: type() and length() are valid
    kPayloadByte,  ///< the byte is payload byte number payload_index()
    kFrame,        ///< the CRC matched: the frame is complete
    kBadCrc,       ///< the frame is complete but its CRC does not match
    kTooLong,      ///< the header announced more than kMaxPayload; the decoder resynchronizes
  };

  Event Push(uint8_t byte);
  FrameType type() const { return static_cast<FrameType>(header_[2]); }
  uint32_t length() const { return length_; }
  uint32_t payload_index() const { return received_ - 1; }

 private:
  enum class State : uint8_t { kFirstMagic, kSecondMagic, kHeader, kPayload, kCrc };
  State state_ = State::kFirstMagic;
  uint8_t header_[8] = {};
  uint32_t filled_ = 0;    ///< header or CRC bytes so far
  uint32_t length_ = 0;
  uint32_t received_ = 0;  ///< payload bytes so far
  uint32_t crc_ = 0;
  uint8_t trailer_[4] = {};
};

/// IEEE 802.3 CRC-32 (reflected, polynomial 0xEDB88320), updated incrementally:
/// crc = Crc32Update(crc, data, n) starting from 0.
uint32_t Crc32Update(uint32_t crc, const uint8_t* data, uint32_t size);

/// Writes a frame header for `type` and `length` into out[0..8).
void EncodeHeader(FrameType type, uint32_t length, uint8_t* out);

inline uint32_t ReadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
inline void WriteLe32(uint32_t v, uint8_t* p) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

}  // namespace tml::uart
