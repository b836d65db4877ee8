// The relay's three-namespace bench (car, relay with two interfaces, charger), shared by the netns
// relay tests: a modem emulator on each leg (car ⇄ modem-sim ⇄ relay eth0; relay eth1 ⇄ modem-sim ⇄
// charger), real AF_PACKET, UDP multicast and TCP; `tsplc pev`, `tsplc relay` and `tsplc evse` as
// processes. A scenario may act on the running processes (kill one at a phase) through `during`.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { requireEnv } from '../env.js';
import { createStar, namespaceTestsUnavailable, startModemSim, type Star } from '../modem-sim/star.js';
import { roleArgs, track, type Proc } from '../hostile/harness.js';
import { runTsplc } from '../helpers/run.js';
import { CLI as cli } from '../helpers/cli.js';



export interface RelayBench {
  readonly star: Star;
  readonly dir: string;
  destroy(): Promise<void>;
}

export async function startRelayBench(): Promise<RelayBench> {
  const star = await createStar(['car', 'relay', 'relay2', 'charger']);
  const relay = star.hosts.relay!;
  const relay2 = star.hosts.relay2!;
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
  const dir = mkdtempSync(join(tmpdir(), 'tsplc-relay-'));
  return {
    star,
    dir,
    destroy: async () => {
      await star.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The describe block of a relay namespace test file: skipped (or, under TSPLC_NO_SKIP=1, failed) where
 * namespaces or the addon are missing; one bench for the whole block, started before its first test
 * and destroyed after its last. `body` gets the bench through a getter (it exists once beforeAll ran).
 */
export async function describeRelayBench(title: string, body: (bench: () => RelayBench) => void): Promise<void> {
  const unavailable = await namespaceTestsUnavailable();
  describe.skipIf(!requireEnv('root + network namespaces + the AF_PACKET addon', unavailable === '', unavailable))(title, () => {
    let bench: RelayBench | undefined;
    beforeAll(async () => {
      bench = await startRelayBench();
    }, 60_000);
    afterAll(async () => {
      await bench?.destroy();
    });
    body(() => {
      if (!bench) throw new Error('relay bench not started (its beforeAll failed)');
      return bench;
    });
  });
}

export interface SessionProcs {
  readonly car: Proc;
  readonly relay: Proc;
  readonly charger: Proc;
}

export interface SessionOptions {
  readonly relayArgs?: readonly string[];
  readonly carArgs?: readonly string[];
  readonly chargerArgs?: readonly string[];
  /** Runs while the three processes run (e.g. kills one at a phase). */
  readonly during?: (p: SessionProcs) => Promise<void>;
  /** Every process still running this long after the start gets SIGTERM, ms. */
  readonly deadlineMs?: number;
}

/** A result line (`{"role"…`) of a process, or undefined when it printed none (it was killed). */
export function resultOf(p: Proc, prefix = '{"role"'): Record<string, unknown> | undefined {
  const l = p.lines.find((x) => x.startsWith(prefix));
  return l ? (JSON.parse(l) as Record<string, unknown>) : undefined;
}

export function resultOrThrow(p: Proc, prefix = '{"role"'): Record<string, unknown> {
  const r = resultOf(p, prefix);
  if (!r) throw new Error(`no result line; last lines:\n${p.lines.slice(-25).join('\n')}`);
  return r;
}

/** One session car ⇄ relay ⇄ charger; the three processes, their exits and the relay's records. */
export async function relaySession(bench: RelayBench, o: SessionOptions = {}) {
  const records = mkdtempSync(join(bench.dir, 'run-'));
  const star = bench.star;
  const spawn = (ns: { netns: string }, args: string[]): Proc => track(star.topology.spawnNode(ns as never, cli, args));
  const charger = spawn(star.hosts.charger!, ['evse', '-i', 'eth0', ...roleArgs, '--once', ...(o.chargerArgs ?? [])]);
  const relay = spawn(star.hosts.relay!, ['relay', '--car-if', 'eth0', '--charger-if', 'eth1', '--board', 'sim', '--record', records, '--json', '--set', 'modem.restart_pause=500', ...(o.relayArgs ?? [])]);
  await relay.waitFor((l) => l.includes('starting'), 30_000);
  const car = spawn(star.hosts.car!, ['pev', '-i', 'eth0', ...roleArgs, '--once', '--soc-target', '21', '--set', 'ev.battery_capacity_wh=1000', ...(o.carArgs ?? [])]);
  const procs = { car, relay, charger };
  const kill = setTimeout(() => {
    for (const p of [car, relay, charger]) p.child.kill('SIGTERM');
  }, o.deadlineMs ?? 150_000);
  const during = o.during?.(procs).catch((e: unknown) => {
    for (const p of [car, relay, charger]) p.child.kill('SIGTERM');
    throw e;
  });
  const [carExit, relayExit, chargerExit] = await Promise.all([car.exited(), relay.exited(), charger.exited()]);
  clearTimeout(kill);
  await during;
  const files = readdirSync(records).sort();
  return {
    ...procs,
    carExit,
    relayExit,
    chargerExit,
    relayOut: resultOrThrow(relay, '{"role":"relay"'),
    record: (leg: 'car' | 'charger', ext: 'pcapng' | 'jsonl'): string => join(records, files.find((f) => f.includes(`relay-${leg}.`) && f.endsWith(ext)) ?? `missing-${leg}.${ext}`),
  };
}

/** The V2G requests and responses `tsplc decode` finds in a record's pcapng, in order. */
export async function v2gNames(pcapng: string): Promise<string[]> {
  return (await v2gMessages(pcapng)).map((m) => m.name);
}

/** The V2G messages of a record's pcapng with their decoded fields. */
export async function v2gMessages(pcapng: string): Promise<{ name: string; line: string }[]> {
  const r = await runTsplc(['decode', '--json', '--no-summary', pcapng], { timeoutMs: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => ({ o: JSON.parse(l) as { layer?: string; name?: string }, line: l }))
    .filter((x) => x.o.layer === 'v2g' && x.o.name && /(Req|Res)$/.test(x.o.name))
    .map((x) => ({ name: x.o.name as string, line: x.line }));
}

/** Resolves once the process logged the checkpoint (src/checkpoints.ts: 570 PreChargeReq, 700 CurrentDemandReq, …). */
export const reached = (p: Proc, checkpoint: number, timeoutMs = 120_000): Promise<string> => p.waitFor((l) => l.includes(`"cp":${checkpoint},`) || l.includes(`"cp":${checkpoint}}`), timeoutMs);

/** Lines that report a safety-monitor violation (src/runtime/ev-hardware.ts, evse-safety.ts): none may appear. */
export const safetyViolations = (p: Proc): string[] => p.lines.filter((l) => l.includes('safety violation'));

/** The JSON-lines record of a leg: the rows written to it (tx) or read from it (rx), with the message name. */
export function recordRows(text: string, dir: 'tx' | 'rx'): { name: string; line: string }[] {
  return text
    .split('\n')
    .filter((l) => l.includes(`"dir":"${dir}"`))
    .map((l) => ({ name: /"(\w+(?:Req|Res))":/.exec(l)?.[1] ?? '?', line: l }));
}

/** A PhysicalValue field of a record line, in its unit (Value × 10^Multiplier). */
export function physicalIn(line: string, field: string): number {
  const m = new RegExp(`"${field}":\\{"Multiplier":(-?\\d+),(?:"Unit":"\\w+",)?"Value":(-?\\d+)`).exec(line);
  return m ? Number(m[2]) * 10 ** Number(m[1]) : Number.NaN;
}
