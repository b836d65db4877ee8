// `tsplc relay` between the sim car and the sim charger over the real kernel path: three network
// namespaces (car, relay with two interfaces, charger), a modem emulator on each leg (car ⇄
// modem-sim ⇄ relay eth0; relay eth1 ⇄ modem-sim ⇄ charger), real AF_PACKET, UDP multicast, TCP.
// Both legs complete, the car and the charger each see a normal session, both relay records decode
// (tsplc decode) to the same V2G message sequence, and the added delay is reported.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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

  it('relays a whole DIN DC session: both ends see a normal session, both records decode to the same messages', async () => {
    const spawn = (ns: { netns: string }, args: string[]): Proc => track(star.topology.spawnNode(ns as never, cli, args));
    const charger = spawn(star.hosts.charger!, ['evse', '-i', 'eth0', ...roleArgs, '--once']);
    const relay = spawn(relayNs, ['relay', '--car-if', 'eth0', '--charger-if', 'eth1', '--board', 'sim', '--record', dir, '--json', '--set', 'modem.restart_pause=500']);
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
    const carEnd = (result(car, '{"role"').end as { end: string }).end;
    const chargerEnd = (result(charger, '{"role"').end as { end: string }).end;
    const relayOut = result(relay, '{"role":"relay"');
    expect(carEnd, car.lines.slice(-20).join('\n')).toBe('ChargingFinished');
    expect(carExit.code).toBe(0);
    expect(chargerEnd).toBe('SessionStopped');
    expect(chargerExit.code).toBe(0);
    expect((relayOut.end as { end: string }).end).toBe('SessionStopped');
    expect(relayExit.code).toBe(0);
    // The relay's live view: one line per message (not printed with --json: the JSON summary carries the figures).
    const delay = relayOut.addedDelayMs as { all: { n: number; p50: number; p99: number; max: number } };
    expect(delay.all.n).toBeGreaterThan(20);
    expect(delay.all.p99).toBeGreaterThan(0);
    console.log(`relay added delay over ${delay.all.n} messages: p50 ${delay.all.p50} ms, p99 ${delay.all.p99} ms, max ${delay.all.max} ms`);
    expect(relay.lines.some((l) => l.includes('added delay car→charger'))).toBe(true);

    // Both records decode to the same V2G message sequence.
    const pcaps = readdirSync(dir).filter((f) => f.endsWith('.pcapng')).sort();
    const carRec = pcaps.find((f) => f.includes('relay-car'));
    const chargerRec = pcaps.find((f) => f.includes('relay-charger'));
    expect(carRec && chargerRec).toBeTruthy();
    const names = async (f: string): Promise<string[]> => {
      const r = await runTsplc(['decode', '--json', '--no-summary', join(dir, f)], { timeoutMs: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { layer?: string; name?: string })
        .filter((x) => x.layer === 'v2g' && x.name && /(Req|Res)$/.test(x.name))
        .map((x) => x.name as string);
    };
    const [a, b] = await Promise.all([names(carRec!), names(chargerRec!)]);
    expect(a.length).toBeGreaterThan(20);
    expect(a[0]).toBe('supportedAppProtocolReq');
    expect(a[a.length - 1]).toBe('SessionStopRes');
    expect(b).toEqual(a);
  }, 200_000);
});
