// The gpiochip uAPI v2 structs as packed by src/domain/hardware/gpiochip.ts, byte by
// byte against the layout of include/uapi/linux/gpio.h, and against the sizes the
// addon reports from the same header (so a kernel header change shows here).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildLineConfig,
  decodeLineEvents,
  decodeLineValues,
  encodeLineRequest,
  encodeLineValues,
  GPIO_V2_LINE_FLAG as F,
  GPIO_V2_OFFSETS,
  GPIO_V2_SIZES,
  lineFlags,
} from '../../src/domain/hardware/gpiochip.js';
import { loadNative } from '../../drivers/ethernet/native.js';
import { requireEnv } from '../env.js';

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const u64 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);
const cfg = GPIO_V2_OFFSETS.config;
/** Byte offset of config attribute i inside the request. */
const attr = (i: number) => cfg + GPIO_V2_OFFSETS.config_attrs + i * 24;

let addonSizes: ReturnType<typeof loadNative>['GPIO_STRUCT_SIZES'] | undefined;
try {
  addonSizes = loadNative().GPIO_STRUCT_SIZES;
} catch {
  addonSizes = undefined;
}
const haveAddon = requireEnv('the native addon (npm run build:native)', addonSizes !== undefined, 'native/build has no tsplc_native.node');

describe('gpiochip uAPI v2 layout', () => {
  it.skipIf(!haveAddon)('sizes and offsets equal the kernel header the addon was built against', () => {
    const s = addonSizes!;
    expect({
      gpiochip_info: s.gpiochip_info,
      gpio_v2_line_attribute: s.gpio_v2_line_attribute,
      gpio_v2_line_config: s.gpio_v2_line_config,
      gpio_v2_line_request: s.gpio_v2_line_request,
      gpio_v2_line_values: s.gpio_v2_line_values,
      gpio_v2_line_event: s.gpio_v2_line_event,
    }).toEqual({
      gpiochip_info: GPIO_V2_SIZES.gpiochip_info,
      gpio_v2_line_attribute: GPIO_V2_SIZES.gpio_v2_line_attribute,
      gpio_v2_line_config: GPIO_V2_SIZES.gpio_v2_line_config,
      gpio_v2_line_request: GPIO_V2_SIZES.gpio_v2_line_request,
      gpio_v2_line_values: GPIO_V2_SIZES.gpio_v2_line_values,
      gpio_v2_line_event: GPIO_V2_SIZES.gpio_v2_line_event,
    });
    expect(s.offsets).toEqual(GPIO_V2_OFFSETS);
  });
});

