/* classify: Fashion-MNIST demo for a shufflec-compiled ShuffleNet v1.
 *
 * Build (see run_demo.sh):
 *   shufflec compile samples/fashion_mnist/model/fashion_shufflenet.json -o GEN --prefix fashion
 *   cc -O2 -I GEN samples/fashion_mnist/classify.c GEN/fashion.c -lm -o classify
 *
 * Usage:
 *   classify IMAGE.pgm...
 *       classify 28x28 binary PGM files (P5, maxval 255): class, confidence and latency for each.
 *   classify --idx IMAGES-idx3-ubyte [LABELS-idx1-ubyte] [--all | --count N] [--predictions FILE]
 *       classify images of an uncompressed idx file: the first N (default 10), printed one per line, or with --all
 *       every image, printing only the summary. With labels it prints the accuracy and the 10x10 confusion matrix;
 *       --predictions writes one predicted class index per line.
 *
 * Input normalisation (the same as samples/fashion_mnist/train.py, in float32):
 *   x = (pixel / 255 - 0.2860) / 0.3530
 *
 * Everything is in static buffers: no malloc. Errors are one line on stderr and exit status 1. */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fashion.h"

#define SIDE 28
#define PIXELS (SIDE * SIDE)
#define NUM_CLASSES 10
#define DEFAULT_COUNT 10L

/* The model must take one 1x28x28 image and return 10 probabilities. */
typedef char check_input_count[(FASHION_INPUT_COUNT == PIXELS) ? 1 : -1];
typedef char check_output_count[(FASHION_OUTPUT_COUNT == NUM_CLASSES) ? 1 : -1];

static const char *const class_names[NUM_CLASSES] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                     "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
static const char *const class_short[NUM_CLASSES] = {"tshirt", "trouser", "pullovr", "dress", "coat",
                                                     "sandal", "shirt",   "sneaker", "bag",   "boot"};

static float input[FASHION_INPUT_COUNT];
static float output[FASHION_OUTPUT_COUNT];
static FASHION_ARENA_DECLARE(arena); /* FASHION_ARENA_ALIGN-byte aligned, as fashion_run requires */
static unsigned char pixels[PIXELS];
static long confusion[NUM_CLASSES][NUM_CLASSES];

static void die(const char *path, const char *msg) {
  if (path != NULL)
    fprintf(stderr, "classify: error: %s: %s\n", path, msg);
  else
    fprintf(stderr, "classify: error: %s\n", msg);
  exit(1);
}

static double now_seconds(void) {
#if defined(CLOCK_MONOTONIC)
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0) return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
  return (double)clock() / (double)CLOCKS_PER_SEC;
}

/* Runs the model on `pixels`; returns the predicted class, its probability in *confidence and the time the model
 * took in *seconds. */
static int classify_pixels(const char *what, float *confidence, double *seconds) {
  int i, best = 0, status;
  double t0;
  char msg[64];
  for (i = 0; i < PIXELS; ++i) input[i] = ((float)pixels[i] / 255.0f - 0.2860f) / 0.3530f;
  t0 = now_seconds();
  status = fashion_run(input, output, arena);
  if (status != FASHION_OK) {
    sprintf(msg, "the model refused to run (fashion_run returned %d)", status);
    die(what, msg);
  }
  *seconds = now_seconds() - t0;
  for (i = 1; i < NUM_CLASSES; ++i)
    if (output[i] > output[best]) best = i;
  *confidence = output[best];
  return best;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* PGM */

static int pgm_skip_space(FILE *f) { /* skips whitespace and '#' comments; returns the next char (unread) */
  int c = getc(f);
  for (;;) {
    if (c == '#') {
      while (c != EOF && c != '\n' && c != '\r') c = getc(f);
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      c = getc(f);
    } else {
      break;
    }
  }
  if (c != EOF) ungetc(c, f);
  return c;
}

static long pgm_number(FILE *f, const char *path, const char *what) {
  long v = 0;
  int c, digits = 0;
  char msg[96];
  pgm_skip_space(f);
  while ((c = getc(f)) != EOF && c >= '0' && c <= '9') {
    v = v > 100000L ? v : v * 10 + (c - '0'); /* saturates: any huge value is rejected later */
    ++digits;
  }
  if (digits == 0) {
    sprintf(msg, "not a valid binary PGM (bad or missing %s in the header)", what);
    die(path, msg);
  }
  if (c != EOF) ungetc(c, f);
  return v;
}

static void read_pgm(const char *path) {
  FILE *f = fopen(path, "rb");
  long w, h, maxval;
  int c;
  char msg[128];
  if (f == NULL) die(path, strerror(errno));
  if (getc(f) != 'P' || getc(f) != '5') {
    fclose(f);
    die(path, "not a binary PGM (wrong magic: expected P5)");
  }
  w = pgm_number(f, path, "width");
  h = pgm_number(f, path, "height");
  maxval = pgm_number(f, path, "maxval");
  c = getc(f); /* exactly one whitespace character separates the header from the pixels */
  if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
    fclose(f);
    die(path, "not a valid binary PGM (no whitespace after maxval)");
  }
  if (w != SIDE || h != SIDE) {
    fclose(f);
    sprintf(msg, "image is %ldx%ld, expected %dx%d", w, h, SIDE, SIDE);
    die(path, msg);
  }
  if (maxval != 255) {
    fclose(f);
    sprintf(msg, "maxval is %ld, expected 255", maxval);
    die(path, msg);
  }
  if (fread(pixels, 1, PIXELS, f) != PIXELS) {
    fclose(f);
    die(path, "wrong size: truncated pixel data (expected 784 bytes after the header)");
  }
  if (getc(f) != EOF) {
    fclose(f);
    die(path, "wrong size: extra data after the 784 pixels");
  }
  fclose(f);
}

