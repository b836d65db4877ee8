// The Linux GPIO character-device uAPI v2 (include/uapi/linux/gpio.h, kernel ≥ 5.10;
// what libgpiod 2 speaks) as bytes: the line request with its line config, the
// line values and the edge events. Pure: the native addon (native/src/gpio_chip.cc)
// only passes these buffers to ioctl()/read() after checking their length against
// the kernel header's sizeof, so the layout is decided and tested here.
//
// Layout (all little-endian on the boards we target — ARM and x86 Linux — with
// __aligned_u64 on 8-byte boundaries):
//   gpio_v2_line_attribute         16 = id u32, padding u32, union { flags u64 | values u64 | debounce_period_us u32 }
//   gpio_v2_line_config_attribute  24 = attr (16), mask u64
//   gpio_v2_line_config           272 = flags u64, num_attrs u32, padding u32[5], attrs[10] (24 each)
//   gpio_v2_line_request          592 = offsets u32[64], consumer char[32], config (272), num_lines u32,
//                                       event_buffer_size u32, padding u32[5], fd s32
//   gpio_v2_line_values            16 = bits u64, mask u64
//   gpio_v2_line_event             48 = timestamp_ns u64, id u32, offset u32, seqno u32, line_seqno u32, padding u32[6]
import { err, ok, type Result } from '../../result.js';

export const GPIO_V2_LINES_MAX = 64;
export const GPIO_V2_LINE_NUM_ATTRS_MAX = 10;
export const GPIO_MAX_NAME_SIZE = 32;

export const GPIO_V2_SIZES = {
  gpiochip_info: 68,
  gpio_v2_line_attribute: 16,
  gpio_v2_line_config_attribute: 24,
  gpio_v2_line_config: 272,
  gpio_v2_line_request: 592,
  gpio_v2_line_values: 16,
  gpio_v2_line_event: 48,
} as const;

/** Byte offsets inside gpio_v2_line_request (and of attrs inside gpio_v2_line_config). */
export const GPIO_V2_OFFSETS = { consumer: 256, config: 288, num_lines: 560, event_buffer_size: 564, fd: 588, config_attrs: 32 } as const;

/** enum gpio_v2_line_flag (bits of a u64; all below 2^13, so plain numbers). */
export const GPIO_V2_LINE_FLAG = {
  USED: 1 << 0,
  ACTIVE_LOW: 1 << 1,
  INPUT: 1 << 2,
  OUTPUT: 1 << 3,
  EDGE_RISING: 1 << 4,
  EDGE_FALLING: 1 << 5,
  OPEN_DRAIN: 1 << 6,
  OPEN_SOURCE: 1 << 7,
  BIAS_PULL_UP: 1 << 8,
  BIAS_PULL_DOWN: 1 << 9,
  BIAS_DISABLED: 1 << 10,
  EVENT_CLOCK_REALTIME: 1 << 11,
} as const;

/** enum gpio_v2_line_attr_id */
export const GPIO_V2_LINE_ATTR_ID = { FLAGS: 1, OUTPUT_VALUES: 2, DEBOUNCE: 3 } as const;
/** enum gpio_v2_line_event_id */
export const GPIO_V2_LINE_EVENT = { RISING_EDGE: 1, FALLING_EDGE: 2 } as const;

export type GpioBias = 'as-is' | 'pull-up' | 'pull-down' | 'disabled';

export type GpioLineSettings =
  | { readonly direction: 'output'; readonly initial?: boolean; readonly activeLow?: boolean; readonly drive?: 'push-pull' | 'open-drain' | 'open-source' }
  | {
      readonly direction: 'input';
      /** Edge events to report on the line fd ('none' = only read on demand). */
      readonly edges?: 'both' | 'rising' | 'falling' | 'none';
      readonly bias?: GpioBias;
      readonly activeLow?: boolean;
      /** Kernel debounce (gpio_v2_line_attribute DEBOUNCE); 0 = none. */
      readonly debounceUs?: number;
    };

export interface GpioLineRequestSpec {
  /** Who holds the lines, as `gpioinfo` shows it (at most 31 bytes). */
  readonly consumer: string;
  readonly lines: readonly { readonly offset: number; readonly settings: GpioLineSettings }[];
  /** Kernel event queue per request; 0 = the kernel default (16 per line). */
  readonly eventBufferSize?: number;
}

