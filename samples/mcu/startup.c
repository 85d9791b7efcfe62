/* Startup for the 256 KiB / 64 KiB sample (part_256k_64k.ld): the vector table, .data copied from flash, .bss
 * cleared, the FPU enabled, then main(). Its return value leaves through ARM semihosting (SYS_EXIT_EXTENDED), which
 * QEMU turns into its exit status; on a board without a debugger attached, replace sample_exit with a reset. */
#include <stdint.h>

#include "sample.h"

extern uint32_t __data_start__, __data_end__, __data_load__, __bss_start__, __bss_end__, __stack_top__;
int main(void);
void sample_reset_handler(void);

#define SAMPLE_CPACR (*(volatile uint32_t *)0xE000ED88u) /* coprocessor access: CP10, CP11 = the FPU */

static uint32_t sample_semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void sample_print(const char *text) { sample_semihost(0x04, text); /* SYS_WRITE0 */ }

void sample_exit(int status) {
  const uint32_t block[2] = {0x20026u, (uint32_t)status}; /* ADP_Stopped_ApplicationExit, the status */
  sample_semihost(0x20, block);                           /* SYS_EXIT_EXTENDED */
  for (;;) {
  }
}

static void sample_fault(void) {
  sample_print("fault exception\n");
  sample_exit(3);
}

typedef void (*sample_vector)(void);
__attribute__((section(".vectors"), used)) static const sample_vector sample_vectors[16] = {
    (sample_vector)(uintptr_t)&__stack_top__, sample_reset_handler,
    sample_fault, sample_fault, sample_fault, sample_fault, sample_fault, /* NMI, HardFault, MemManage, Bus, Usage */
    0, 0, 0, 0,
    sample_fault, sample_fault, 0, sample_fault, sample_fault, /* SVCall, DebugMonitor, -, PendSV, SysTick */
};

void sample_reset_handler(void) {
  uint32_t *dst = &__data_start__;
  const uint32_t *src = &__data_load__;
  SAMPLE_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  while (dst < &__data_end__) *dst++ = *src++;
  for (dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
  sample_exit(main());
}
