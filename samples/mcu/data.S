/* The sample's test image and the output the int8 reference interpreter gives for it, both raw float32 files made
 * by build.sh (found through -I), placed in flash next to the weights. */
  .section .rodata.sample_data, "a"
  .balign 4
  .global sample_input
sample_input:
  .incbin "input.bin"
  .balign 4
  .global sample_expected
sample_expected:
  .incbin "expected.bin"