export interface GpioPackError {
  readonly code: 'NO_LINES' | 'TOO_MANY_LINES' | 'DUPLICATE_LINE' | 'BAD_OFFSET' | 'TOO_MANY_ATTRIBUTES' | 'BAD_DEBOUNCE';
  readonly message: string;
}

/** The gpio_v2_line_flag bits of one line's settings. */
export function lineFlags(s: GpioLineSettings): number {
  const F = GPIO_V2_LINE_FLAG;
  let f = s.activeLow ? F.ACTIVE_LOW : 0;
  if (s.direction === 'output') {
    f |= F.OUTPUT;
    if (s.drive === 'open-drain') f |= F.OPEN_DRAIN;
    else if (s.drive === 'open-source') f |= F.OPEN_SOURCE;
    return f;
  }
  f |= F.INPUT;
  const edges = s.edges ?? 'none';
  if (edges === 'both' || edges === 'rising') f |= F.EDGE_RISING;
  if (edges === 'both' || edges === 'falling') f |= F.EDGE_FALLING;
  if (s.bias === 'pull-up') f |= F.BIAS_PULL_UP;
  else if (s.bias === 'pull-down') f |= F.BIAS_PULL_DOWN;
  else if (s.bias === 'disabled') f |= F.BIAS_DISABLED;
  return f;
}

interface ConfigAttribute {
  readonly id: number;
  /** flags / values (u64) or debounce_period_us (u32). */
  readonly value: bigint;
  /** Bit i = the i-th line of the request (not its offset on the chip). */
  readonly mask: bigint;
}

/**
 * The line config the way libgpiod builds it: the first line's flags are the
 * request's default; every other set of flags, the initial output values and
 * each debounce period become attributes with a mask of the lines (request
 * indexes) they apply to. At most 10 attributes fit (GPIO_V2_LINE_NUM_ATTRS_MAX).
 */
export function buildLineConfig(lines: readonly GpioLineSettings[]): Result<{ flags: number; attrs: ConfigAttribute[] }, GpioPackError> {
  if (lines.length === 0) return err({ code: 'NO_LINES', message: 'a line request needs at least one line' });
  const flagsOf = lines.map(lineFlags);
  const defaultFlags = flagsOf[0] ?? 0;
  const attrs: ConfigAttribute[] = [];
  const byFlags = new Map<number, bigint>();
  flagsOf.forEach((f, i) => {
    if (f !== defaultFlags) byFlags.set(f, (byFlags.get(f) ?? 0n) | (1n << BigInt(i)));
  });
  for (const [f, mask] of byFlags) attrs.push({ id: GPIO_V2_LINE_ATTR_ID.FLAGS, value: BigInt(f), mask });
  let outMask = 0n;
  let outBits = 0n;
  lines.forEach((s, i) => {
    if (s.direction !== 'output') return;
    outMask |= 1n << BigInt(i);
    if (s.initial) outBits |= 1n << BigInt(i);
  });
  if (outMask) attrs.push({ id: GPIO_V2_LINE_ATTR_ID.OUTPUT_VALUES, value: outBits, mask: outMask });
  const byDebounce = new Map<number, bigint>();
  for (const [i, s] of lines.entries()) {
    if (s.direction !== 'input' || !s.debounceUs) continue;
    if (!Number.isInteger(s.debounceUs) || s.debounceUs < 0 || s.debounceUs > 0xffffffff)
      return err({ code: 'BAD_DEBOUNCE', message: `debounce ${s.debounceUs} µs is not a u32 of microseconds` });
    byDebounce.set(s.debounceUs, (byDebounce.get(s.debounceUs) ?? 0n) | (1n << BigInt(i)));
  }
  for (const [us, mask] of byDebounce) attrs.push({ id: GPIO_V2_LINE_ATTR_ID.DEBOUNCE, value: BigInt(us), mask });
  if (attrs.length > GPIO_V2_LINE_NUM_ATTRS_MAX)
    return err({ code: 'TOO_MANY_ATTRIBUTES', message: `${attrs.length} line attributes needed, the kernel takes ${GPIO_V2_LINE_NUM_ATTRS_MAX}: split the request` });
  return ok({ flags: defaultFlags, attrs });
}

