// tshark dissects the frames of a whole in-process SLAC session (our EV,
// our EVSE, the emulated modems' answers) without a malformed frame or an
// expert warning. The frames are written with the src/codecs/capture pcap writer.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createActor, type AnyActorRef } from 'xstate';
import { modemManagerMachine } from '../../machines/modem-manager/index.js';
import { slacEvMachine } from '../../machines/slac-ev/index.js';
import { slacEvseMachine } from '../../machines/slac-evse/index.js';
import { writePcap, type PcapWriteRecord } from '../../src/codecs/capture/index.js';
import { Desk } from '../modem-sim/desk.js';
import { needTshark } from '../env.js';

const hasTshark = needTshark();

const EV = new Uint8Array([0x02, 0xee, 0, 0, 0, 1]);
const EVSE = new Uint8Array([0x02, 0xee, 0, 0, 0, 2]);

describe.skipIf(!hasTshark)('tshark on our SLAC exchange', () => {
  it('every frame dissects as HomePlug AV, none malformed, no expert warning', async () => {
    const desk = new Desk();
    const evPort = desk.host('ev', EV, { attenuation: 17 });
    const evsePort = desk.host('evse', EVSE, { attenuation: 12 });
    const records: PcapWriteRecord[] = [];
    // Record each host's cable once (its own frames and what its modem sends it).
    for (const name of ['ev', 'evse']) desk.hosts.get(name)!.segment.wire$.subscribe((f) => records.push({ timestamp: 1.7e12 + f.timestamp, data: f.data }));
    const ref: { a?: AnyActorRef; b?: AnyActorRef } = {};
    const run = (port: typeof evPort, input: Record<string, unknown>) => {
      const br = desk.bridge(port, () => ref.a);
      const a = createActor(modemManagerMachine, { clock: desk.clock, input: { send: br.send, timings: { restartPause: 300, confirmInterval: 100, discoveryWindow: 100 }, ...input } as never });
      ref.a = a;
      a.start();
      desk.runUntil(() => a.getSnapshot().status === 'done', 5000);
      br.close();
      return a.getSnapshot().output as { ok: boolean; nmk: Uint8Array; nid: Uint8Array };
    };
    const key = run(evsePort, { task: 'join', role: 'evse' });
    const eb = desk.bridge(evPort, () => ref.a);
    const sb = desk.bridge(evsePort, () => ref.b);
    const ev = createActor(slacEvMachine, { clock: desk.clock, input: { mac: EV, send: eb.send, validate: true } });
    ref.b = createActor(slacEvseMachine, { clock: desk.clock, input: { mac: EVSE, nid: key.nid, nmk: key.nmk, send: sb.send } }).start();
    ref.a = ev.start();
    desk.runUntil(() => ev.getSnapshot().status === 'done', 5000);
    eb.close();
    sb.close();
    const out = ev.getSnapshot().output as { ok: boolean; nmk: Uint8Array; nid: Uint8Array };
    expect(out.ok).toBe(true);
    run(evPort, { task: 'join', role: 'ev', nmk: out.nmk, nid: out.nid, confirmBy: 'get-key' });
    run(evPort, { task: 'join', role: 'ev', nmk: out.nmk, nid: out.nid, confirmBy: 'link-status' });
    run(evPort, { task: 'reset', role: 'ev', minModems: 1 });
    records.sort((x, y) => x.timestamp - y.timestamp);
    expect(records.length).toBeGreaterThan(40);

    const dir = mkdtempSync(join(tmpdir(), 'tsplc-slac-'));
    try {
      const file = join(dir, 'slac.pcap');
      writeFileSync(file, writePcap(records));
      const sh = promisify(execFile);
      const fields = await sh('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.protocols', '-e', '_ws.col.Info'], { timeout: 60_000 });
      const rows = fields.stdout.trim().split('\n');
      expect(rows).toHaveLength(records.length);
      for (const r of rows) expect(r, r).toMatch(/homeplug-av/);
      const bad = await sh('tshark', ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= "warning"', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Info'], { timeout: 60_000 });
      expect(bad.stdout.trim(), `frames tshark flags:\n${bad.stdout}`).toBe('');
      const names = new Set(rows.map((r) => r.split('\t')[2]));
      console.log(`tshark dissected ${rows.length} frames; kinds: ${[...names].join(' | ')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
