import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/reader.js';
import { nullLogger } from '../../src/ports/log.js';
import { SessionRecorder } from '../../src/runtime/recorder.js';

describe('SessionRecorder', () => {
  it('writes a pcap our reader reads back and a JSON-lines log, one record per start(), counter continues', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-rec-'));
    let t = Date.UTC(2026, 0, 2, 3, 4, 5);
    const rec = new SessionRecorder({ dir, role: 'pev', maxMb: 10, logger: nullLogger, now: () => t });
    const base = rec.start();
    expect(base).toMatch(/20260102-030405-0001-pev$/);
    const frame = new Uint8Array(60).fill(0xab);
    rec.frame(t, frame);
    rec.wire({ direction: 'tx', schema: 'din', bytes: new Uint8Array([0x80, 0x9a]), doc: { supportedAppProtocolRes: { ResponseCode: 'OK_SuccessfulNegotiation', SchemaID: 1 } } });
    rec.status({ layer: 'sdp', state: 'done', checkpoint: 203 });
    t += 1000;
    rec.start();
    rec.stop();
    const records = [...readCapture(readFileSync(`${base}.pcap`))];
    expect(records).toHaveLength(1);
    expect(records[0]?.ok && Array.from(records[0].value.data)).toEqual(Array.from(frame));
    const lines = readFileSync(`${base}.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; exi?: string; checkpoint?: number });
    expect(lines.map((l) => l.kind)).toEqual(['start', 'v2g', 'status', 'stop']);
    expect(lines[1]?.exi).toBe('809a');
    expect(lines[2]?.checkpoint).toBe(203);
    expect(readdirSync(dir).filter((f) => f.includes('-0002-'))).toHaveLength(2);
    // A new recorder in the same directory continues the counter.
    const again = new SessionRecorder({ dir, role: 'pev', maxMb: 10, logger: nullLogger, now: () => t });
    expect(again.start()).toMatch(/-0003-pev$/);
  });

  it('keeps the directory under maxMb by removing the oldest records first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-rec-'));
    for (let i = 1; i <= 3; i++) writeFileSync(join(dir, `20250101-000000-000${i}-pev.pcap`), new Uint8Array(600 * 1024));
    const rec = new SessionRecorder({ dir, role: 'pev', maxMb: 1, logger: nullLogger });
    rec.start();
    const left = readdirSync(dir).sort();
    expect(left.some((f) => f.startsWith('20250101-000000-0001'))).toBe(false);
    expect(left.some((f) => f.startsWith('20250101-000000-0002'))).toBe(false);
    expect(left.some((f) => f.startsWith('20250101-000000-0003'))).toBe(true);
    expect(left.some((f) => f.includes('-0004-pev.'))).toBe(true);
  });
});
