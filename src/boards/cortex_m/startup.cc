// Cortex-M reset and exception handling shared by every Cortex-M board: vector table,
// .data/.bss initialization, FPU enable, and faults reported through semihosting so the
// emulator (and tmlc emulate) sees a crash instead of a hang.
#include <stdint.h>

#include "boards/board.h"

extern "C" {
extern uint32_t __data_load_start[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];
extern uint32_t __stack_top[];
int main();
void Reset_Handler();
void HardFault_Handler();
void Default_Handler();
void SysTick_Handler();
}

namespace {

using Handler = void (*)();

}  // namespace

// The vector table: initial stack pointer, then the 15 system exception handlers.
__attribute__((section(".isr_vector"), used)) const Handler kVectorTable[16] = {
    reinterpret_cast<Handler>(__stack_top),
    Reset_Handler,
    Default_Handler,    // NMI
    HardFault_Handler,  // HardFault
    HardFault_Handler,  // MemManage
    HardFault_Handler,  // BusFault
    HardFault_Handler,  // UsageFault
    nullptr, nullptr, nullptr, nullptr,
    Default_Handler,    // SVCall
    Default_Handler,    // DebugMonitor
    nullptr,
    Default_Handler,    // PendSV
    SysTick_Handler,
};

extern "C" void Reset_Handler() {
  for (uint32_t *src = __data_load_start, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t* dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  // Full access to CP10/CP11 (the FPU) before any float instruction runs.
  volatile uint32_t* cpacr = reinterpret_cast<volatile uint32_t*>(0xE000ED88u);
  *cpacr |= 0xFu << 20;
  __asm volatile("dsb\n isb" ::: "memory");
  tml::board::UartInit();
  tml::board::TimerInit();
  main();
  tml::board::Fail(0);
}

extern "C" void HardFault_Handler() { tml::board::Fail(0xFA17); }
extern "C" void Default_Handler() { tml::board::Fail(0xDEF0); }

namespace tml::board {

[[noreturn]] void Fail(uint32_t code) {
  // Semihosting SYS_EXIT_EXTENDED (0x20): QEMU exits with `code` as its status.
  uint32_t block[2] = {0x20026u /* ADS_ApplicationExit */, code};
  register uint32_t r0 __asm("r0") = 0x20;
  register uint32_t* r1 __asm("r1") = block;
  __asm volatile("bkpt 0xAB" : : "r"(r0), "r"(r1) : "memory");
  for (;;) {
  }
}

}  // namespace tml::board
