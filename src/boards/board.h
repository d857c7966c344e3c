#pragma once
// What the firmware needs from a board: the override set every board folder provides
// (its UART driver) plus the shared Cortex-M pieces (startup, SysTick). Freestanding.

#include <stdint.h>

namespace tml::board {

/// Clocks and the UART, called once from Reset_Handler before main.
void UartInit();
/// Blocking single-byte UART I/O.
void UartWrite(uint8_t byte);
uint8_t UartRead();

/// Starts SysTick free-running on the processor clock.
void TimerInit();
/// Processor-clock ticks since TimerInit (64-bit, wraps never in practice).
uint64_t TimerTicks();

/// Ends the program in a way the emulator reports (semihosting exit); never returns.
[[noreturn]] void Fail(uint32_t code);

}  // namespace tml::board
