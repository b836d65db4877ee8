// Hostile peers against `tsplc evse` on the real kernel path (issue 8): SDP and V2G/TCP attacks from a host
// that did SLAC like a car (so it shares the charger's AVLN), each followed by a real car session
// (`tsplc pev --once`) against the same charger process. The attacks are split over five files
// (tcp-sdp-{sdp,framing,close,slow,v2g}.test.ts), each with its own namespaces, modem-sim and charger, so
// vitest's workers run them side by side instead of one file waiting out fourteen real sessions in a row.
// Within a file one charger serves its attacks in order: a wedge or leak left by one attack fails the
// session of that row (or of a later one). Each file prints its table and writes it to
// $TMPDIR/tsplc-hostile-tcp-sdp-<part>.txt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceTestsUnavailable, printReport, rowOk, runAttack, runAttacker, seenOf, startBench, type AttackRow, type Bench, type Proc } from './harness.js';
import { requireEnv } from '../env.js';

const attacker = 'test/hostile/tcp-attacker.ts';

/** The charger's v2g.handshake_timeout here: what the silent and slowloris rows wait for (default 5 s, which they need not sit out). */
export const HANDSHAKE_TIMEOUT_MS = 3000;

export interface Attack {
  readonly name: string;
  readonly id: string;
  /** What the attack must show besides "alive, bounded, a real session afterwards". */
  readonly expect: (r: Record<string, unknown>) => void;
}

// What each attack must show besides "alive, bounded, a real session afterwards".
export const allAttacks: readonly Attack[] = [
  { name: 'SDP malformed datagrams', id: 'sdp-malformed', expect: (r) => expect(r).toMatchObject({ answeredMalformed: 0, stillAnswers: true }) },
  { name: 'SDP burst, 10,000 requests', id: 'sdp-burst', expect: (r) => expect(r.answered as number).toBeGreaterThan(0) },
  { name: 'TCP garbage', id: 'tcp-garbage', expect: (r) => expect(r.afterMs as number).toBeLessThan(2000) },
  { name: 'V2GTP header declaring 4 GB', id: 'header-4g', expect: (r) => expect(r.afterMs as number).toBeLessThan(2000) },
  { name: 'EXI garbage', id: 'exi-garbage', expect: (r) => expect(r.afterMs as number).toBeLessThan(2000) },
  { name: 'early FIN', id: 'early-fin', expect: (r) => expect(r.ok).toBe(true) },
  { name: 'early RST', id: 'early-rst', expect: (r) => expect(r.ok).toBe(true) },
  // handshake_timeout (5 s default, 3 s for this charger: see beforeAll; the real car after each row sends its supportedAppProtocolReq within milliseconds of connecting) closes it; before the fix it stayed open
  // (observed 130 s). The bound leaves 4 s for a loaded machine.
  { name: 'silent connection', id: 'silent', expect: (r) => expect(r.afterMs as number).toBeLessThan(HANDSHAKE_TIMEOUT_MS + 4000) },
  { name: 'slowloris (100 B promised, 18 sent)', id: 'slowloris', expect: (r) => expect(r.afterMs as number).toBeLessThan(HANDSHAKE_TIMEOUT_MS + 4000) },
  // One connection gets the session slot (and is closed after handshake_timeout); the others are reset (waited for,
  // at most 10 s: how long it took is in the row).
  { name: '500 parallel connections', id: 'parallel-500', expect: (r) => expect(r.stillOpen as number).toBeLessThanOrEqual(1) },
  { name: '1,000 connect/reset cycles', id: 'cycles-1000', expect: (r) => expect(r.ok).toBe(true) },
  { name: 'out-of-order request', id: 'out-of-order', expect: (r) => expect(r.response).toBe('PowerDelivery FAILED_SequenceError') },
  { name: 'wrong SessionID', id: 'wrong-session-id', expect: (r) => expect(r.response).toBe('ServiceDiscovery FAILED_UnknownSession') },
  // The normal loop: one request per response + ChargeLoop_Interval (100 ms), ≈ 9/s; 100× ≈ 900/s.
  { name: 'CurrentDemand at 100× rate', id: 'current-demand-100x', expect: (r) => expect(r.ratePerS as number).toBeGreaterThanOrEqual(900) },
];