/** A packed struct gpio_v2_line_request for GPIO_V2_GET_LINE_IOCTL (fd left 0: the kernel fills it in). */
export function encodeLineRequest(spec: GpioLineRequestSpec): Result<Uint8Array, GpioPackError> {
  const n = spec.lines.length;
  if (n > GPIO_V2_LINES_MAX) return err({ code: 'TOO_MANY_LINES', message: `${n} lines in one request; the kernel takes ${GPIO_V2_LINES_MAX}` });
  const seen = new Set<number>();
  for (const { offset } of spec.lines) {
    if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) return err({ code: 'BAD_OFFSET', message: `line offset ${offset} is not a u32` });
    if (seen.has(offset)) return err({ code: 'DUPLICATE_LINE', message: `line ${offset} appears twice in one request` });
    seen.add(offset);
  }
  const config = buildLineConfig(spec.lines.map((l) => l.settings));
  if (!config.ok) return config;
  const buf = new Uint8Array(GPIO_V2_SIZES.gpio_v2_line_request);
  const dv = new DataView(buf.buffer);
  spec.lines.forEach((l, i) => dv.setUint32(i * 4, l.offset, true));
  // consumer: NUL-terminated, cut to 31 bytes (the kernel copies 32 and terminates).
  const name = new TextEncoder().encode(spec.consumer).subarray(0, GPIO_MAX_NAME_SIZE - 1);
  buf.set(name, GPIO_V2_OFFSETS.consumer);
  const c = GPIO_V2_OFFSETS.config;
  dv.setBigUint64(c, BigInt(config.value.flags), true);
  dv.setUint32(c + 8, config.value.attrs.length, true);
  config.value.attrs.forEach((a, i) => {
    const at = c + GPIO_V2_OFFSETS.config_attrs + i * GPIO_V2_SIZES.gpio_v2_line_config_attribute;
    dv.setUint32(at, a.id, true);
    if (a.id === GPIO_V2_LINE_ATTR_ID.DEBOUNCE) dv.setUint32(at + 8, Number(a.value), true);
    else dv.setBigUint64(at + 8, a.value, true);
    dv.setBigUint64(at + 16, a.mask, true);
  });
  dv.setUint32(GPIO_V2_OFFSETS.num_lines, n, true);
  dv.setUint32(GPIO_V2_OFFSETS.event_buffer_size, spec.eventBufferSize ?? 0, true);
  return ok(buf);
}

/** A packed struct gpio_v2_line_values; bit i = the i-th line of the request. */
export function encodeLineValues(bits: bigint, mask: bigint): Uint8Array {
  const buf = new Uint8Array(GPIO_V2_SIZES.gpio_v2_line_values);
  const dv = new DataView(buf.buffer);
  dv.setBigUint64(0, BigInt.asUintN(64, bits), true);
  dv.setBigUint64(8, BigInt.asUintN(64, mask), true);
  return buf;
}

export function decodeLineValues(buf: Uint8Array): { bits: bigint; mask: bigint } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return { bits: dv.getBigUint64(0, true), mask: dv.getBigUint64(8, true) };
}

export interface GpioLineEvent {
  readonly timestampNs: bigint;
  readonly edge: 'rising' | 'falling';
  /** The line's offset on its chip. */
  readonly offset: number;
  /** Sequence number over the request, and over this line (a gap = events lost in a full kernel queue). */
  readonly seqno: number;
  readonly lineSeqno: number;
}

/** Records read from a line fd. A partial record or an unknown event id is an error, not a guess. */
export function decodeLineEvents(buf: Uint8Array): Result<GpioLineEvent[], { code: 'SHORT_EVENT' | 'BAD_EVENT_ID'; message: string }> {
  const size = GPIO_V2_SIZES.gpio_v2_line_event;
  if (buf.byteLength % size !== 0) return err({ code: 'SHORT_EVENT', message: `${buf.byteLength} bytes is not a whole number of ${size}-byte gpio_v2_line_event records` });
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: GpioLineEvent[] = [];
  for (let at = 0; at < buf.byteLength; at += size) {
    const id = dv.getUint32(at + 8, true);
    if (id !== GPIO_V2_LINE_EVENT.RISING_EDGE && id !== GPIO_V2_LINE_EVENT.FALLING_EDGE) return err({ code: 'BAD_EVENT_ID', message: `event id ${id} at byte ${at} is neither rising (1) nor falling (2)` });
    out.push({
      timestampNs: dv.getBigUint64(at, true),
      edge: id === GPIO_V2_LINE_EVENT.RISING_EDGE ? 'rising' : 'falling',
      offset: dv.getUint32(at + 12, true),
      seqno: dv.getUint32(at + 16, true),
      lineSeqno: dv.getUint32(at + 20, true),
    });
  }
  return ok(out);
}
