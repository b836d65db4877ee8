// `tsplc sim --netns`: the same session as `tsplc sim`, but over the real
// kernel path. Three network namespaces: 'ev' and 'evse' each hold one host
// end of a veth cable; the middle one holds the modem ends, where `tsplc
// modem-sim` plays the two Green PHY modems and the powerline between them.
// Each role is its own process (`tsplc pev|evse --board sim`) with the real
// AF_PACKET addon, real UDP multicast (SDP on ff02::1%eth0) and real TCP.
//
// Veth ends keep their TX checksum offload: the AF_PACKET driver completes the
// checksums of frames the kernel hands over unfinished (drivers/ethernet, docs/native.md),
// so the emulator re-sends wire-correct frames, as a real modem would.
// The sim board of each process has no peer behind its plug: the EV mirrors the
// charger from its own requests (src/runtime/role.ts): DC supply targets, AC output contactor.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { createHub, netnsAvailable, netnsUnavailableReason, type NetnsEnd, type NetnsTopology } from './netns.js';
import { errorMessage } from '../errors.js';

export interface NetnsSimOptions {
  readonly protocol: 'din' | 'iso2';
  readonly mode: 'dc' | 'ac';
  readonly faults: string;
  readonly socTarget?: number;
  readonly restartMs: number;
  readonly level: string;
  readonly json: boolean;
  /** Give up after this long, ms (default 120 s). */
  readonly timeoutMs?: number;
  /** How long modem-sim may take to say 'ready', ms (default 20 s; the tests allow more: a tsx start on a loaded machine takes longer). */
  readonly modemReadyTimeoutMs?: number;
  /** Extra arguments for both role processes (e.g. --set ev.battery_capacity_wh=1000 for a fast SOC). */
  readonly extraArgs?: readonly string[];
  /**
   * The full command line of a role process instead of this program's `pev|evse --board sim …`
   * (the packaging test runs the exact ExecStart lines `tsplc install-service` writes).
   */
  readonly roleCommand?: (role: 'ev' | 'evse', ifname: string) => readonly string[];
  /** Called with each role process once spawned (benchmarks sample its RSS). */
  readonly onSpawn?: (role: 'ev' | 'evse', child: ChildProcess) => void;
  /** Where the child processes' lines go (default: stderr, prefixed). */
  readonly onLine?: (role: 'ev' | 'evse' | 'modem', line: string) => void;
}

export interface NetnsSimResult {
  readonly ev?: { end: { end: string; reason: string }; summary: unknown; responseTimesMs?: Record<string, { n: number; p50: number; p99: number; max: number }> };
  readonly evse?: { end: { end: string; reason: string }; summary: unknown };
  readonly evExit: number | null;
  readonly evseExit: number | null;
}

// The role processes run the same program as this one: from the installed package (dist/) the
// CLI is plain JavaScript beside this file; from a checkout run by tsx it is main.ts under tsx.
// (An installed package has no src/cli/main.ts and no tsx: looking for it there was the
// "modem-sim did not get ready" of `tsplc sim --netns`.)
const here = dirname(fileURLToPath(import.meta.url));
// ../cli/main.js from dist/src/runtime (tsc's layout); ../main.js from dist/src/cli/chunks (scripts/bundle.js).
const builtCli = [resolve(here, '..', 'cli', 'main.js'), resolve(here, '..', 'main.js')].find((p) => existsSync(p));
const cliArgs: readonly string[] = builtCli ? [builtCli] : ['--import', 'tsx', join(here, '..', 'cli', 'main.ts')];
const spawnCli = (topo: NetnsTopology, end: NetnsEnd, args: readonly string[]): ChildProcess => topo.spawn(end, process.execPath, [...cliArgs, ...args], { cwd: process.cwd() });

function watchLines(child: ChildProcess, onLine: (l: string, stream: 'out' | 'err') => void): void {
  for (const [stream, s] of [
    ['out', child.stdout],
    ['err', child.stderr],
  ] as const) {
    let buf = '';
    s?.setEncoding('utf8');
    s?.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i), stream);
        buf = buf.slice(i + 1);
      }
    });
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
}

