/* shufflec debug taps: pasted into a model's .c file after the runtime prologue when it is compiled with
 * `shufflec compile --debug-taps` (docs/generated-c.md, "Debug taps"). Never part of a build without taps. */

/* A tensor some pass stores with its channels permuted (an absorbed channel shuffle): copies it back into the source
 * graph's layout, where source channel c of batch item n is stored channel map[c]. */
static void sc_tap_unpermute(const float *stored, float *source_layout, const int *map, int batch, int channels,
                             int plane) {
  int n, c;
  for (n = 0; n < batch; ++n)
    for (c = 0; c < channels; ++c)
      memcpy(source_layout + ((size_t)n * (size_t)channels + (size_t)c) * (size_t)plane,
             stored + ((size_t)n * (size_t)channels + (size_t)map[c]) * (size_t)plane, (size_t)plane * sizeof(float));
}
