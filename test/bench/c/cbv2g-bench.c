/* Timing driver for libcbv2g (EVerest, cbexigen-generated); see bench-common.h. */
#include "bench-common.h"

#include <cbv2g/app_handshake/appHand_Decoder.h>
#include <cbv2g/app_handshake/appHand_Encoder.h>
#include <cbv2g/common/exi_bitstream.h>
#include <cbv2g/din/din_msgDefDecoder.h>
#include <cbv2g/din/din_msgDefEncoder.h>
#include <cbv2g/iso_2/iso2_msgDefDecoder.h>
#include <cbv2g/iso_2/iso2_msgDefEncoder.h>
#include <cbv2g/iso_20/iso20_DC_Decoder.h>
#include <cbv2g/iso_20/iso20_DC_Encoder.h>

static uint8_t in[BENCH_MAX_BYTES];
static size_t in_len;
static uint8_t out[BENCH_MAX_BYTES];
static size_t out_len;

static struct appHand_exiDocument app_doc;
static struct din_exiDocument din_doc;
static struct iso2_exiDocument iso2_doc;
static struct iso20_dc_exiDocument iso20dc_doc;

#define CODEC(name, doc, dec, enc)                                  \
  static int name##_decode(void) {                                  \
    exi_bitstream_t s;                                              \
    exi_bitstream_init(&s, in, in_len, 0, NULL);                    \
    return dec(&s, &doc);                                           \
  }                                                                 \
  static int name##_encode(void) {                                  \
    exi_bitstream_t s;                                              \
    exi_bitstream_init(&s, out, sizeof out, 0, NULL);               \
    int e = enc(&s, &doc);                                          \
    out_len = exi_bitstream_get_length(&s);                         \
    return e;                                                       \
  }

CODEC(app, app_doc, decode_appHand_exiDocument, encode_appHand_exiDocument)
CODEC(din, din_doc, decode_din_exiDocument, encode_din_exiDocument)
CODEC(iso2, iso2_doc, decode_iso2_exiDocument, encode_iso2_exiDocument)
CODEC(iso20dc, iso20dc_doc, decode_iso20_dc_exiDocument, encode_iso20_dc_exiDocument)

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
    else if (!strcmp(schema, "iso2")) dec = iso2_decode, enc = iso2_encode;
    else if (!strcmp(schema, "iso20-dc")) dec = iso20dc_decode, enc = iso20dc_encode;
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
