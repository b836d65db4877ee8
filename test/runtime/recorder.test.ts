import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCaptureFormat, readCapture } from '../../src/capture/reader.js';
import { nullLogger } from '../../src/ports/log.js';
import { SessionRecorder } from '../../src/runtime/recorder.js';

describe('SessionRecorder', () => {
  it('writes a pcapng our reader reads back and a JSON-lines log, one record per start(), counter continues', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-rec-'));
    let t = Date.UTC(2026, 0, 2, 3, 4, 5);
    const rec = new SessionRecorder({ dir, role: 'pev', maxMb: 10, logger: nullLogger, now: () => t, interfaceName: 'eth1' });
    const base = rec.start();
    expect(base).toMatch(/20260102-030405-0001-pev$/);
    const frame = new Uint8Array(60).fill(0xab);
    rec.frame(t, frame);
    rec.wire({ direction: 'tx', schema: 'din', bytes: new Uint8Array([0x80, 0x9a]), doc: { supportedAppProtocolRes: { ResponseCode: 'OK_SuccessfulNegotiation', SchemaID: 1 } } });
    rec.status({ layer: 'sdp', state: 'done', checkpoint: 203 });
    rec.status({ layer: 'tcp', state: 'Connecting' });
    // The status updates before it become this frame's comments; the frame after has none.
    rec.frame(t + 5, frame);
    rec.frame(t + 6, frame);
    t += 1000;
    rec.start();
    rec.stop();
    const file = readFileSync(`${base}.pcapng`);
    expect(detectCaptureFormat(file)).toBe('pcapng');
    expect(Buffer.from(file).includes(Buffer.from('eth1'))).toBe(true);
    const records = [...readCapture(file)].map((r) => (r.ok ? r.value : undefined));
    expect(records).toHaveLength(3);
    expect(Array.from(records[0]?.data ?? [])).toEqual(Array.from(frame));
    expect(records.map((r) => r?.timestamp)).toEqual([t - 1000, t - 995, t - 994]);
    expect(records.map((r) => r?.comments)).toEqual([undefined, ['checkpoint 203: sdp done', 'tcp Connecting'], undefined]);
    const lines = readFileSync(`${base}.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; exi?: string; checkpoint?: number });
    expect(lines.map((l) => l.kind)).toEqual(['start', 'v2g', 'status', 'status', 'stop']);
    expect(lines[1]?.exi).toBe('809a');
    expect(lines[2]?.checkpoint).toBe(203);
    expect(readdirSync(dir).filter((f) => f.includes('-0002-'))).toHaveLength(2);
    // A new recorder in the same directory continues the counter.
    const again = new SessionRecorder({ dir, role: 'pev', maxMb: 10, logger: nullLogger, now: () => t });
    expect(again.start()).toMatch(/-0003-pev$/);
  });

  it('keeps the directory under maxMb by removing the oldest records first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-rec-'));
    // 0001 is a classic-pcap record from before the switch to pcapng: it still counts.
    writeFileSync(join(dir, '20250101-000000-0001-pev.pcap'), new Uint8Array(600 * 1024));
    for (let i = 2; i <= 3; i++) writeFileSync(join(dir, `20250101-000000-000${i}-pev.pcapng`), new Uint8Array(600 * 1024));
    const rec = new SessionRecorder({ dir, role: 'pev', maxMb: 1, logger: nullLogger });
    rec.start();
    const left = readdirSync(dir).sort();
    expect(left.some((f) => f.startsWith('20250101-000000-0001'))).toBe(false);
    expect(left.some((f) => f.startsWith('20250101-000000-0002'))).toBe(false);
    expect(left.some((f) => f.startsWith('20250101-000000-0003'))).toBe(true);
    expect(left.some((f) => f.includes('-0004-pev.'))).toBe(true);
  });
});
