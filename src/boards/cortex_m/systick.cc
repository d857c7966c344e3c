// SysTick as a 64-bit free-running counter of processor-clock ticks: the 24-bit hardware
// counter counts down, the interrupt counts wraps. Under QEMU -icount the count is a
// deterministic function of the instructions executed.
#include <stdint.h>

#include "boards/board.h"

namespace {

struct SysTickRegs {
  volatile uint32_t csr;
  volatile uint32_t rvr;
  volatile uint32_t cvr;
};

SysTickRegs* const kSysTick = reinterpret_cast<SysTickRegs*>(0xE000E010u);
constexpr uint32_t kReload = 0xFFFFFFu;
volatile uint32_t g_wraps = 0;

}  // namespace

extern "C" void SysTick_Handler() { g_wraps = g_wraps + 1; }

namespace tml::board {

void TimerInit() {
  kSysTick->rvr = kReload;
  kSysTick->cvr = 0;
  kSysTick->csr = 0x7;  // ENABLE | TICKINT | CLKSOURCE = processor clock
  // The counter reads 0 until its first reload; wait for it (bounded: a machine whose
  // SysTick has no clock never reloads, and then reports zero ticks).
  for (uint32_t i = 0; i < 1000000 && kSysTick->cvr == 0; ++i) {
  }
}

uint64_t TimerTicks() {
  // With interrupts masked, a wrap that happened but is not yet counted shows as a pending
  // SysTick exception: count it and re-read the (reloaded) counter.
  volatile uint32_t* const icsr = reinterpret_cast<volatile uint32_t*>(0xE000ED04u);
  constexpr uint32_t kPendStSet = 1u << 26;
  uint32_t primask;
  __asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask) : : "memory");
  uint32_t value = kSysTick->cvr;
  uint32_t wraps = g_wraps;
  if (*icsr & kPendStSet) {
    value = kSysTick->cvr;
    ++wraps;
  }
  __asm volatile("msr primask, %0" : : "r"(primask) : "memory");
  return uint64_t{wraps} * (kReload + 1) + (kReload - value);
}

}  // namespace tml::board
