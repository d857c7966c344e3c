// netduinoplus2 (STM32F405): USART1 at 0x40011000, the first -serial of QEMU.
#include <stdint.h>

#include "boards/board.h"

namespace {

struct Usart {
  volatile uint32_t sr;   // bit 7 TXE, bit 5 RXNE
  volatile uint32_t dr;
  volatile uint32_t brr;
  volatile uint32_t cr1;  // bit 13 UE, bit 3 TE, bit 2 RE
};

Usart* const kUsart1 = reinterpret_cast<Usart*>(0x40011000u);

}  // namespace

namespace tml::board {

void UartInit() { kUsart1->cr1 = (1u << 13) | (1u << 3) | (1u << 2); }

void UartWrite(uint8_t byte) {
  while ((kUsart1->sr & (1u << 7)) == 0) {
  }
  kUsart1->dr = byte;
}

uint8_t UartRead() {
  while ((kUsart1->sr & (1u << 5)) == 0) {
  }
  return static_cast<uint8_t>(kUsart1->dr);
}

}  // namespace tml::board
