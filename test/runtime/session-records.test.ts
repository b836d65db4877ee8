// Where one session record ends and the next begins (src/runtime/session-records.ts): the pure
// decision per status update, and the records on disk around an in-memory capture tap.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySegment } from '../../drivers/ethernet/memory.js';
import { readCapture } from '../../src/codecs/capture/reader.js';
import { Checkpoint } from '../../src/checkpoints.js';
import { nullLogger } from '../../src/ports/log.js';
import { openSessionRecords, recordStep, type RecordCutState } from '../../src/runtime/session-records.js';
import { StatusBus } from '../../src/status.js';

const steps = (checkpoints: (number | undefined)[], recording = false): string[] => {
  let s: RecordCutState = { recording, sessionSeen: false, cutPending: false };
  const out: string[] = [];
  for (const cp of checkpoints) {
    const next = recordStep(s, cp);
    out.push(next.step);
    // The cut completes at once here (the tap is quiet).
    s = next.step === 'cut' ? { ...next.state, cutPending: false } : next.state;
  }
  return out;
};

describe('recordStep: the record decision per status update', () => {
  it('the first car or attempt starts the first record', () => {
    expect(steps([undefined, Checkpoint.SlacParmReq])).toEqual(['none', 'start']);
    expect(steps([Checkpoint.EvseKeySet])).toEqual(['start']);
    expect(steps([Checkpoint.PlugInserted])).toEqual(['start']);
  });

  it('a retry before any V2G session stays in the same record; after a session the next attempt cuts', () => {
    expect(steps([Checkpoint.SlacParmReq, Checkpoint.SlacParmReq, Checkpoint.SupportedAppProtocolReq, Checkpoint.SlacParmReq, Checkpoint.SlacParmReq])).toEqual(['start', 'none', 'none', 'cut', 'none']);
  });

  it('no decision while a cut waits for the tap to go quiet', () => {
    const pending: RecordCutState = { recording: true, sessionSeen: true, cutPending: true };
    expect(recordStep(pending, Checkpoint.PlugInserted).step).toBe('none');
  });
});

const lines = (file: string): { kind: string; checkpoint?: number }[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; checkpoint?: number });

async function until(what: string, cond: () => boolean, boundMs = 10_000): Promise<void> {
  for (let t = 0; !cond(); t += 20) {
    if (t > boundMs) throw new Error(`not within ${boundMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('openSessionRecords: records around the capture tap', () => {
  const open = (seams: { ioTurn?: () => Promise<void> } = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-records-'));
    const segment = new MemorySegment();
    const peer = segment.attach('peer', '02:00:00:00:00:01');
    const status = new StatusBus(() => Date.now());
    let capture: ReturnType<MemorySegment['attach']> | undefined;
    const records = openSessionRecords({
      dir,
      role: 'evse',
      maxMb: 100,
      ownMac: new Uint8Array([2, 0, 0, 0, 0, 2]),
      interfaceName: 'test0',
      logger: nullLogger,
      status,
      openCapture: () => (capture = segment.attach('us', '02:00:00:00:00:02')),
      ...seams,
    });
    const jsonl = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(dir, f));
    const report = (checkpoint: (typeof Checkpoint)[keyof typeof Checkpoint]): void => status.report({ layer: 'slac', state: 's', checkpoint });
    const pcapngs = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.pcapng')).sort().map((f) => join(dir, f));
    return { records, peer, jsonl, pcapngs, report, capture: () => capture };
  };

  it('a session then a new attempt: two records, the attempt in the second, both closed with a stop line; the tap closes', async () => {
    const r = open();
    r.report(Checkpoint.PlugInserted);
    r.report(Checkpoint.SupportedAppProtocolReq);
    r.report(Checkpoint.SlacParmReq);
    await until('the second record', () => r.jsonl().length === 2);
    r.peer.send(new Uint8Array(60).fill(0xff));
    await r.records.close();
    const [first, second] = r.jsonl().map(lines);
    expect(first?.filter((l) => l.kind === 'status').map((l) => l.checkpoint)).toEqual([Checkpoint.PlugInserted, Checkpoint.SupportedAppProtocolReq]);
    expect(second?.filter((l) => l.kind === 'status').map((l) => l.checkpoint)).toEqual([Checkpoint.SlacParmReq]);
    expect(first?.at(-1)?.kind).toBe('stop');
    expect(second?.at(-1)?.kind).toBe('stop');
    expect(r.capture()?.isOpen).toBe(false);
  });

  it('closing while a cut waits: the held updates close the old record and no new record opens after close', async () => {
    const r = open();
    r.report(Checkpoint.PlugInserted);
    r.report(Checkpoint.SupportedAppProtocolReq);
    r.report(Checkpoint.SlacParmReq);
    await r.records.close();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.jsonl()).toHaveLength(1);
    const only = lines(r.jsonl()[0] ?? '');
    expect(only.filter((l) => l.kind === 'status').map((l) => l.checkpoint)).toEqual([Checkpoint.PlugInserted, Checkpoint.SupportedAppProtocolReq, Checkpoint.SlacParmReq]);
    expect(only.at(-1)?.kind).toBe('stop');
  });

  it('a frame the I/O turn reads after the clock said quiet (a process that waited for a CPU) is in the record, and the wait goes on', async () => {
    // The quiet timer runs (150 ms with no frame, as a starved process's timer finally runs) before libuv's
    // poll phase read what the socket queued: the I/O turn after it delivers that frame.
    let turns = 0;
    const frameToUs = new Uint8Array(60).fill(0xee);
    frameToUs.set([2, 0, 0, 0, 0, 2], 0);
    const late: { peer?: ReturnType<typeof open>['peer'] } = {};
    const r = open({
      ioTurn: async () => {
        // The first turn delivers the frame the socket held; later turns read nothing.
        if (++turns === 1) late.peer?.send(frameToUs);
        await new Promise((res) => setImmediate(res));
      },
    });
    late.peer = r.peer;
    r.report(Checkpoint.PlugInserted);
    await r.records.close();
    expect(turns).toBe(2);
    const [file] = r.pcapngs();
    const frames = [...readCapture(readFileSync(file ?? ''))].filter((x) => x.ok);
    expect(frames).toHaveLength(1);
  });
});
