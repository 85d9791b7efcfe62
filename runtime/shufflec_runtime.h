/* shufflec runtime prologue: pasted at the top of every generated model .c file.
 *
 * Everything here is static, so any number of generated models link into one program without clashing. The
 * generated code needs nothing beyond the C99 standard library's <math.h> and <string.h>: no malloc, no globals
 * that change, no threads. */
#include <math.h>
#include <string.h>

/* Each layer stays its own function: inlining a hundred loop nests into one function makes compilers' loop passes
 * superlinear (clang spent 10 s on a 0.5x ShuffleNet) and saves only one call per layer. */
#if defined(__GNUC__)
#define SC_LAYER static __attribute__((noinline))
#else
#define SC_LAYER static
#endif

/* Weights are stored as little-endian float32 bytes whose first value is 1.0f. On a big-endian machine that value
 * reads back differently, and the model refuses to run instead of computing garbage. */
static int sc_weights_byte_order_ok(const float *blob) { return blob[0] == 1.0f; }
