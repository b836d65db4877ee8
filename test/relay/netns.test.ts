// `tsplc relay` between the sim car and the sim charger over the real kernel path: three network
// namespaces (car, relay with two interfaces, charger), a modem emulator on each leg (car ⇄
// modem-sim ⇄ relay eth0; relay eth1 ⇄ modem-sim ⇄ charger), real AF_PACKET, UDP multicast, TCP.
// Both legs complete, the car and the charger each see a normal session, both relay records decode
// (tsplc decode) to the same V2G message sequence, and the added delay is reported.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../env.js';
import { createStar, namespaceTestsUnavailable, startModemSim, type Star } from '../modem-sim/star.js';
import { roleArgs, track, type Proc } from '../hostile/harness.js';
import { runTsplc } from '../helpers/run.js';

const unavailable = await namespaceTestsUnavailable();
const cli = 'src/cli/main.ts';

describe.skipIf(!requireEnv('root + network namespaces + the AF_PACKET addon', unavailable === '', unavailable))('tsplc relay between the sim car and the sim charger (3 namespaces, 2 modem emulators)', () => {
  let star: Star;
  let dir: string;
  const relayNs = { netns: '', ifname: 'eth0', ifindex: 0, mac: '', linkLocal: '' };

  beforeAll(async () => {
    star = await createStar(['car', 'relay', 'relay2', 'charger']);
    const relay = star.hosts.relay!;
    const relay2 = star.hosts.relay2!;
    Object.assign(relayNs, relay);
    // The relay's second interface: moved from its own namespace into the relay's (renamed eth1).
    for (const args of [
      ['-n', relay2.netns, 'link', 'set', 'eth0', 'name', 'eth1'],
      ['-n', relay2.netns, 'link', 'set', 'eth1', 'netns', relay.netns],
      ['-n', relay.netns, 'link', 'set', 'eth1', 'up'],
    ]) {
      const r = await star.topology.exec(star.middle, 'ip', args);
      if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    }
    // Wait for eth1's link-local address in the relay's namespace (DAD is off there: recipe step 2).
    for (let i = 0; i < 200; i++) {
      const r = await star.topology.exec(relay, 'ip', ['-6', 'addr', 'show', 'dev', 'eth1', 'scope', 'link']);
      if (/fe80::/.test(r.stdout) && !/tentative/.test(r.stdout)) break;
      await new Promise((res) => setTimeout(res, 25));
    }
    // Two emulators, one per leg: the car's SLAC broadcasts must never reach the charger directly.
    await startModemSim(star, ['car', 'relay'], ['--restart-ms', '300']);
    await startModemSim(star, ['relay2', 'charger'], ['--restart-ms', '300']);
    dir = mkdtempSync(join(tmpdir(), 'tsplc-relay-'));
  }, 60_000);

  afterAll(async () => {
    await star?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One session car ⇄ relay ⇄ charger; the three results and the relay's records. */
  async function session(relayArgs: string[] = []) {
    const records = mkdtempSync(join(dir, 'run-'));
    const spawn = (ns: { netns: string }, args: string[]): Proc => track(star.topology.spawnNode(ns as never, cli, args));
    const charger = spawn(star.hosts.charger!, ['evse', '-i', 'eth0', ...roleArgs, '--once']);
    const relay = spawn(relayNs, ['relay', '--car-if', 'eth0', '--charger-if', 'eth1', '--board', 'sim', '--record', records, '--json', '--set', 'modem.restart_pause=500', ...relayArgs]);
    await relay.waitFor((l) => l.includes('starting'), 30_000);
    const car = spawn(star.hosts.car!, ['pev', '-i', 'eth0', ...roleArgs, '--once', '--soc-target', '21', '--set', 'ev.battery_capacity_wh=1000']);
    const kill = setTimeout(() => {
      for (const p of [car, relay, charger]) p.child.kill('SIGTERM');
    }, 150_000);
    const [carExit, relayExit, chargerExit] = await Promise.all([car.exited(), relay.exited(), charger.exited()]);
    clearTimeout(kill);
    const result = (p: Proc, prefix: string): Record<string, unknown> => {
      const l = p.lines.find((x) => x.startsWith(prefix));
      if (!l) throw new Error(`no result line; last lines:\n${p.lines.slice(-25).join('\n')}`);
      return JSON.parse(l) as Record<string, unknown>;
    };
    const files = readdirSync(records).sort();
    return {
      car,
      relay,
      carExit,
      relayExit,
      chargerExit,
      carEnd: (result(car, '{"role"').end as { end: string }).end,
      chargerEnd: (result(charger, '{"role"').end as { end: string }).end,
      relayOut: result(relay, '{"role":"relay"'),
      record: (leg: 'car' | 'charger', ext: 'pcapng' | 'jsonl'): string => join(records, files.find((f) => f.includes(`relay-${leg}.`) && f.endsWith(ext)) ?? `missing-${leg}.${ext}`),
    };
  }

  const v2gNames = async (pcapng: string): Promise<string[]> => {
    const r = await runTsplc(['decode', '--json', '--no-summary', pcapng], { timeoutMs: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { layer?: string; name?: string })
      .filter((x) => x.layer === 'v2g' && x.name && /(Req|Res)$/.test(x.name))
      .map((x) => x.name as string);
  };

  it('relays a whole DIN DC session: both ends see a normal session, both records decode to the same messages', async () => {
    const r = await session();
    expect(r.carEnd, r.car.lines.slice(-20).join('\n')).toBe('ChargingFinished');
    expect(r.carExit.code).toBe(0);
    expect(r.chargerEnd).toBe('SessionStopped');
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
    const r = await session(['--rule', 'cap-current=20']);
    expect(r.carEnd).toBe('ChargingFinished');
    expect(r.chargerEnd).toBe('SessionStopped');
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
