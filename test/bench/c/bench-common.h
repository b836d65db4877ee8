/*
 * Shared part of the C timing drivers of `npm run bench -- exi` (see exi.bench.ts).
 *
 * Usage of a driver: <driver> <ms-per-op> <schema> <hex> [<schema> <hex> ...]
 * For every message it decodes the bytes once (to fill the codec's document struct),
 * then times decode of the same bytes and encode of the decoded struct, each for about
 * <ms-per-op> milliseconds of wall-clock time (CLOCK_MONOTONIC), and prints one line:
 *   <index> <decode_ns> <decode_cpu_ns> <encode_ns> <encode_cpu_ns> <same_bytes>
 * (wall-clock and process CPU time per operation: on a loaded machine the CPU time is
 * the steadier figure)
 * or "<index> na <reason>" when the codec has no grammar for the schema or fails.
 * <same_bytes> is 1 when the re-encoded bytes equal the input: a check that both sides
 * time the same work. One invocation is one round; the caller interleaves rounds with
 * its own and takes medians.
 */
#ifndef TSPLC_BENCH_COMMON_H
#define TSPLC_BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_BYTES 4096

static double bench_clock_ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}
static double bench_now_ns(void) { return bench_clock_ns(CLOCK_MONOTONIC); }
static double bench_cpu_ns(void) { return bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID); }

static size_t bench_parse_hex(const char* hex, uint8_t* out, size_t cap) {
  size_t n = strlen(hex) / 2;
  if (n > cap) return 0;
  for (size_t i = 0; i < n; i++) {
    char b[3] = {hex[2 * i], hex[2 * i + 1], 0};
    out[i] = (uint8_t)strtoul(b, NULL, 16);
  }
  return n;
}

/* Operation under test: returns 0 on success. */
typedef int (*bench_op)(void);

typedef struct {
  double wall_ns, cpu_ns;
} bench_figure;

/*
 * ns per call of op: doubles the batch until it takes ~1/8 of the budget (warm-up and
 * sizing), then times one batch of the size that fills the budget. -1 if op fails.
 */
static bench_figure bench_time(bench_op op, double budget_ms) {
  bench_figure fail = {-1, -1};
  long n = 16;
  double elapsed;
  for (;;) {
    double t0 = bench_now_ns();
    for (long i = 0; i < n; i++)
      if (op() != 0) return fail;
    elapsed = bench_now_ns() - t0;
    if (elapsed >= budget_ms * 1e6 / 8 || n > (1L << 30)) break;
    n *= 2;
  }
  long m = (long)((double)n * (budget_ms * 1e6) / (elapsed > 0 ? elapsed : 1));
  if (m < n) m = n;
  double t0 = bench_now_ns(), c0 = bench_cpu_ns();
  for (long i = 0; i < m; i++)
    if (op() != 0) return fail;
  bench_figure f = {(bench_now_ns() - t0) / (double)m, (bench_cpu_ns() - c0) / (double)m};
  return f;
}

#endif
