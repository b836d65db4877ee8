/* Timing driver for OpenV2Gx (uhi22's fork of Siemens OpenV2G, pyPLC's codec); see bench-common.h.
 * OpenV2Gx's "iso1" grammar is the final ISO 15118-2:2013 schema (its "iso2" is a -20 draft);
 * it has no ISO 15118-20 grammar. */
#include "bench-common.h"

#include "EXITypes.h"
#include "appHandEXIDatatypes.h"
#include "appHandEXIDatatypesDecoder.h"
#include "appHandEXIDatatypesEncoder.h"
#include "dinEXIDatatypes.h"
#include "dinEXIDatatypesDecoder.h"
#include "dinEXIDatatypesEncoder.h"
#include "iso1EXIDatatypes.h"
#include "iso1EXIDatatypesDecoder.h"
#include "iso1EXIDatatypesEncoder.h"

/* uhi22's DIN decoder calls this trace hook (defined by the fork's command-line front end,
 * which appends "Line<n>" to a debug string for pyPLC). The codec itself is timed here, so
 * the hook does nothing. */
void debugAddStringAndInt(char* s, int i);
void debugAddStringAndInt(char* s, int i) {
  (void)s;
  (void)i;
}

static uint8_t in[BENCH_MAX_BYTES];
static size_t in_len;
static uint8_t out[BENCH_MAX_BYTES];
static size_t out_len;

static struct appHandEXIDocument app_doc;
static struct dinEXIDocument din_doc;
static struct iso1EXIDocument iso1_doc;

#define CODEC(name, doc, dec, enc)                                  \
  static int name##_decode(void) {                                  \
    size_t pos = 0;                                                 \
    bitstream_t s;                                                  \
    s.size = in_len;                                                \
    s.data = in;                                                    \
    s.pos = &pos;                                                   \
    return dec(&s, &doc);                                           \
  }                                                                 \
  static int name##_encode(void) {                                  \
    size_t pos = 0;                                                 \
    bitstream_t s;                                                  \
    s.size = sizeof out;                                            \
    s.data = out;                                                   \
    s.pos = &pos;                                                   \
    int e = enc(&s, &doc);                                          \
    out_len = pos;                                                  \
    return e;                                                       \
  }

CODEC(app, app_doc, decode_appHandExiDocument, encode_appHandExiDocument)
CODEC(din, din_doc, decode_dinExiDocument, encode_dinExiDocument)
CODEC(iso1, iso1_doc, decode_iso1ExiDocument, encode_iso1ExiDocument)

int main(int argc, char** argv) {
  if (argc < 4 || (argc - 2) % 2 != 0) {
    fprintf(stderr, "usage: %s <ms-per-op> <schema> <hex> [<schema> <hex> ...]\n", argv[0]);
    return 2;
  }
  double budget = atof(argv[1]);
  for (int a = 2, idx = 0; a + 1 < argc; a += 2, idx++) {
    const char* schema = argv[a];
    bench_op dec, enc;
    if (!strcmp(schema, "appHand")) dec = app_decode, enc = app_encode;
    else if (!strcmp(schema, "din")) dec = din_decode, enc = din_encode;
    else if (!strcmp(schema, "iso2")) dec = iso1_decode, enc = iso1_encode;
    else {
      printf("%d na no grammar for %s\n", idx, schema);
      continue;
    }
    in_len = bench_parse_hex(argv[a + 1], in, sizeof in);
    int e = dec();
    if (e != 0) {
      printf("%d na decode error %d\n", idx, e);
      continue;
    }
    e = enc();
    if (e != 0) {
      printf("%d na encode error %d\n", idx, e);
      continue;
    }
    int same = out_len == in_len && memcmp(in, out, in_len) == 0;
    bench_figure d = bench_time(dec, budget);
    bench_figure n = bench_time(enc, budget);
    printf("%d %.1f %.1f %.1f %.1f %d\n", idx, d.wall_ns, d.cpu_ns, n.wall_ns, n.cpu_ns, same);
  }
  return 0;
}