/** Which file runs which attacks (test/hostile/tcp-sdp-<part>.test.ts); every attack is in exactly one part. */
export const parts = {
  sdp: ['sdp-malformed', 'sdp-burst'],
  framing: ['tcp-garbage', 'header-4g', 'exi-garbage'],
  close: ['early-fin', 'early-rst', 'cycles-1000'],
  slow: ['silent', 'slowloris', 'parallel-500'],
  v2g: ['out-of-order', 'wrong-session-id', 'current-demand-100x'],
} as const satisfies Record<string, readonly string[]>;

export type Part = keyof typeof parts;

/**
 * The describe block of one part: one bench and one charger, its attacks in order, each followed by a real
 * car session. TSPLC_HOSTILE_ONLY=silent,slowloris runs a subset (while working on one attack).
 */
export async function hostileTcpSdpSuite(part: Part): Promise<void> {
  const unavailableReason = await namespaceTestsUnavailable();
  // '' = available; requireEnv (test/env.ts) logs the skip on a desk and fails the file under TSPLC_NO_SKIP=1.
  const unavailable = requireEnv('root, network namespaces and the AF_PACKET addon', unavailableReason === '', unavailableReason) ? '' : unavailableReason;
  const ids: readonly string[] = parts[part];
  const only = process.env.TSPLC_HOSTILE_ONLY?.split(',');
  const attacks = allAttacks.filter((a) => ids.includes(a.id) && (!only || only.includes(a.id)));

  describe.skipIf(unavailable !== '')(`hostile peers against tsplc evse: ${part} (real namespaces, addon, UDP, TCP)`, () => {
    let bench: Bench;
    let charger: Proc;
    const rows: AttackRow[] = [];
    const seen = new Map<string, Record<string, unknown>>();

    beforeAll(async () => {
      bench = await startBench();
      charger = bench.startCharger([
        // A charger that serves one car after the other, with short back-offs and a short wait for the car's
        // TCP connection after SLAC, so the suite does not sit out the production values between rows.
        '--set', 'evse.allow_new_session_after_stopping=true',
        '--set', 'connection.backoff_initial=300',
        '--set', 'connection.backoff_max=1500',
        '--set', 'v2g.V2G_SECC_CommunicationSetup_Performance_Time=8000',
        '--set', `v2g.handshake_timeout=${HANDSHAKE_TIMEOUT_MS}`,
      ]);
      // Generous: tsx starts of modem-sim and the charger take tens of seconds on a loaded 2-core machine.
      await charger.waitFor((l) => l.includes('"cp":2'), 180_000);
    }, 300_000);

    afterAll(async () => {
      if (charger?.alive()) charger.child.kill('SIGTERM');
      await bench?.destroy();
    });

    it(`${attacks.map((a) => a.id).join(', ')}: charger alive, RSS and log bounded, a real car session succeeds after each`, { timeout: 10 * 60_000 }, async () => {
      for (const a of attacks) {
        const row = await runAttack(bench, charger, a.name, async () => {
          const r = await runAttacker(bench, attacker, [bench.evIf, a.id]);
          seen.set(a.id, r);
          return { ok: r.ok === true, seen: seenOf(r) };
        });
        rows.push(row);
        if (!row.alive) break;
      }
      printReport(`hostile peers against tsplc evse (${part})`, rows, `tsplc-hostile-tcp-sdp-${part}.txt`);
      for (const r of rows) expect(rowOk(r), `${r.attack}: ${JSON.stringify(r)}`).toBe(true);
      for (const a of attacks) {
        const r = seen.get(a.id);
        expect(r, a.name).toBeDefined();
        expect(r?.ok, `${a.name}: ${JSON.stringify(r)}`).toBe(true);
        a.expect(r as Record<string, unknown>);
      }
      expect(rows).toHaveLength(attacks.length);
    });
  });
}
