import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCaptureFormat, readCapture } from '../../src/codecs/capture/reader.js';
import { nullLogger } from '../../src/ports/log.js';
import { SessionRecorder } from '../../src/runtime/recorder.js';
import { MemorySegment } from '../../drivers/ethernet/memory.js';
import { cmSlacParmCnf, cmSlacParmReq, decodeMme, encodeMme } from '../../src/codecs/homeplug/index.js';

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

  // Issue 8: 40 s of CM_SLAC_PARM.REQ flood wrote a 43 MB session record.
  const OWN = new Uint8Array([0x02, 0, 0, 0, 0, 0x02]);
  const mk = (src: Uint8Array, dst: Uint8Array): Uint8Array => {
    const f = new Uint8Array(60);
    f.set(dst, 0);
    f.set(src, 6);
    f[12] = 0x88;
    f[13] = 0xe1;
    return f;
  };
  const BCAST = new Uint8Array(6).fill(0xff);
  const foreign = (i: number): Uint8Array => new Uint8Array([0x02, 0xee, 0, 0, (i >> 8) & 0xff, i & 0xff]);

  it('records frames neither from nor to this station at most foreignFps per second, counts the rest in a comment and in the stop line; own traffic always', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-rec-'));
    const t0 = Date.UTC(2026, 0, 2, 3, 4, 5);
    const rec = new SessionRecorder({ dir, role: 'evse', maxMb: 10, logger: nullLogger, now: () => t0, ownMac: OWN, foreignFps: 10 });
    const base = rec.start();
    // 2 s of a flood at 1,000 frames/s from foreign MACs, with our own answers to one car in between.
    for (let i = 0; i < 2000; i++) {
      rec.frame(t0 + i, mk(foreign(i), BCAST));
      if (i % 100 === 0) rec.frame(t0 + i, mk(OWN, foreign(1)));
      if (i % 100 === 50) rec.frame(t0 + i, mk(foreign(1), OWN));
    }
    rec.stop();
    const frames = [...readCapture(readFileSync(`${base}.pcapng`))].flatMap((r) => (r.ok ? [r.value] : []));
    const ownFrames = frames.filter((f) => f.data[6] === 0x02 && f.data[7] === 0 && f.data[11] === 0x02);
    const toUs = frames.filter((f) => f.data[0] === 0x02 && f.data[1] === 0 && f.data[5] === 0x02);
    expect(ownFrames).toHaveLength(20);
    expect(toUs).toHaveLength(20);
    const flood = frames.length - 40;
    // A full bucket (10) and 10 per second refilled over the 2 s.
    expect(flood).toBeGreaterThanOrEqual(20);
    expect(flood).toBeLessThanOrEqual(31);
    const noted = frames.flatMap((f) => f.comments ?? []).filter((c) => /frames neither from nor to this station not recorded/.test(c));
    expect(noted.length).toBeGreaterThan(0);
    const skipped = noted.reduce((n, c) => n + Number(/^(\d+)/.exec(c)?.[1] ?? 0), 0);
    const stop = readFileSync(`${base}.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; foreignFramesNotRecorded?: number }).at(-1);
    expect(stop?.kind).toBe('stop');
    expect(stop?.foreignFramesNotRecorded).toBe(2000 - flood);
    // Every skipped frame is accounted for in the comments but those after the last recorded frame.
    expect(skipped).toBeLessThanOrEqual(2000 - flood);
    expect(rec.drops.foreignFrames).toBe(2000 - flood);
  });

  it('cuts one record at maxSessionMb: a truncated line, a warning, a readable pcapng; the next record starts fresh', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-rec-'));
    const warnings: string[] = [];
    const logger = { log: (lvl: string, m: string) => void (lvl === 'warn' && warnings.push(m)), child: () => logger };
    const rec = new SessionRecorder({ dir, role: 'evse', maxMb: 100, logger, maxSessionMb: 1, ownMac: OWN });
    const base = rec.start();
    const big = new Uint8Array(1000);
    big.set(OWN, 6);
    for (let i = 0; i < 5000; i++) rec.frame(Date.now(), big);
    rec.status({ layer: 'slac', state: 'WaitForSlacParm' });
    rec.stop();
    const pcap = readFileSync(`${base}.pcapng`);
    const jsonl = readFileSync(`${base}.jsonl`, 'utf8');
    expect(pcap.length + Buffer.byteLength(jsonl)).toBeLessThan(1024 * 1024 + 200);
    const frames = [...readCapture(pcap)];
    expect(frames.every((r) => r.ok)).toBe(true);
    expect(frames.length).toBeGreaterThan(900);
    expect(frames.length).toBeLessThan(1100);
    const kinds = jsonl.trim().split('\n').map((l) => (JSON.parse(l) as { kind: string; truncated?: boolean }));
    expect(kinds.map((k) => k.kind)).toEqual(['start', 'truncated', 'stop']);
    expect(kinds.at(-1)?.truncated).toBe(true);
    expect(warnings.filter((w) => /session_record_max_mb/.test(w))).toHaveLength(1);
    const next = rec.start();
    rec.frame(Date.now(), big);
    rec.stop();
    expect([...readCapture(readFileSync(`${next}.pcapng`))]).toHaveLength(1);
  });

  it('fed by MemoryPort.tap$ (the in-memory twin of the capture tap), a record holds what the station sent and what it received, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-rec-'));
    const seg = new MemorySegment();
    const ev = seg.attach('ev', '02:00:00:00:00:01', { etherTypes: [0x88e1] });
    const evse = seg.attach('evse', '02:00:00:00:00:02', { etherTypes: [0x88e1] });
    const rec = new SessionRecorder({ dir, role: 'evse', maxMb: 10, logger: nullLogger, ownMac: evse.mac, foreignFps: 10 });
    const base = rec.start();
    evse.tap$.subscribe((f) => rec.frame(f.timestamp, f.data));
    const runId = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    // The EVSE answers each CM_SLAC_PARM.REQ it receives (its protocol port never sees its own CNF).
    const own: string[] = [];
    evse.frames$.subscribe((f) => {
      const d = decodeMme(f.data);
      if (d.ok && d.value.type === 'CM_SLAC_PARM.REQ') evse.send(encodeMme(cmSlacParmCnf({ src: evse.mac, dst: d.value.src, forwardingSta: d.value.src, runId: d.value.runId })));
      if (d.ok) own.push(d.value.type);
    });
    for (let i = 0; i < 3; i++) {
      ev.send(encodeMme(cmSlacParmReq({ src: ev.mac, dst: new Uint8Array(6).fill(0xff), runId })));
      await new Promise((r) => setTimeout(r, 2));
    }
    rec.stop();
    const names = [...readCapture(readFileSync(`${base}.pcapng`))].map((r) => (r.ok ? decodeMme(r.value.data) : undefined)).map((d) => (d?.ok ? d.value.type : '?'));
    expect(names).toEqual(['CM_SLAC_PARM.REQ', 'CM_SLAC_PARM.CNF', 'CM_SLAC_PARM.REQ', 'CM_SLAC_PARM.CNF', 'CM_SLAC_PARM.REQ', 'CM_SLAC_PARM.CNF']);
    expect(own).toEqual(['CM_SLAC_PARM.REQ', 'CM_SLAC_PARM.REQ', 'CM_SLAC_PARM.REQ']);
  });
});
