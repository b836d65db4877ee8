// A minimal lab for the HomePlug part of the hostile-peer suite (issue 8): three network
// namespaces as in `tsplc sim --netns` (src/runtime/sim-netns.ts) — the EV's and the EVSE's host
// ends, the middle one with `tsplc modem-sim` between the two modem ends p0 (EV) and p1 (EVSE) —
// with one long-running `tsplc evse` that serves car after car, `tsplc pev --once` cars on demand,
// and the attacker (test/hostile/slac-attacker.ts) on a modem end, where its frames reach the host
// as if they came over the powerline through its modem.
// The lead merges this with the TCP/SDP suite's harness.ts.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHub, type NetnsEnd, type NetnsTopology } from '../../src/runtime/netns.js';
import { CLI, testScript } from '../helpers/cli.js';

const ATTACKER = testScript('test/hostile/slac-attacker.ts');

export interface Proc {
  readonly child: ChildProcess;
  /** Lines of stdout+stderr so far. */
  readonly lines: string[];
  /** Bytes of log output (stderr) so far. */
  logBytes(): number;
  /** Resident set size from /proc, kB (undefined once gone). */
  rssKb(): number | undefined;
  alive(): boolean;
  exited: Promise<number | null>;
  waitFor(pred: (line: string) => boolean, timeoutMs: number, what: string): Promise<string>;
}

