/* Minimal startup for the bare-metal tests on QEMU's MPS2 Cortex-M4/M7 boards (see mps2.ld): the vector table,
 * .data/.bss set up, the FPU enabled, then newlib's semihosting start (rdimon's _start: stdio through the host,
 * exit status back to QEMU). A fault prints its name through semihosting and exits with a failure status rather
 * than hanging the test. */
#include <stdint.h>

extern uint32_t __data_start__, __data_end__, __data_load__, __bss_start__, __bss_end__, __stack_top__;
extern void _start(void); /* newlib rdimon crt0 */
void sc_reset_handler(void);
void sc_fault_handler(void);
/* A program may count SysTick interrupts (bench/mcu/bench_main.c); without a handler of its own, one is a fault. */
void SysTick_Handler(void) __attribute__((weak, alias("sc_fault_handler")));

/* The SCB's coprocessor access control register: CP10 and CP11 (the FPU) get full access. */
#define SC_CPACR (*(volatile uint32_t *)0xE000ED88u)

/* ARM semihosting: SYS_WRITE0 (0x04) prints a string, SYS_EXIT (0x18) stops QEMU with a failure reason. */
static void sc_semihost(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
}

void sc_fault_handler(void) {
  sc_semihost(0x04, "bare-metal test: fault exception\n");
  sc_semihost(0x18, (const void *)0x20023u); /* ADP_Stopped_RunTimeErrorUnknown: a non-zero exit status */
  for (;;) {
  }
}

typedef void (*sc_vector)(void);
__attribute__((section(".vectors"), used)) static const sc_vector sc_vectors[16] = {
    (sc_vector)(uintptr_t)&__stack_top__, sc_reset_handler,
    sc_fault_handler, /* NMI */
    sc_fault_handler, /* HardFault */
    sc_fault_handler, /* MemManage */
    sc_fault_handler, /* BusFault */
    sc_fault_handler, /* UsageFault */
    0, 0, 0, 0,
    sc_fault_handler, /* SVCall */
    sc_fault_handler, /* DebugMonitor */
    0,
    sc_fault_handler, /* PendSV */
    SysTick_Handler,
};

void sc_reset_handler(void) {
  uint32_t *dst = &__data_start__;
  const uint32_t *src = &__data_load__;
  SC_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  while (dst < &__data_end__) *dst++ = *src++;
  for (dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
  _start();
  for (;;) {
  }
}
