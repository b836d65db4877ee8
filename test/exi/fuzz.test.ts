// Bad input: mutated and random inputs spread over the six schemas — a 50,000-input
// sample in `npm test`, 1,000,000 in `npm run fuzz` (TSPLC_FUZZ_INPUTS). The
// decoder must return a typed error (never throw, never hang); whatever it accepts
// must re-encode; every truncation of a valid message must be rejected.
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { SCHEMA_IDS, codecFor, type SchemaId } from '../../src/codecs/exi/index.js';
import { captureFiles } from '../shared.js';
import { captureMessages } from './capture-messages.js';
import { DocGenerator, Rng } from './random-doc.js';
import { needCaptures } from '../env.js';

const TOTAL = Number(process.env.TSPLC_FUZZ_INPUTS ?? 50_000);
// Hand the event loop back to vitest's worker every this many inputs (a few tens of ms of work),
// so a long run never blocks the worker's RPC (the "Timeout calling onTaskUpdate" of a loaded machine).
const YIELD_EVERY = 2_000;
const yieldToWorker = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const KNOWN_CODES = new Set([
  'TRUNCATED',
  'BAD_HEADER',
  'BAD_EVENT_CODE',
  'SECOND_LEVEL_EVENT',
  'UNSUPPORTED_EVENT',
  'INTEGER_OVERFLOW',
  'VALUE_OUT_OF_RANGE',
  'BAD_ENUM_INDEX',
  'STRING_TABLE_HIT',
  'LENGTH_OUT_OF_RANGE',
  'BAD_CHARACTER',
  'TRAILING_BYTES',
]);

function seedMessages(): Map<SchemaId, Uint8Array[]> {
  const seeds = new Map<SchemaId, Uint8Array[]>(SCHEMA_IDS.map((s) => [s, []]));
  const seen = new Set<string>();
  // Real messages (distinct, at most 300 per schema) where the captures exist.
  if (needCaptures()) {
    // The smaller captures already hold every message type; skipping the multi-megabyte
    // CurrentDemand loops keeps the tshark time of this test low.
    for (const f of captureFiles().filter((f) => statSync(f).size < 1_000_000)) {
      for (const m of captureMessages(f)) {
        const key = `${m.schema}:${toHex(m.exi)}`;
        const list = seeds.get(m.schema) as Uint8Array[];
        if (seen.has(key) || list.length >= 300) continue;
        if (!codecFor(m.schema).decode(m.exi).ok) continue; // the trailing-byte message is not a seed
        seen.add(key);
        list.push(m.exi);
      }
    }
  }
  // Random valid documents for every schema (the only source for ISO-20 DC).
  const rng = new Rng(4242);
  for (const schema of SCHEMA_IDS) {
    const codec = codecFor(schema);
    const gen = new DocGenerator(codec.meta, rng);
    const roots = Object.keys(codec.meta.roots).filter((r) => gen.canGenerate(codec.meta.roots[r] as string));
    for (let i = 0; i < 60; i++) {
      const e = codec.encode(gen.document(rng.pick(roots)) as never);
      if (e.ok) (seeds.get(schema) as Uint8Array[]).push(e.value);
    }
  }
  return seeds;
}

function mutate(rng: Rng, seed: Uint8Array, other: Uint8Array): Uint8Array {
  const kind = rng.int(0, 5);
  switch (kind) {
    case 0: {
      // 1..4 bit flips (keep the header most of the time: the interesting part is the body)
      const b = seed.slice();
      const n = rng.int(1, 4);
      for (let i = 0; i < n; i++) {
        const bit = rng.int(b.length > 1 && rng.bool(0.9) ? 8 : 0, b.length * 8 - 1);
        b[bit >>> 3] = (b[bit >>> 3] as number) ^ (0x80 >>> (bit & 7));
      }
      return b;
    }
    case 1:
      return seed.slice(0, rng.int(0, seed.length - 1)); // truncation
    case 2: {
      // insertion of a piece of another real message
      const at = rng.int(1, seed.length);
      const from = rng.int(0, other.length - 1);
      const piece = other.subarray(from, rng.int(from + 1, other.length));
      const b = new Uint8Array(seed.length + piece.length);
      b.set(seed.subarray(0, at));
      b.set(piece, at);
      b.set(seed.subarray(at), at + piece.length);
      return b;
    }
    case 3: {
      // overwrite a run of bytes with random values
      const b = seed.slice();
      const at = rng.int(1, Math.max(1, b.length - 1));
      const n = rng.int(1, 6);
      for (let i = at; i < Math.min(b.length, at + n); i++) b[i] = rng.int(0, 255);
      return b;
    }
    case 4: {
      // random bytes after a valid header
      const b = new Uint8Array(rng.int(1, 64));
      for (let i = 0; i < b.length; i++) b[i] = rng.int(0, 255);
      b[0] = 0x80;
      return b;
    }
    default: {
      const b = new Uint8Array(rng.int(0, 48));
      for (let i = 0; i < b.length; i++) b[i] = rng.int(0, 255);
      return b;
    }
  }
}

