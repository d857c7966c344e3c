// mps2-an386: CMSDK APB UART0 at 0x40004000, the first -serial of QEMU.
#include <stdint.h>

#include "boards/board.h"

namespace {

struct CmsdkUart {
  volatile uint32_t data;
  volatile uint32_t state;  // bit 0 TX full, bit 1 RX full
  volatile uint32_t ctrl;   // bit 0 TX enable, bit 1 RX enable
  volatile uint32_t intstatus;
  volatile uint32_t bauddiv;
};

CmsdkUart* const kUart0 = reinterpret_cast<CmsdkUart*>(0x40004000u);

}  // namespace

namespace tml::board {

void UartInit() {
  kUart0->bauddiv = 16;
  kUart0->ctrl = 0x3;
}

void UartWrite(uint8_t byte) {
  while ((kUart0->state & 0x1u) != 0) {
  }
  kUart0->data = byte;
}

uint8_t UartRead() {
  while ((kUart0->state & 0x2u) == 0) {
  }
  return static_cast<uint8_t>(kUart0->data);
}

}  // namespace tml::board