describe('line request packing', () => {
  it('one output line, initially low: offset, consumer, OUTPUT flag, one OUTPUT_VALUES attribute', () => {
    const r = encodeLineRequest({ consumer: 'tsplc', lines: [{ offset: 17, settings: { direction: 'output', initial: false } }] });
    if (!r.ok) throw new Error(r.error.message);
    const b = r.value;
    expect(b.byteLength).toBe(592);
    expect(u32(b, 0)).toBe(17); // offsets[0]
    expect(u32(b, 4)).toBe(0); // offsets[1] unused
    expect(new TextDecoder().decode(b.subarray(256, 262))).toBe('tsplc\0'); // consumer, NUL-terminated
    expect(u64(b, cfg)).toBe(BigInt(F.OUTPUT)); // config.flags
    expect(u32(b, cfg + 8)).toBe(1); // config.num_attrs
    expect(u32(b, attr(0))).toBe(2); // GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES
    expect(u32(b, attr(0) + 4)).toBe(0); // padding
    expect(u64(b, attr(0) + 8)).toBe(0n); // values: low
    expect(u64(b, attr(0) + 16)).toBe(1n); // mask: request line 0
    expect(u32(b, 560)).toBe(1); // num_lines
    expect(u32(b, 564)).toBe(0); // event_buffer_size: kernel default
    expect(u32(b, 588)).toBe(0); // fd: filled in by the kernel
  });

  it('one input with both edges and a 10 ms debounce: INPUT|EDGE_RISING|EDGE_FALLING and a DEBOUNCE attribute in µs (u32)', () => {
    const r = encodeLineRequest({ consumer: 'tsplc', lines: [{ offset: 24, settings: { direction: 'input', edges: 'both', debounceUs: 10_000, bias: 'pull-up' } }] });
    if (!r.ok) throw new Error(r.error.message);
    const b = r.value;
    expect(u64(b, cfg)).toBe(BigInt(F.INPUT | F.EDGE_RISING | F.EDGE_FALLING | F.BIAS_PULL_UP));
    expect(u32(b, cfg + 8)).toBe(1);
    expect(u32(b, attr(0))).toBe(3); // GPIO_V2_LINE_ATTR_ID_DEBOUNCE
    expect(u32(b, attr(0) + 8)).toBe(10_000);
    expect(u32(b, attr(0) + 12)).toBe(0); // the union's upper half stays zero
    expect(u64(b, attr(0) + 16)).toBe(1n);
  });

  it('mixed lines: the first line\'s flags are the default, others become FLAGS attributes with request-index masks (as libgpiod)', () => {
    const c = buildLineConfig([
      { direction: 'output', initial: true },
      { direction: 'input', edges: 'both' },
      { direction: 'output' },
      { direction: 'input', edges: 'both', debounceUs: 5000 },
      { direction: 'input', activeLow: true },
    ]);
    if (!c.ok) throw new Error(c.error.message);
    expect(c.value.flags).toBe(F.OUTPUT);
    expect(c.value.attrs).toEqual([
      { id: 1, value: BigInt(F.INPUT | F.EDGE_RISING | F.EDGE_FALLING), mask: 0b01010n },
      { id: 1, value: BigInt(F.INPUT | F.ACTIVE_LOW), mask: 0b10000n },
      { id: 2, value: 0b00001n, mask: 0b00101n },
      { id: 3, value: 5000n, mask: 0b01000n },
    ]);
  });

  it('flags of each setting', () => {
    expect(lineFlags({ direction: 'output', drive: 'open-drain' })).toBe(F.OUTPUT | F.OPEN_DRAIN);
    expect(lineFlags({ direction: 'input', edges: 'falling', bias: 'pull-down' })).toBe(F.INPUT | F.EDGE_FALLING | F.BIAS_PULL_DOWN);
    expect(lineFlags({ direction: 'input', bias: 'disabled' })).toBe(F.INPUT | F.BIAS_DISABLED);
  });

  it('refuses what the kernel would refuse: no lines, 65 lines, a line twice, 11 attributes, a bad offset', () => {
    const out = { direction: 'output' } as const;
    const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);
    expect(code(encodeLineRequest({ consumer: 'x', lines: [] }))).toBe('NO_LINES');
    expect(code(encodeLineRequest({ consumer: 'x', lines: Array.from({ length: 65 }, (_, i) => ({ offset: i, settings: out })) }))).toBe('TOO_MANY_LINES');
    expect(code(encodeLineRequest({ consumer: 'x', lines: [{ offset: 3, settings: out }, { offset: 3, settings: out }] }))).toBe('DUPLICATE_LINE');
    expect(code(encodeLineRequest({ consumer: 'x', lines: [{ offset: -1, settings: out }] }))).toBe('BAD_OFFSET');
    // 11 different debounce periods → 11 attributes (+ none for flags: all inputs alike).
    const many = Array.from({ length: 11 }, (_, i) => ({ offset: i, settings: { direction: 'input', debounceUs: 1000 + i } as const }));
    expect(code(encodeLineRequest({ consumer: 'x', lines: many }))).toBe('TOO_MANY_ATTRIBUTES');
  });

  it('cuts the consumer to 31 bytes so the kernel\'s 32-byte field stays NUL-terminated', () => {
    const r = encodeLineRequest({ consumer: 'c'.repeat(40), lines: [{ offset: 0, settings: { direction: 'output' } }] });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.subarray(256, 288).indexOf(0)).toBe(31);
  });

  it('any valid set of lines packs offsets in order and a mask that covers only the requested lines (property)', () => {
    const setting = fc.oneof(
      fc.record({ direction: fc.constant('output' as const), initial: fc.boolean() }),
      fc.record({ direction: fc.constant('input' as const), edges: fc.constantFrom('both' as const, 'none' as const) }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 127 }), { minLength: 1, maxLength: 64 }), fc.array(setting, { minLength: 64, maxLength: 64 }), (offsets, settings) => {
        const r = encodeLineRequest({ consumer: 't', lines: offsets.map((offset, i) => ({ offset, settings: settings[i]! })) });
        if (!r.ok) return false;
        const b = r.value;
        offsets.forEach((o, i) => expect(u32(b, i * 4)).toBe(o));
        expect(u32(b, 560)).toBe(offsets.length);
        const all = offsets.length === 64 ? (1n << 64n) - 1n : (1n << BigInt(offsets.length)) - 1n;
        for (let i = 0; i < u32(b, cfg + 8); i++) expect(u64(b, attr(i) + 16) & ~all).toBe(0n);
        return true;
      }),
      { numRuns: 200 },
    );
  });
});

describe('line values and events', () => {
  it('values: bits then mask, u64 little-endian', () => {
    const b = encodeLineValues(0b101n, 0b111n);
    expect([...b]).toEqual([5, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeLineValues(b)).toEqual({ bits: 5n, mask: 7n });
    expect(decodeLineValues(encodeLineValues(1n << 63n, -1n))).toEqual({ bits: 1n << 63n, mask: (1n << 64n) - 1n });
  });

  it('events: two records as the kernel writes them (timestamp_ns, id, offset, seqno, line_seqno, padding)', () => {
    const b = new Uint8Array(96);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, 1_234_567_890n, true);
    dv.setUint32(8, 1, true); // GPIO_V2_LINE_EVENT_RISING_EDGE
    dv.setUint32(12, 24, true); // line offset
    dv.setUint32(16, 7, true); // seqno over the request
    dv.setUint32(20, 3, true); // seqno of this line
    dv.setBigUint64(48, 1_234_600_000n, true);
    dv.setUint32(56, 2, true); // GPIO_V2_LINE_EVENT_FALLING_EDGE
    dv.setUint32(60, 24, true);
    dv.setUint32(64, 8, true);
    dv.setUint32(68, 4, true);
    const r = decodeLineEvents(b);
    expect(r).toEqual({
      ok: true,
      value: [
        { timestampNs: 1_234_567_890n, edge: 'rising', offset: 24, seqno: 7, lineSeqno: 3 },
        { timestampNs: 1_234_600_000n, edge: 'falling', offset: 24, seqno: 8, lineSeqno: 4 },
      ],
    });
  });

  it('a partial record or an unknown event id is an error, not a guessed edge', () => {
    expect(decodeLineEvents(new Uint8Array(47))).toMatchObject({ ok: false, error: { code: 'SHORT_EVENT' } });
    const b = new Uint8Array(48);
    b[8] = 9;
    expect(decodeLineEvents(b)).toMatchObject({ ok: false, error: { code: 'BAD_EVENT_ID' } });
  });
});
