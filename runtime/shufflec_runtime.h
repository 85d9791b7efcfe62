/* shufflec runtime prologue: pasted at the top of every generated model .c file.
 *
 * Everything here is static, so any number of generated models link into one program without clashing. The
 * generated code needs nothing beyond the C99 standard library's <math.h> and <string.h>: no malloc, no globals
 * that change, no threads. */
#include <math.h>
#include <string.h>

/* Weights are stored as little-endian float32 bytes whose first value is 1.0f. On a big-endian machine that value
 * reads back differently, and the model refuses to run instead of computing garbage. */
static int sc_weights_byte_order_ok(const float *blob) { return blob[0] == 1.0f; }
