/* shufflec runtime prologue: pasted at the top of every generated model .c file.
 *
 * Everything here is static, so any number of generated models link into one program without clashing. The
 * generated code needs nothing beyond the C99 standard library's <math.h>, <stdint.h> and <string.h>: no malloc, no
 * globals that change, no threads. */

/* The weights are little-endian float32 bytes. Where the compiler states the byte order, a big-endian target is
 * refused here; elsewhere sc_weights_byte_order_ok() below refuses it at run time. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "shufflec: this model's weights are little-endian float32, and this target is big-endian"
#endif

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Each layer stays its own function: inlining a hundred loop nests into one function makes compilers' loop passes
 * superlinear (clang spent 10 s on a 0.5x ShuffleNet) and saves only one call per layer. It also keeps the stack
 * one run needs to the run function's frame plus one layer's (the header's <PREFIX>_STACK_BYTES). */
#if defined(__GNUC__)
#define SC_LAYER static __attribute__((noinline))
#elif defined(_MSC_VER)
#define SC_LAYER static __declspec(noinline)
#else
#define SC_LAYER static
#endif

/* Weights are stored as little-endian float32 bytes whose first value is 1.0f. On a big-endian machine that value
 * reads back differently, and the model refuses to run instead of computing garbage. */
static int sc_weights_byte_order_ok(const float *blob) { return blob[0] == 1.0f; }

/* Whether p is a multiple of `align` (a power of two) bytes. */
static int sc_aligned(const void *p, uintptr_t align) { return ((uintptr_t)p & (align - 1u)) == 0; }
