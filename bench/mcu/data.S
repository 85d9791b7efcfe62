/* The benchmark's input and golden output (raw float32 files found through -I), in flash. */
  .section .rodata.bench_data, "a"
  .balign 4
  .global bench_input
bench_input:
  .incbin "input.bin"
  .balign 4
  .global bench_expected
bench_expected:
  .incbin "expected.bin"