describe('EXI decoder on bad input', () => {
  const seeds = seedMessages();

  it('rejects every truncation of every seed message', async () => {
    let checked = 0;
    for (const schema of SCHEMA_IDS) {
      const codec = codecFor(schema);
      for (const msg of seeds.get(schema) as Uint8Array[]) {
        if (checked % YIELD_EVERY < msg.length) await yieldToWorker();
        for (let len = 0; len < msg.length; len++) {
          const r = codec.decode(msg.subarray(0, len));
          if (r.ok) throw new Error(`${schema}: prefix of ${len}/${msg.length} bytes of ${toHex(msg)} accepted`);
          expect(r.error.code === 'TRUNCATED' || r.error.code === 'BAD_HEADER' || KNOWN_CODES.has(r.error.code)).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10000);
  });

  it(`${TOTAL.toLocaleString('en')} mutated and random inputs: only typed errors, no exception, no hang`, { timeout: 600_000 }, async () => {
    const rng = new Rng(20261123);
    const counts: Record<string, number> = {};
    let accepted = 0;
    let thrown = 0;
    const started = Date.now();
    for (let i = 0; i < TOTAL; i++) {
      if (i % YIELD_EVERY === 0) await yieldToWorker();
      const schema = SCHEMA_IDS[i % SCHEMA_IDS.length] as SchemaId;
      const list = seeds.get(schema) as Uint8Array[];
      const input = mutate(rng, rng.pick(list), rng.pick(list));
      const codec = codecFor(schema);
      let r;
      try {
        r = codec.decode(input);
      } catch (e) {
        thrown++;
        if (thrown < 5) console.error(schema, toHex(input), e);
        continue;
      }
      if (r.ok) {
        accepted++;
        // Whatever is accepted is a valid document: it re-encodes, canonically.
        const e = codec.encode(r.value);
        if (!e.ok) throw new Error(`${schema} ${toHex(input)}: accepted but does not re-encode: ${e.error.message}`);
        const again = codec.decode(e.value);
        if (!again.ok) throw new Error(`${schema} ${toHex(input)}: re-encoding does not decode`);
        continue;
      }
      const code = r.error.code;
      counts[code] = (counts[code] ?? 0) + 1;
      if (!KNOWN_CODES.has(code)) throw new Error(`${schema} ${toHex(input)}: untyped error ${code}: ${r.error.message}`);
      if (input.length > 0 && typeof r.error.bitPosition !== 'number') throw new Error(`${schema} ${toHex(input)}: ${code} without bit position`);
    }
    const ms = Date.now() - started;
    console.log(`EXI fuzz: ${TOTAL} inputs in ${ms} ms (${((ms * 1e6) / TOTAL).toFixed(0)} ns/input incl. mutation), accepted ${accepted}, errors ${JSON.stringify(counts)}`);
    expect(thrown).toBe(0);
    // The mutations must actually reach deep into the grammars, not only the header.
    // (At 1,000,000 inputs each of these is in the tens of thousands; a 0.2 % share is the floor.)
    expect(counts.BAD_EVENT_CODE ?? 0).toBeGreaterThan(TOTAL / 500);
    expect(counts.TRUNCATED ?? 0).toBeGreaterThan(TOTAL / 500);
  });
});

const ENCODE_CODES = new Set([
  'MISSING_FIELD',
  'NOT_ALLOWED_HERE',
  'BAD_VALUE',
  'BAD_ENUM_VALUE',
  'VALUE_OUT_OF_RANGE',
  'LENGTH_OUT_OF_RANGE',
  'NO_ROOT',
  'AMBIGUOUS_ROOT',
  'UNKNOWN_ROOT',
]);

/** Replace one random node of a JSON-like tree by a wrong value. */
function damage(rng: Rng, v: unknown): unknown {
  const wrong = [null, undefined, 0, -1, 1e300, Number.NaN, 2 ** 60, 1.5, '', 'x'.repeat(300), true, [], {}, new Uint8Array(2000), 7n];
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array || rng.bool(0.25)) return rng.pick(wrong);
  if (Array.isArray(v)) {
    if (v.length === 0 || rng.bool(0.2)) return [...v, ...v, ...v, ...v, ...v, ...v, ...v];
    const i = rng.int(0, v.length - 1);
    return v.map((x, j) => (j === i ? damage(rng, x) : x));
  }
  const keys = Object.keys(v);
  if (keys.length === 0 || rng.bool(0.1)) return { ...(v as object), Unexpected: 1 };
  const k = rng.pick(keys);
  const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  if (rng.bool(0.2)) delete o[k];
  else o[k] = damage(rng, o[k]);
  return o;
}

describe('EXI encoder on bad documents', () => {
  it('returns a typed error naming the field for 60,000 damaged documents, never throws', async () => {
    const rng = new Rng(777);
    let errors = 0;
    for (let i = 0; i < 60_000; i++) {
      if (i % YIELD_EVERY === 0) await yieldToWorker();
      const schema = SCHEMA_IDS[i % SCHEMA_IDS.length] as SchemaId;
      const codec = codecFor(schema);
      const gen = new DocGenerator(codec.meta, rng);
      const roots = Object.keys(codec.meta.roots).filter((r) => gen.canGenerate(codec.meta.roots[r] as string));
      const doc = damage(rng, gen.document(rng.pick(roots)));
      let r;
      try {
        r = codec.encode(doc as never);
      } catch (e) {
        throw new Error(`${schema}: encode threw ${String(e)}`);
      }
      if (r.ok) continue;
      errors++;
      if (!ENCODE_CODES.has(r.error.code)) throw new Error(`${schema}: untyped encode error ${r.error.code}: ${r.error.message}`);
    }
    expect(errors).toBeGreaterThan(20_000);
  });
});