function track(child: ChildProcess): Proc {
  const lines: string[] = [];
  let logBytes = 0;
  const waiters: Array<{ pred: (l: string) => boolean; resolve: (l: string) => void }> = [];
  const onLine = (l: string): void => {
    // Bounded: a flood of log lines must not make the test itself run out of memory.
    if (lines.length < 200_000) lines.push(l);
    for (const w of [...waiters]) {
      if (w.pred(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  };
  for (const [s, isLog] of [
    [child.stdout, false],
    [child.stderr, true],
  ] as const) {
    let buf = '';
    s?.setEncoding('utf8');
    s?.on('data', (d: string) => {
      if (isLog) logBytes += Buffer.byteLength(d);
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }
  const exited = new Promise<number | null>((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
  return {
    child,
    lines,
    logBytes: () => logBytes,
    rssKb: () => {
      try {
        const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) : undefined;
      } catch {
        return undefined;
      }
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    exited,
    waitFor: (pred, timeoutMs, what) =>
      new Promise((resolve, reject) => {
        const hit = lines.find(pred);
        if (hit !== undefined) return resolve(hit);
        const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      }),
  };
}

export interface CarResult {
  readonly end?: string;
  readonly reason?: string;
  readonly exit: number | null;
  readonly connectorLock?: string;
  readonly tail: string;
}

export interface SlacLab {
  readonly topology: NetnsTopology;
  readonly evEnd: NetnsEnd;
  readonly evseEnd: NetnsEnd;
  readonly middle: NetnsEnd;
  readonly evse: Proc;
  /** One real car session (`tsplc pev --once`), resolved when the car process ends. */
  car(timeoutMs?: number): Promise<CarResult>;
  /** Runs an attack from the modem end facing `toward`; resolves with the attacker's JSON report. */
  attack(toward: 'ev' | 'evse', args: readonly string[], timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Starts an attack without waiting for it. */
  startAttack(toward: 'ev' | 'evse', args: readonly string[]): Proc;
  destroy(): Promise<void>;
}

/** A fast car: a 1 kWh pack, so 1 % SOC takes about a second of charging. */
// The CurrentDemandRes deadline relaxed from 250 ms (test/hostile/harness.ts carArgs: wall clock on a loaded machine).
const CAR_ARGS = ['--board', 'sim', '--once', '--json', '--log-level', 'info', '--protocol', 'din', '--dc', '--soc-target', '21', '--set', 'ev.battery_capacity_wh=1000', '--set', 'v2g.V2G_EVCC_Msg_Timeout_CurrentDemand=2000'];

export async function startSlacLab(o: { restartMs?: number; evseArgs?: readonly string[] } = {}): Promise<SlacLab> {
  const restartMs = o.restartMs ?? 300;
  const topology = await createHub({ roles: ['ev', 'evse'] });
  try {
    const [evEnd, evseEnd] = topology.ends as [NetnsEnd, NetnsEnd];
    const middle: NetnsEnd = { netns: evEnd.netns.replace(/-[^-]+$/, '-hub'), ifname: 'br0', ifindex: 0, mac: '', linkLocal: '' };
    for (const p of ['p0', 'p1']) {
      const r = await topology.exec(middle, 'ip', ['link', 'set', p, 'nomaster']);
      if (r.code !== 0) throw new Error(`cannot take ${p} off the bridge: ${r.stderr}`);
      await topology.exec(middle, 'sysctl', ['-qw', `net.ipv6.conf.${p}.disable_ipv6=1`]);
    }
    const modem = track(topology.spawnNode(middle, CLI, ['modem-sim', '-i', 'p0', '-i', 'p1', '--restart-ms', String(restartMs)]));
    await modem.waitFor((l) => l.includes('ready'), 120_000, 'modem-sim ready');
    const pause = ['--set', `modem.restart_pause=${Math.max(restartMs + 200, 300)}`];
    const evse = track(
      topology.spawnNode(evseEnd, CLI, ['evse', '-i', evseEnd.ifname, '--board', 'sim', '--json', '--log-level', 'info', '--protocol', 'din', '--dc', ...pause, '--set', 'evse.allow_new_session_after_stopping=true', ...(o.evseArgs ?? [])]),
    );
    // Checkpoint 2: the charger waits for CM_SLAC_PARM.REQ.
    await evse.waitFor((l) => l.includes('"cp":2') || l.includes('cp=2'), 180_000, 'evse waiting for SLAC');
    const lab: SlacLab = {
      topology,
      evEnd,
      evseEnd,
      middle,
      evse,
      async car(timeoutMs = 90_000) {
        const ev = track(topology.spawnNode(evEnd, CLI, ['pev', '-i', evEnd.ifname, ...CAR_ARGS, ...pause]));
        const t = setTimeout(() => ev.child.kill('SIGTERM'), timeoutMs);
        const exit = await ev.exited;
        clearTimeout(t);
        const json = ev.lines.find((l) => l.startsWith('{"role"'));
        const out = json ? (JSON.parse(json) as { end: { end: string; reason: string }; connectorLock?: string }) : undefined;
        return { exit, tail: ev.lines.slice(-15).join('\n'), ...(out ? { end: out.end.end, reason: out.end.reason, ...(out.connectorLock ? { connectorLock: out.connectorLock } : {}) } : {}) };
      },
      startAttack(toward, args) {
        return track(topology.spawnNode(middle, ATTACKER, [toward === 'ev' ? 'p0' : 'p1', ...args]));
      },
      async attack(toward, args, timeoutMs = 120_000) {
        const a = lab.startAttack(toward, args);
        const t = setTimeout(() => a.child.kill('SIGKILL'), timeoutMs);
        await a.exited;
        clearTimeout(t);
        const last = [...a.lines].reverse().find((l) => l.startsWith('{'));
        if (!last) throw new Error(`attacker gave no report: ${a.lines.slice(-5).join('\n')}`);
        return JSON.parse(last) as Record<string, unknown>;
      },
      async destroy() {
        await topology.destroy();
      },
    };
    return lab;
  } catch (e) {
    await topology.destroy();
    throw e;
  }
}

export interface ReportRow {
  readonly attack: string;
  readonly expected: string;
  readonly observed: string;
  readonly afterwards: string;
}

/** The suite's report, as a plain-text table like the fault table's. */
export function formatReport(rows: readonly ReportRow[]): string {
  const head: ReportRow = { attack: 'attack', expected: 'expected', observed: 'observed', afterwards: 'real session afterwards' };
  const all = [head, ...rows];
  const w = (k: keyof ReportRow): number => Math.max(...all.map((r) => r[k].length));
  const line = (r: ReportRow): string => `| ${r.attack.padEnd(w('attack'))} | ${r.expected.padEnd(w('expected'))} | ${r.observed.padEnd(w('observed'))} | ${r.afterwards.padEnd(w('afterwards'))} |`;
  const sep = `|${'-'.repeat(w('attack') + 2)}|${'-'.repeat(w('expected') + 2)}|${'-'.repeat(w('observed') + 2)}|${'-'.repeat(w('afterwards') + 2)}|`;
  return [line(head), sep, ...rows.map(line)].join('\n');
}
