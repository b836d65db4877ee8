// `tsplc relay` between the sim car and the sim charger over the real kernel path (the bench in
// netns-bench.ts: three namespaces, a modem emulator on each leg, real AF_PACKET, UDP multicast,
// TCP). Both legs complete, the car and the charger each see a normal session, both relay records
// decode (tsplc decode) to the same V2G message sequence, and the added delay is reported.
// A leg failing at each phase: netns-car-fails.test.ts, netns-charger-fails.test.ts.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { relaySession, resultOrThrow, describeRelayBench, v2gNames } from './netns-bench.js';

await describeRelayBench('tsplc relay between the sim car and the sim charger (3 namespaces, 2 modem emulators)', (bench) => {

  const endOf = (r: Record<string, unknown>): string => (r.end as { end: string }).end;

  it('relays a whole DIN DC session: both ends see a normal session, both records decode to the same messages', async () => {
    const r = await relaySession(bench());
    expect(endOf(resultOrThrow(r.car)), r.car.lines.slice(-20).join('\n')).toBe('ChargingFinished');
    expect(r.carExit.code).toBe(0);
    expect(endOf(resultOrThrow(r.charger))).toBe('SessionStopped');
    expect(r.chargerExit.code).toBe(0);
    expect((r.relayOut.end as { end: string }).end).toBe('SessionStopped');
    expect(r.relayExit.code).toBe(0);
    const delay = r.relayOut.addedDelayMs as { all: { n: number; p50: number; p99: number; max: number } };
    expect(delay.all.n).toBeGreaterThan(20);
    expect(delay.all.p99).toBeGreaterThan(0);
    console.log(`relay added delay over ${delay.all.n} messages: p50 ${delay.all.p50} ms, p99 ${delay.all.p99} ms, max ${delay.all.max} ms`);
    expect(r.relay.lines.some((l) => l.includes('added delay car→charger'))).toBe(true);
    // Both records decode to the same V2G message sequence.
    const [a, b] = await Promise.all([v2gNames(r.record('car', 'pcapng')), v2gNames(r.record('charger', 'pcapng'))]);
    expect(a.length).toBeGreaterThan(20);
    expect(a[0]).toBe('supportedAppProtocolReq');
    expect(a[a.length - 1]).toBe('SessionStopRes');
    expect(b).toEqual(a);
    // No rule: no line names one, and the records say none.
    expect(r.relay.lines.some((l) => l.includes('"rules":"cap'))).toBe(false);
    expect(readFileSync(r.record('car', 'jsonl'), 'utf8')).toContain('"rules":"none"');
  }, 200_000);

  it('--rule cap-current=20: announced in every log line and in both records; the car sees at most 20 A, the session still ends normally', async () => {
    const r = await relaySession(bench(), { relayArgs: ['--rule', 'cap-current=20'] });
    expect(endOf(resultOrThrow(r.car))).toBe('ChargingFinished');
    expect(endOf(resultOrThrow(r.charger))).toBe('SessionStopped');
    const logLines = r.relay.lines.filter((l) => l.startsWith('{') && l.includes('"level"'));
    expect(logLines.length).toBeGreaterThan(10);
    for (const l of logLines) expect(l).toContain('"rules":"cap-current=20"');
    for (const leg of ['car', 'charger'] as const) expect(readFileSync(r.record(leg, 'jsonl'), 'utf8')).toContain('"rules":"cap-current=20"');
    // What the car got: every EVSEMaximumCurrentLimit written to the car leg is at most 20 A.
    const limits = readFileSync(r.record('car', 'jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"dir":"tx"') && l.includes('EVSEMaximumCurrentLimit'))
      .map((l) => /"EVSEMaximumCurrentLimit":\{"Multiplier":(-?\d+),(?:"Unit":"A",)?"Value":(-?\d+)/.exec(l))
      .map((m) => (m ? Number(m[2]) * 10 ** Number(m[1]) : NaN));
    expect(limits.length).toBeGreaterThan(0);
    expect(limits.every((x) => x <= 20)).toBe(true);
  }, 200_000);
});
