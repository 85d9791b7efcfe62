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

/* e^x for the sigmoid-family activations, in plain arithmetic without calls or float comparisons, so the loop
 * applying an activation to a stored tile vectorises under gcc -O2 and clang -O2 alike (libm's expf is a call per
 * element: a third of EfficientNet's time; an ordered float comparison may trap, which stops gcc vectorising).
 * e^x = 2^n * e^r with n = round(x / ln 2) and |r| <= ln(2) / 2, e^r by a degree-6 polynomial (the Cephes
 * coefficients): within 1.5 ulp of e^x. |x| is clamped to 87 on its bit pattern (e^87 ~ 6e37 and e^-87 ~ 1.6e-38
 * stand in for larger and smaller results); NaN stays NaN. n is found with the 1.5 * 2^23 rounding trick and 2^n
 * built in the exponent bits, so no float-to-int conversion can overflow. */
#if defined(__GNUC__)
#define SC_INLINE_MAYBE_UNUSED __attribute__((always_inline, unused)) inline /* gcc: called in many layers */
#else
#define SC_INLINE_MAYBE_UNUSED inline
#endif
static SC_INLINE_MAYBE_UNUSED float sc_expf(float x) {
  const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer held in the low bits */
  const uint32_t limit = 0x42AE0000u;    /* 87.0f */
  float t, n, r, p, scale;
  uint32_t bits, magnitude;
  memcpy(&bits, &x, sizeof bits);
  magnitude = bits & 0x7FFFFFFFu;
  magnitude = magnitude > limit && magnitude <= 0x7F800000u ? limit : magnitude; /* Inf too; NaN is above */
  bits = (bits & 0x80000000u) | magnitude;
  memcpy(&x, &bits, sizeof x);
  t = x * 1.44269504088896341f + round_magic;
  n = t - round_magic;
  r = x - n * 0.693359375f - n * -2.12194440e-4f; /* ln 2 in two parts: n * 0.693359375 is exact */
  p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  memcpy(&bits, &t, sizeof bits);
  bits = (bits - 0x4B400000u + 127u) << 23; /* the integer n (t's low bits) + the exponent bias */
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/* max(0, min(1, t)), NaN to 0 (hard_sigmoid, hard_swish). clang turns fminf/fmaxf into vector min/max; gcc -O2 calls
 * libm for them (a fifth of MobileNetV3's time) but makes the comparisons max/min instructions. */
#if defined(__clang__)
#define SC_CLAMP01(t) fminf(fmaxf((t), 0.0f), 1.0f)
#else
#define SC_CLAMP01(t) ((t) > 0.0f ? ((t) < 1.0f ? (t) : 1.0f) : 0.0f)
#endif
