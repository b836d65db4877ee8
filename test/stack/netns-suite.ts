// The same sessions as test/stack/inmemory.test.ts over the real kernel path:
// three network namespaces, `tsplc modem-sim` between the veth cables, and the
// two roles as separate `tsplc pev|evse --board sim` processes with the real
// AF_PACKET addon, real UDP multicast (SDP) and real TCP (V2GTP). Needs root.
// One file per case (netns-{din-dc,iso2-dc,iso2-ac}.test.ts), so vitest's workers run the three
// real-time sessions side by side.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/codecs/capture/reader.js';
import { netnsAvailable, netnsUnavailableReason } from '../../src/runtime/netns.js';
import { netnsSimSession } from '../../src/runtime/sim-netns.js';
import { requireEnv } from '../env.js';

/** The describe block of one case: a whole `protocol`/`mode` session across namespaces. */
export function netnsStackCase(protocol: 'din' | 'iso2', mode: 'dc' | 'ac'): void {
  const skip = !requireEnv('root + network namespaces', netnsAvailable(), netnsUnavailableReason());
  describe.skipIf(skip)('whole stack across network namespaces (real addon, UDP, TCP)', () => {
    it(`${protocol.toUpperCase()} ${mode.toUpperCase()}: both processes end the session cleanly`, { timeout: 300_000 }, async () => {
      const lines: string[] = [];
      const records = mkdtempSync(join(tmpdir(), 'tsplc-records-'));
      const r = await netnsSimSession({
        // A tsx (or node) start of modem-sim takes tens of seconds on a loaded 2-core machine.
        modemReadyTimeoutMs: 120_000,
        protocol,
        mode,
        faults: 'none',
        socTarget: 21,
        restartMs: 300,
        level: 'info',
        json: true,
        // A real-time session takes ~15 s idle and 60–80 s at load 30; this only bounds a hang.
        timeoutMs: 240_000,
        // A small pack: 1 % SOC in about a second of real charging. The CurrentDemandRes deadline is
        // relaxed from the standard's 250 ms (tested on SimulatedClock in test/v2g): beside other
        // vitest workers on a loaded 2-core machine, 250 ms of wall clock measures the scheduler.
        extraArgs: ['--set', 'ev.battery_capacity_wh=1000', '--set', `logging.session_records_dir=${records}`, '--set', 'v2g.V2G_EVCC_Msg_Timeout_CurrentDemand=2000'],
        onLine: (role, l) => lines.push(`[${role}] ${l}`),
      });
      const tail = lines.slice(-25).join('\n');
      expect(r.ev?.end.end, tail).toBe('ChargingFinished');
      expect(r.evse?.end.end, tail).toBe('SessionStopped');
      expect(r.evExit).toBe(0);
      const cps = (r.ev?.summary as { checkpoints: { checkpoint: number }[] }).checkpoints.map((c) => c.checkpoint);
      // SDP (200/203), TCP (301/303), the handshake (400) and the charge loop (700) all ran over the kernel.
      for (const c of [160, 190, 200, 203, 301, 303, 400, 500, 600, 700, 800, 900, 905]) expect(cps, `checkpoint ${c}`).toContain(c);
      // The SDP request left on the scoped interface and the answer came back (the EVSE logged both).
      expect(lines.some((l) => l.startsWith('[evse]') && l.includes('"cp":202'))).toBe(true);
      // Both processes recorded the session: a pcapng with HomePlug (0x88E1) and IPv6 (0x86DD) frames, and the decoded V2G log.
      const files = readdirSync(records);
      for (const role of ['pev', 'evse']) {
        const pcap = files.find((f) => f.endsWith(`-${role}.pcapng`));
        expect(pcap, files.join(',')).toBeDefined();
        const types = new Set<number>();
        for (const rec of readCapture(readFileSync(join(records, pcap as string)))) if (rec.ok) types.add(((rec.value.data[12] ?? 0) << 8) | (rec.value.data[13] ?? 0));
        expect(types.has(0x88e1) && types.has(0x86dd), [...types].map((x) => x.toString(16)).join(',')).toBe(true);
        const jsonl = readFileSync(join(records, (pcap as string).replace(/\.pcapng$/, '.jsonl')), 'utf8');
        expect(jsonl).toMatch(/"kind":"v2g"/);
      }
    });
  });
}
