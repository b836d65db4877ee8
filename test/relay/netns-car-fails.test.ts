// The car leg of `tsplc relay` fails (the car process killed: its kernel closes the TCP connection)
// at each phase — before the session, in PreCharge, in CurrentDemand — on the three-namespace bench
// (netns-bench.ts). Invariants (the fault table's, docs/relay.md § When a leg fails): the charger
// leg ends through the protocol — its current to zero first (PreChargeReq / CurrentDemandReq with
// EVTargetCurrent 0), PowerDeliveryReq stop once PowerDelivery(Start) was sent, SessionStopReq —
// each answered, then the TCP close; the charger sees a normal SessionStop, its safety monitor sees
// no violation, and both relay records are kept and decode.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { physicalIn, reached, recordRows, relaySession, resultOf, safetyViolations, describeRelayBench, v2gNames, type SessionProcs } from './netns-bench.js';

interface Case {
  readonly phase: 'handshake' | 'PreCharge' | 'CurrentDemand';
  readonly title: string;
  /** Waits for the moment the car is killed. */
  readonly at: (p: SessionProcs) => Promise<unknown>;
  /** The relay's own requests to the charger, in order. */
  readonly chargerStop: readonly string[];
  readonly carArgs?: readonly string[];
  /** What the charger sees, for the test's name. */
  readonly charger: string;
}

const cases: readonly Case[] = [
  // SLAC with the car done, no TCP connection yet: the relay waits V2G_SECC_CommunicationSetup_Performance_Time (3 s here).
  { phase: 'handshake', title: 'before the session (SLAC matched, no TCP yet)', at: (p) => p.relay.waitFor((l) => l.includes('SLAC matched with the car'), 120_000), chargerStop: [], charger: 'its connection closes without a message (nothing to stop), it waits for the next car and stops cleanly' },
  // The charger's first PreChargeRes (its checkpoint 575): the relay has relayed a PreChargeReq. The car
  // ends PreCharge only within 1 V and pauses 300 ms between rounds, so it is still in PreCharge when killed.
  {
    phase: 'PreCharge',
    title: 'in PreCharge',
    at: (p) => reached(p.charger, 575),
    chargerStop: ['PreChargeReq', 'SessionStopReq'],
    charger: 'PreChargeReq with 0 A, then SessionStop, each answered, then its connection closes',
    carArgs: ['--set', 'v2g.precharge_voltage_delta=1', '--set', 'v2g.Loop_Interval=300'],
  },
  // The charger's first CurrentDemandRes (705); the car charges towards 30 % (seconds), so it is still in the loop.
  { phase: 'CurrentDemand', title: 'in CurrentDemand', at: (p) => reached(p.charger, 705), chargerStop: ['CurrentDemandReq', 'PowerDeliveryReq', 'SessionStopReq'], charger: 'CurrentDemandReq with 0 A, PowerDelivery stop, SessionStop, each answered, then its connection closes', carArgs: ['--soc-target', '30'] },
];

await describeRelayBench('tsplc relay: the car leg fails at each phase (3 namespaces)', (bench) => {

  for (const c of cases) {
    it(`the car killed ${c.title}: ${c.charger}; no safety violation; both records kept`, async () => {
      const r = await relaySession(bench(), {
        relayArgs: ['--set', 'v2g.V2G_SECC_CommunicationSetup_Performance_Time=3000'],
        carArgs: c.carArgs ?? [],
        during: async (p) => {
          await c.at(p);
          p.car.child.kill('SIGKILL');
          // Before any session the charger has nothing to stop: it waits for the next car, as a charger
          // does until the cable leaves (CP is not joined across the sim processes). It is stopped here.
          if (c.phase === 'handshake') {
            await p.relay.exited();
            p.charger.child.kill('SIGTERM');
          }
        },
        deadlineMs: 120_000,
      });
      const out = r.relayOut.end as { end: string; reason: string; phase: string; chargerStop: string[] };
      const context = `relay: ${JSON.stringify(out)}\n${r.relay.lines.slice(-15).join('\n')}\ncharger:\n${r.charger.lines.slice(-10).join('\n')}`;
      expect(out.end, context).toBe('CarLegFailed');
      expect(out.phase, context).toBe(c.phase);
      expect(out.chargerStop, context).toEqual(c.chargerStop);
      expect(r.relayExit.code).toBe(1);
      // The charger: ended by a SessionStop (or, before any session, its TCP closed), never by a fault; no safety violation.
      const charger = resultOf(r.charger);
      expect(safetyViolations(r.charger)).toEqual([]);
      if (c.phase !== 'handshake') {
        expect((charger?.end as { end: string } | undefined)?.end, context).toBe('SessionStopped');
        expect(r.chargerExit.code).toBe(0);
        // The relay's first stop request carries 0 A (the charger leg's record: what was written to it).
        const rows = recordRows(readFileSync(r.record('charger', 'jsonl'), 'utf8'), 'tx');
        const firstOwn = rows.find((x, i) => x.name === c.chargerStop[0] && i >= rows.length - c.chargerStop.length);
        expect(firstOwn, rows.map((x) => x.name).join(',')).toBeDefined();
        expect(physicalIn(firstOwn!.line, 'EVTargetCurrent')).toBe(0);
        if (c.phase === 'CurrentDemand') expect(rows.find((x) => x.name === 'PowerDeliveryReq' && x.line.includes('"ReadyToChargeState":false'))).toBeDefined();
        // The charger leg's capture: the stop requests, each answered, at the end of the session.
        const names = await v2gNames(r.record('charger', 'pcapng'));
        const tail = c.chargerStop.flatMap((n) => [n, n.replace(/Req$/, 'Res')]);
        expect(names.slice(-tail.length), names.join(',')).toEqual(tail);
      } else {
        // Nothing of V2G happened: the charger leg was closed without a message, and the charger stops cleanly on SIGTERM.
        expect(r.relay.lines.some((l) => l.includes('closing the charger leg'))).toBe(true);
        expect(charger?.end, context).toMatchObject({ end: 'Stopped', reason: 'SIGTERM', session: { result: 'Aborted', reason: 'BeforeHandshake: connection closed (remote)', sessions: 0 } });
        expect(r.chargerExit).toEqual({ code: 0, signal: null });
      }
      // Both records kept: the car leg's capture decodes up to the kill (its messages are a prefix of the charger leg's).
      const carNames = await v2gNames(r.record('car', 'pcapng'));
      const chargerNames = await v2gNames(r.record('charger', 'pcapng'));
      expect(chargerNames.slice(0, carNames.length)).toEqual(carNames);
      if (c.phase !== 'handshake') expect(carNames.length).toBeGreaterThan(10);
    }, 200_000);
  }
});
