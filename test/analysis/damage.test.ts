// A real session with damage a sniffer sees: a TCP segment that was never
// captured, and a segment whose payload is garbage. The analysis reports a
// gap / a typed V2GTP error and decodes everything after it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type V2gEvent, V2gCaptureAnalyzer } from '../../src/tools/analysis/index.js';
import { type CaptureRecord, readCapture } from '../../src/codecs/capture/reader.js';
import { decodePacket } from '../../src/codecs/net/index.js';
import { capturesDir, hasCaptures, missingSharedMessage } from '../shared.js';
import { needCaptures } from '../env.js';

if (!hasCaptures) console.warn(missingSharedMessage);

function records(): CaptureRecord[] {
  const out: CaptureRecord[] = [];
  for (const r of readCapture(new Uint8Array(readFileSync(join(capturesDir, 'DIN_DC_DS5366_Josev.pcapng'))))) if (r.ok) out.push(r.value);
  return out;
}

/** Index in `recs` of TCP segments with payload, and each payload's offset in its frame. */
function dataSegments(recs: CaptureRecord[]): { index: number; payloadOffset: number; length: number }[] {
  const out: { index: number; payloadOffset: number; length: number }[] = [];
  recs.forEach((r, index) => {
    const p = decodePacket(r.data);
    if (p.ok && p.value.transport?.kind === 'tcp' && p.value.transport.tcp.payload.length > 0) {
      out.push({ index, payloadOffset: p.value.ipv6!.payloadOffset + p.value.transport.tcp.headerLength, length: p.value.transport.tcp.payload.length });
    }
  });
  return out;
}

function run(recs: CaptureRecord[]): V2gEvent[] {
  const a = new V2gCaptureAnalyzer();
  const events: V2gEvent[] = [];
  for (const r of recs) events.push(...a.push(r));
  events.push(...a.finish());
  return events;
}

describe.skipIf(!needCaptures())('capture analysis on damaged streams (DIN_DC_DS5366_Josev)', () => {
  it('a segment missing from the capture: one gap when the peer ACKs past it, the other 199 messages decoded in order', () => {
    const recs = records();
    const segs = dataSegments(recs);
    const lost = segs[50]!.index;
    const events = run(recs.filter((_, i) => i !== lost));
    const gaps = events.filter((e) => e.kind === 'tcp' && e.what === 'gap');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ missing: segs[50]!.length });
    const msgs = events.filter((e) => e.kind === 'v2g');
    expect(msgs).toHaveLength(199);
    expect(msgs.every((m) => m.kind === 'v2g' && m.decoded)).toBe(true);
    const frames = msgs.map((m) => m.frame);
    expect([...frames].sort((a, b) => a - b)).toEqual(frames);
  });

  it('a garbage payload: one typed V2GTP error, resynchronised at the next header, 199 messages decoded', () => {
    const recs = records();
    const s = dataSegments(recs)[60]!;
    const rec = recs[s.index]!;
    const data = rec.data.slice();
    for (let i = 0; i < s.length; i++) data[s.payloadOffset + i] = (i * 37 + 11) & 0xff;
    recs[s.index] = { ...rec, data };
    const events = run(recs);
    const errors = events.filter((e) => e.kind === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ layer: 'v2gtp', error: { code: 'BAD_VERSION' } });
    const msgs = events.filter((e) => e.kind === 'v2g');
    expect(msgs).toHaveLength(199);
    expect(msgs.every((m) => m.kind === 'v2g' && m.decoded)).toBe(true);
  });
});
