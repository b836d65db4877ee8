// Network-namespace star for the modem emulator: one namespace per host
// (ev, evse, ...) and a middle namespace holding the far ends of their veth
// cables, where `tsplc modem-sim` runs on those ends. Built from the netns
// kit's hub, with the ends taken off its bridge (the emulator, not a bridge,
// decides what crosses).
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHub, type NetnsEnd, type NetnsTopology } from '../../src/runtime/netns.js';
import { CLI } from '../helpers/cli.js';

export interface Star {
  readonly topology: NetnsTopology;
  /** Host ends by role. */
  readonly hosts: Readonly<Record<string, NetnsEnd>>;
  /** The middle namespace (as an end usable with spawn/exec). */
  readonly middle: NetnsEnd;
  /** Modem-side interface names in the middle namespace, by role. */
  readonly modemIfs: Readonly<Record<string, string>>;
  destroy(): Promise<void>;
}

export async function createStar(roles: readonly string[], macs?: readonly string[]): Promise<Star> {
  const topology = await createHub({ roles, ...(macs ? { macs } : {}) });
  const first = topology.ends[0];
  if (!first) throw new Error('star: no ends');
  const middleNs = first.netns.replace(/-[^-]+$/, '-hub');
  const middle: NetnsEnd = { netns: middleNs, ifname: 'br0', ifindex: 0, mac: '', linkLocal: '' };
  const modemIfs: Record<string, string> = {};
  const hosts: Record<string, NetnsEnd> = {};
  for (const [i, role] of roles.entries()) {
    const ifname = `p${i}`;
    modemIfs[role] = ifname;
    hosts[role] = topology.ends[i] as NetnsEnd;
    const r = await topology.exec(middle, 'ip', ['link', 'set', ifname, 'nomaster']);
    if (r.code !== 0) throw new Error(`star: cannot take ${ifname} off the bridge: ${r.stderr}`);
    // The modem side has no IP stack of its own: no router solicitations or NDP from it.
    await topology.exec(middle, 'sysctl', ['-qw', `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
  }
  return { topology, hosts, middle, modemIfs, destroy: () => topology.destroy() };
}

/** What a child that is still running is doing (for a timeout message): its state and kernel wait channel. */
function procState(pid: number | undefined): string {
  if (pid === undefined) return 'no pid';
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const state = /^State:\s*(.*)$/m.exec(status)?.[1] ?? '?';
    let wchan = '?';
    try {
      wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8') || '0';
    } catch {
      // not readable: leave '?'
    }
    return `pid ${pid} running, state ${state}, wchan ${wchan}`;
  } catch {
    return `pid ${pid} gone`;
  }
}

/**
 * Collects stdout lines of a child; resolves `waitFor(pred)` when a line matches. A child that ends
 * (its streams closed) before a matching line rejects the waiters at once with its exit code or
 * signal, instead of letting them sit out their timeout; a timeout names the child's process state.
 */
export function lines(child: ChildProcess, options: { mergeStderr?: boolean } = {}): { all: string[]; waitFor(pred: (l: string) => boolean, timeoutMs: number): Promise<string>; stderr: () => string } {
  const all: string[] = [];
  let err = '';
  let buf = '';
  let ended: string | undefined;
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  const output = () => `stdout:\n${all.join('\n')}\nstderr:\n${err}`;
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  const onData = (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      all.push(l);
      for (const w of [...waiters]) {
        if (w.pred(l)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l);
        }
      }
    }
  };
  child.stdout?.on('data', onData);
  // open-plc-utils tools print their progress on stderr.
  child.stderr?.on('data', (d: string) => {
    err += d;
    if (options.mergeStderr) onData(d);
  });
  child.on('close', (code, signal) => {
    ended = signal ? `signal ${signal}` : `exit code ${String(code)}`;
    for (const w of waiters.splice(0)) w.reject(new Error(`the child ended (${ended}) before a matching line; ${output()}`));
  });
  return {
    all,
    stderr: () => err,
    waitFor(pred, timeoutMs) {
      const hit = all.find(pred);
      if (hit !== undefined) return Promise.resolve(hit);
      if (ended !== undefined) return Promise.reject(new Error(`the child ended (${ended}) before a matching line; ${output()}`));
      return new Promise((resolve, reject) => {
        const w = {
          pred,
          resolve: (l: string) => (clearTimeout(t), resolve(l)),
          reject: (e: Error) => (clearTimeout(t), reject(e)),
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching line within ${timeoutMs} ms (${procState(child.pid)}); ${output()}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
  };
}

/** Starts `tsplc modem-sim` in the middle namespace on the given roles' cables and waits until it is ready. */
export async function startModemSim(star: Star, roles: readonly string[], extra: readonly string[] = []): Promise<ReturnType<typeof lines> & { child: ChildProcess }> {
  const args = [CLI, 'modem-sim', ...roles.flatMap((r) => ['-i', star.modemIfs[r] as string]), ...extra];
  const child = star.topology.spawnNode(star.middle, args[0] as string, args.slice(1));
  const l = lines(child);
  // Generous: a start takes seconds on a loaded 2-core machine.
  await l.waitFor((x) => x.includes('ready'), 120_000);
  return Object.assign(l, { child });
}

/** Why the namespace tests cannot run here ('' when they can): root/netns, and the AF_PACKET addon built. */
export async function namespaceTestsUnavailable(): Promise<string> {
  const { netnsAvailable, netnsUnavailableReason } = await import('../../src/runtime/netns.js');
  if (!netnsAvailable()) return netnsUnavailableReason();
  try {
    const { loadNative } = await import('../../drivers/ethernet/native.js');
    loadNative();
  } catch (e) {
    return `native AF_PACKET addon not loadable (npm run build:native): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
  return '';
}
