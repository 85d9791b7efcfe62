/* shufflec tap dump: the record writer both tap harnesses share (tap_harness.c on the host, tap_harness_mcu.c on
 * bare metal through semihosting), so `shufflec diff` reads one format: per tap int32 index, int32 count, then
 * count float32 (native byte order). Written beside harness.c by the tap runner; not part of users' builds. */
#include <stddef.h>
#include <stdio.h>

struct sc_dump {
  FILE *file;
  int failed;
};

static void sc_dump_tap(void *user, int index, const char *name, const float *data, size_t count, int rank,
                        const int *shape) {
  struct sc_dump *d = (struct sc_dump *)user;
  const int header[2] = {index, (int)count};
  (void)name, (void)rank, (void)shape;
  if (fwrite(header, sizeof header, 1, d->file) != 1 || fwrite(data, sizeof(float), count, d->file) != count)
    d->failed = 1;
}
