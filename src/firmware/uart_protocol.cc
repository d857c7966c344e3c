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

void EncodeHeader(FrameType type, uint32_t length, uint8_t* out) {
  out[0] = kMagic0;
  out[1] = kMagic1;
  out[2] = static_cast<uint8_t>(type);
  out[3] = 0;
  WriteLe32(length, out + 4);
}

}  // namespace tml::uart
