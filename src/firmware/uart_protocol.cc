#include "firmware/uart_protocol.h"

namespace tml::uart {
namespace {

/// The 256-entry table, built at compile time.
struct Crc32Table {
  uint32_t entries[256];
  constexpr Crc32Table() : entries() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      entries[i] = c;
    }
  }
};

constexpr Crc32Table kTable;

}  // namespace

uint32_t Crc32Update(uint32_t crc, const uint8_t* data, uint32_t size) {
  crc = ~crc;
  for (uint32_t i = 0; i < size; ++i) crc = kTable.entries[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

FrameDecoder::Event FrameDecoder::Push(uint8_t byte) {
  switch (state_) {
    case State::kFirstMagic:
      if (byte == kMagic0) state_ = State::kSecondMagic;
      return Event::kNone;
    case State::kSecondMagic:
      state_ = byte == kMagic1 ? State::kHeader : (byte == kMagic0 ? State::kSecondMagic : State::kFirstMagic);
      header_[0] = kMagic0;
      header_[1] = kMagic1;
      filled_ = 2;
      return Event::kNone;
    case State::kHeader:
      header_[filled_++] = byte;
      if (filled_ < kHeaderBytes) return Event::kNone;
      length_ = ReadLe32(header_ + 4);
      if (length_ > kMaxPayload) {
        state_ = State::kFirstMagic;
        return Event::kTooLong;
      }
      crc_ = Crc32Update(0, header_ + 2, kHeaderBytes - 2);
      received_ = 0;
      filled_ = 0;
      state_ = length_ > 0 ? State::kPayload : State::kCrc;
      return Event::kHeader;
    case State::kPayload:
      crc_ = Crc32Update(crc_, &byte, 1);
      ++received_;
      if (received_ == length_) state_ = State::kCrc;
      return Event::kPayloadByte;
    case State::kCrc:
      trailer_[filled_++] = byte;
      if (filled_ < 4) return Event::kNone;
      state_ = State::kFirstMagic;
      return ReadLe32(trailer_) == crc_ ? Event::kFrame : Event::kBadCrc;
  }
  return Event::kNone;
}

void EncodeHeader(FrameType type, uint32_t length, uint8_t* out) {
  out[0] = kMagic0;
  out[1] = kMagic1;
  out[2] = static_cast<uint8_t>(type);
  out[3] = 0;
  WriteLe32(length, out + 4);
}

}  // namespace tml::uart
