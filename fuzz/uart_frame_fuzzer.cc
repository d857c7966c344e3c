// libFuzzer target: the UART frame decoder (firmware and host side) on arbitrary byte
// streams. Checks its invariants: payload bytes are numbered 0..length-1 and a frame ends
// only after exactly `length` of them.
#include <cstdint>
#include <cstdlib>

#include "firmware/uart_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using Event = tml::uart::FrameDecoder::Event;
  tml::uart::FrameDecoder decoder;
  bool in_frame = false;
  uint32_t payload = 0;
  for (size_t i = 0; i < size; ++i) {
    switch (decoder.Push(data[i])) {
      case Event::kHeader:
        if (decoder.length() > tml::uart::kMaxPayload) std::abort();
        in_frame = true;
        payload = 0;
        break;
      case Event::kPayloadByte:
        if (!in_frame || decoder.payload_index() != payload || payload >= decoder.length()) std::abort();
        ++payload;
        break;
      case Event::kFrame:
      case Event::kBadCrc:
        if (!in_frame || payload != decoder.length()) std::abort();
        in_frame = false;
        break;
      case Event::kTooLong:
      case Event::kNone:
        break;
    }
  }
  return 0;
}