/** Runs one netns sim session; resolves with both roles' JSON summaries. Throws when namespaces are unavailable. */
export async function netnsSimSession(o: NetnsSimOptions): Promise<NetnsSimResult> {
  if (!netnsAvailable()) throw new Error(netnsUnavailableReason());
  const topo: NetnsTopology = await createHub({ roles: ['ev', 'evse'] });
  const children: ChildProcess[] = [];
  try {
    const [evEnd, evseEnd] = topo.ends as [NetnsEnd, NetnsEnd];
    const middleNs = evEnd.netns.replace(/-[^-]+$/, '-hub');
    const middle: NetnsEnd = { netns: middleNs, ifname: 'br0', ifindex: 0, mac: '', linkLocal: '' };
    for (const p of ['p0', 'p1']) {
      // The emulator, not a bridge, decides what crosses; the modem side has no IP stack.
      const r = await topo.exec(middle, 'ip', ['link', 'set', p, 'nomaster']);
      if (r.code !== 0) throw new Error(`cannot take ${p} off the bridge: ${r.stderr}`);
      await topo.exec(middle, 'sysctl', ['-qw', `net.ipv6.conf.${p}.disable_ipv6=1`]);
    }
    const say = o.onLine ?? ((role, line) => void process.stderr.write(`[${role}] ${line}\n`));
    const modem = spawnCli(topo, middle, ['modem-sim', '-i', 'p0', '-i', 'p1', '--restart-ms', String(o.restartMs)]);
    children.push(modem);
    await new Promise<void>((resolveReady, reject) => {
      const t = setTimeout(() => reject(new Error('modem-sim did not get ready')), o.modemReadyTimeoutMs ?? 20_000);
      watchLines(modem, (l) => {
        say('modem', l);
        if (l.includes('ready')) {
          clearTimeout(t);
          resolveReady();
        }
      });
    });
    const common = ['--board', 'sim', '--once', '--json', '--log-level', o.level, '--protocol', o.protocol, `--${o.mode}`, '--set', `modem.restart_pause=${Math.max(o.restartMs + 200, 300)}`, ...(o.extraArgs ?? [])];
    const custom = (role: 'ev' | 'evse', end: NetnsEnd): ChildProcess | undefined => {
      const argv = o.roleCommand?.(role, end.ifname);
      return argv ? topo.spawn(end, argv[0] as string, argv.slice(1), { cwd: process.cwd() }) : undefined;
    };
    const evse = custom('evse', evseEnd) ?? spawnCli(topo, evseEnd, ['evse', '-i', evseEnd.ifname, ...common, ...(o.faults !== 'none' ? ['--faults', o.faults] : [])]);
    children.push(evse);
    const ev = custom('ev', evEnd) ?? spawnCli(topo, evEnd, ['pev', '-i', evEnd.ifname, ...common, ...(o.socTarget !== undefined ? ['--soc-target', String(o.socTarget)] : [])]);
    children.push(ev);
    o.onSpawn?.('evse', evse);
    o.onSpawn?.('ev', ev);
    const result: { ev?: NetnsSimResult['ev']; evse?: NetnsSimResult['evse'] } = {};
    watchLines(evse, (l, s) => {
      if (s === 'out' && l.startsWith('{"role"')) result.evse = JSON.parse(l) as NetnsSimResult['evse'];
      else say('evse', l);
    });
    watchLines(ev, (l, s) => {
      if (s === 'out' && l.startsWith('{"role"')) result.ev = JSON.parse(l) as NetnsSimResult['ev'];
      else say('ev', l);
    });
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), o.timeoutMs ?? 120_000).unref());
    const evExit = await Promise.race([exitOf(ev), timeout]);
    if (evExit === 'timeout') ev.kill('SIGTERM');
    // The EVSE ends after SessionStop (--once); give it a moment, then stop it.
    const evseExit = await Promise.race([exitOf(evse), new Promise<'late'>((r) => setTimeout(() => r('late'), 5000).unref())]);
    if (evseExit === 'late') evse.kill('SIGTERM');
    return { ...result, evExit: evExit === 'timeout' ? null : evExit, evseExit: evseExit === 'late' ? await exitOf(evse) : evseExit };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await topo.destroy();
  }
}

export async function runNetnsSim(o: NetnsSimOptions): Promise<number> {
  let r: NetnsSimResult;
  try {
    r = await netnsSimSession({ ...o, ...(o.level === 'warn' && !o.onLine ? { onLine: (role, line) => void (/"level":"(warn|error)"/.test(line) && process.stderr.write(`[${role}] ${line}\n`)) } : {}) });
  } catch (e) {
    process.stderr.write(`tsplc sim --netns: ${errorMessage(e)}\n`);
    return 2;
  }
  if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
  else {
    process.stdout.write(`EV:   ${r.ev ? `${r.ev.end.end} (${r.ev.end.reason})` : `no result (exit ${String(r.evExit)})`}\n`);
    process.stdout.write(`EVSE: ${r.evse ? `${r.evse.end.end} (${r.evse.end.reason})` : `no result (exit ${String(r.evseExit)})`}\n`);
    if (r.ev) process.stdout.write(JSON.stringify(r.ev.summary, null, 1) + '\n');
  }
  return r.ev?.end.end === 'ChargingFinished' ? 0 : 1;
}