static int classify_pgms(int argc, char **argv) {
  int i;
  for (i = 0; i < argc; ++i) {
    float conf;
    double secs;
    int k;
    read_pgm(argv[i]);
    k = classify_pixels(argv[i], &conf, &secs);
    printf("%s: %s (%.2f%%), %.3f ms\n", argv[i], class_names[k], 100.0 * conf, secs * 1e3);
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* idx */

static unsigned long be32(const unsigned char *b) {
  return ((unsigned long)b[0] << 24) | ((unsigned long)b[1] << 16) | ((unsigned long)b[2] << 8) | (unsigned long)b[3];
}

static long file_size(FILE *f, const char *path) {
  long n = -1;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
    die(path, "cannot determine the file size");
  return n;
}

/* Opens an idx file, checks magic, dims and exact size; returns the item count. */
static FILE *open_idx(const char *path, unsigned long magic, int dims, long *count) {
  unsigned char hdr[16];
  size_t hdr_bytes = 4 + 4 * (size_t)dims;
  FILE *f = fopen(path, "rb");
  long size, n, item = 1;
  int d;
  char msg[160];
  if (f == NULL) die(path, strerror(errno));
  size = file_size(f, path);
  if (fread(hdr, 1, hdr_bytes, f) != hdr_bytes) die(path, "wrong size: too short for an idx header");
  if (be32(hdr) != magic) {
    if ((be32(hdr) >> 16) == 0x1f8bUL)
      sprintf(msg, "wrong magic: the file is gzip-compressed (gunzip it first)");
    else
      sprintf(msg, "wrong magic 0x%08lx, expected 0x%08lx (%s)", be32(hdr), magic,
              magic == 0x803 ? "idx3 unsigned-byte images" : "idx1 unsigned-byte labels");
    die(path, msg);
  }
  if (be32(hdr + 4) > (unsigned long)LONG_MAX / PIXELS) die(path, "implausible image count in the header");
  n = (long)be32(hdr + 4);
  for (d = 1; d < dims; ++d) {
    if (be32(hdr + 4 + 4 * d) != SIDE) {
      sprintf(msg, "images are %lux%lu, expected %dx%d", be32(hdr + 8), be32(hdr + 12), SIDE, SIDE);
      die(path, msg);
    }
    item *= SIDE;
  }
  if (size != (long)hdr_bytes + n * item) {
    sprintf(msg, "wrong size: %ld bytes, but the header promises %ld items (%ld bytes)", size, n,
            (long)hdr_bytes + n * item);
    die(path, msg);
  }
  *count = n;
  return f;
}

static long parse_count(const char *s) {
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1) die(NULL, "--count expects a positive integer");
  return v;
}

static int classify_idx(const char *images_path, const char *labels_path, int all, long count,
                        const char *predictions_path) {
  long n_images, n_labels = 0, i, correct = 0;
  FILE *images = open_idx(images_path, 0x803, 3, &n_images);
  FILE *labels = labels_path != NULL ? open_idx(labels_path, 0x801, 1, &n_labels) : NULL;
  FILE *pred = NULL;
  double total_secs = 0.0, min_secs = 1e30;
  int t, p;
  char msg[128];

  if (labels != NULL && n_labels != n_images) {
    sprintf(msg, "has %ld labels but %s has %ld images", n_labels, images_path, n_images);
    die(labels_path, msg);
  }
  if (all) {
    count = n_images;
  } else if (count > n_images) {
    sprintf(msg, "--count %ld but the file holds only %ld images", count, n_images);
    die(images_path, msg);
  }
  if (predictions_path != NULL && (pred = fopen(predictions_path, "w")) == NULL)
    die(predictions_path, strerror(errno));

  for (i = 0; i < count; ++i) {
    float conf;
    double secs;
    int k, label = -1;
    if (fread(pixels, 1, PIXELS, images) != PIXELS) die(images_path, "read error");
    if (labels != NULL) {
      int c = getc(labels);
      if (c == EOF) die(labels_path, "read error");
      if (c >= NUM_CLASSES) {
        sprintf(msg, "label %d of image %ld is not a class index 0..9", c, i);
        die(labels_path, msg);
      }
      label = c;
    }
    k = classify_pixels(images_path, &conf, &secs);
    total_secs += secs;
    if (secs < min_secs) min_secs = secs;
    if (pred != NULL) fprintf(pred, "%d\n", k);
    if (label >= 0) {
      ++confusion[label][k];
      if (k == label) ++correct;
    }
    if (!all) {
      printf("#%ld: %s (%.2f%%), %.3f ms", i, class_names[k], 100.0 * conf, secs * 1e3);
      if (label >= 0) printf("  [true: %s]%s", class_names[label], k == label ? "" : "  WRONG");
      printf("\n");
    }
  }
  fclose(images);
  if (labels != NULL) fclose(labels);
  if (pred != NULL && fclose(pred) != 0) die(predictions_path, "write error");

  printf("classified %ld images: mean latency %.3f ms per image (min %.3f ms)\n", count,
         1e3 * total_secs / (double)count, 1e3 * min_secs);
  if (labels_path != NULL) {
    printf("accuracy: %.2f%% (%ld / %ld)\n", 100.0 * (double)correct / (double)count, correct, count);
    printf("confusion matrix (rows: true class, columns: predicted class):\n%-8s", "");
    for (p = 0; p < NUM_CLASSES; ++p) printf(" %7s", class_short[p]);
    printf("\n");
    for (t = 0; t < NUM_CLASSES; ++t) {
      printf("%-8s", class_short[t]);
      for (p = 0; p < NUM_CLASSES; ++p) printf(" %7ld", confusion[t][p]);
      printf("\n");
    }
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------------------------ */

static void usage(FILE *out) {
  fputs("usage: classify IMAGE.pgm...\n"
        "       classify --idx IMAGES-idx3-ubyte [LABELS-idx1-ubyte] [--all | --count N] [--predictions FILE]\n"
        "Classifies 28x28 Fashion-MNIST images (binary PGM, maxval 255, or an uncompressed idx file) with the\n"
        "shufflec-compiled ShuffleNet. --idx shows the first N images (default 10); --all runs every image and\n"
        "prints only the summary; with labels it prints the accuracy and the confusion matrix.\n",
        out);
}

int main(int argc, char **argv) {
  const char *images = NULL, *labels = NULL, *predictions = NULL;
  int i, all = 0, have_count = 0;
  long count = DEFAULT_COUNT;

  if (argc < 2) {
    usage(stderr);
    return 1;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--idx") != 0) {
    for (i = 1; i < argc; ++i)
      if (argv[i][0] == '-') {
        fprintf(stderr, "classify: error: unknown option %s (PGM mode takes only file names; see --help)\n", argv[i]);
        return 1;
      }
    return classify_pgms(argc - 1, argv + 1);
  }
  for (i = 2; i < argc; ++i) {
    if (strcmp(argv[i], "--all") == 0) {
      all = 1;
    } else if (strcmp(argv[i], "--count") == 0) {
      if (i + 1 >= argc) die(NULL, "--count needs a value");
      count = parse_count(argv[++i]);
      have_count = 1;
    } else if (strcmp(argv[i], "--predictions") == 0) {
      if (i + 1 >= argc) die(NULL, "--predictions needs a file name");
      predictions = argv[++i];
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "classify: error: unknown option %s (see --help)\n", argv[i]);
      return 1;
    } else if (images == NULL) {
      images = argv[i];
    } else if (labels == NULL) {
      labels = argv[i];
    } else {
      die(NULL, "--idx takes at most two files (images, then labels)");
    }
  }
  if (images == NULL) die(NULL, "--idx needs an images file");
  if (all && have_count) die(NULL, "--all and --count are exclusive");
  return classify_idx(images, labels, all, count, predictions);
}
