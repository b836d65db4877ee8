// Network-namespace kit: two (or more) Linux network namespaces joined by veth
// links, for whole-stack tests over the real kernel path (AF_PACKET, UDP
// multicast, TCP on fe80::%if) and for `tsplc sim --netns`. Needs root
// (CAP_SYS_ADMIN + CAP_NET_ADMIN) and iproute2.
//
// Recipe (each step is there for a reason):
// 1. Unique names: namespace `tsplc-<pid>-<n>-<role>`, so parallel test files and
//    stale leftovers never collide; interface names only need to be unique
//    inside their namespace, so the pair is created directly between the two
//    namespaces and nothing appears in the root namespace.
// 2. `accept_dad=0` (all + default) in each namespace BEFORE the pair exists:
//    otherwise the new interfaces inherit DAD and their fe80:: address stays
//    "tentative" for about a second, and binding to it fails meanwhile.
// 3. The two ends get different interface indexes (default 10 and 11): with the
//    same index in both namespaces, a scope id (%2) printed by one side is also
//    valid on the other and hides mistakes in tests about which side is which.
// 4. Bring `lo` and the links up, then wait until each end has its link-local
//    address (non-tentative), which is what SDP/V2G need.
// 5. Teardown always: kill spawned processes, delete the namespaces (which
//    destroys their veths). destroy() is idempotent, registered on process
//    exit and on SIGINT/SIGTERM, and usable from a test's afterAll.
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync } from 'node:fs';

export interface NetnsEnd {
  /** Namespace name (for `ip netns exec <name>`). */
  readonly netns: string;
  /** Interface name inside the namespace. */
  readonly ifname: string;
  readonly ifindex: number;
  /** 'aa:bb:cc:dd:ee:ff' */
  readonly mac: string;
  /** fe80::... (without scope) */
  readonly linkLocal: string;
}

export interface ExecResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface NetnsSpawnOptions extends Omit<SpawnOptions, 'stdio'> {
  readonly stdio?: SpawnOptions['stdio'];
}

export interface NetnsTopology {
  /** The namespaces, in creation order (for a pair: [a, b]). */
  readonly ends: readonly NetnsEnd[];
  /** Runs a command inside `end`'s namespace and collects its output (rejects only if it cannot start). */
  exec(end: NetnsEnd, command: string, args?: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** Spawns a long-running command inside the namespace; killed by destroy(). */
  spawn(end: NetnsEnd, command: string, args?: readonly string[], options?: NetnsSpawnOptions): ChildProcess;
  /** Spawns `node <script> ...args` inside the namespace, a .ts script under `--import tsx` (cwd = process.cwd() unless given). */
  spawnNode(end: NetnsEnd, script: string, args?: readonly string[], options?: NetnsSpawnOptions): ChildProcess;
  /** Kills spawned processes and deletes the namespaces. Idempotent. */
  destroy(): Promise<void>;
}

export interface VethPair extends NetnsTopology {
  readonly a: NetnsEnd;
  readonly b: NetnsEnd;
}

export interface VethPairOptions {
  /** Role names used in the namespace names (default 'a', 'b'): e.g. 'ev', 'evse'. */
  readonly roles?: readonly [string, string];
  /** Interface names inside the namespaces (default 'veth0' in a, 'veth1' in b). */
  readonly ifnames?: readonly [string, string];
  /** Fixed MACs (default: kernel-chosen random locally administered). */
  readonly macs?: readonly [string, string];
  /** Interface indexes (default 10 and 11; see recipe step 3). */
  readonly ifindexes?: readonly [number, number];
  /** How long to wait for the link-local addresses (default 5000 ms). */
  readonly linkLocalTimeoutMs?: number;
}

export interface HubOptions {
  /** Role names, one namespace each (e.g. ['ev', 'evse', 'sniffer']). */
  readonly roles: readonly string[];
  /** Interface name inside each namespace (default 'eth0'). */
  readonly ifname?: string;
  readonly macs?: readonly string[];
  readonly linkLocalTimeoutMs?: number;
}

const NAME_PREFIX = 'tsplc-';
let counter = 0;
const live = new Set<{ destroySync(): void }>();
let hooksInstalled = false;

function run(args: readonly string[], timeoutMs = 10_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(args[0] as string, args.slice(1), { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
        reject(new Error(`${args.join(' ')}: ${error.message}`));
        return;
      }
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function must(args: readonly string[]): Promise<string> {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`netns: \`${args.join(' ')}\` failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

let availability: { ok: boolean; reason: string } | undefined;

/** Why namespaces cannot be used here, or '' when they can. Cached; costs one `ip netns add/del` the first time. */
export function netnsUnavailableReason(): string {
  if (!availability) {
    if (process.platform !== 'linux') availability = { ok: false, reason: 'network namespaces need Linux' };
    else if (typeof process.getuid === 'function' && process.getuid() !== 0)
      availability = { ok: false, reason: 'network-namespace tests need root (CAP_SYS_ADMIN/CAP_NET_ADMIN): run as root to include them' };
    else {
      const probe = `${NAME_PREFIX}${process.pid}-probe`;
      const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
      if (add.error || add.status !== 0) {
        availability = { ok: false, reason: `\`ip netns add\` does not work here: ${add.error?.message ?? add.stderr.trim()}` };
      } else {
        spawnSync('ip', ['netns', 'del', probe]);
        availability = { ok: true, reason: '' };
      }
    }
  }
  return availability.reason;
}

/** True when this process can create network namespaces (root, Linux, iproute2). */
export function netnsAvailable(): boolean {
  return netnsUnavailableReason() === '';
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' handlers must be synchronous: destroySync uses spawnSync.
  process.on('exit', () => {
    for (const t of [...live]) t.destroySync();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const t of [...live]) t.destroySync();
      process.kill(process.pid, signal); // default action now that our handler is gone
    });
  }
}

/** Deletes namespaces left by earlier runs whose process is gone (tsplc-<pid>-...). */
export function removeStaleNamespaces(): string[] {
  let names: string[];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^tsplc-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive && spawnSync('ip', ['netns', 'del', name]).status === 0) removed.push(name);
  }
  return removed;
}

async function readEnd(netns: string, ifname: string, timeoutMs: number): Promise<NetnsEnd> {
  const link = JSON.parse(await must(['ip', '-n', netns, '-j', 'link', 'show', 'dev', ifname])) as { ifindex: number; address: string }[];
  const info = link[0];
  if (!info) throw new Error(`netns: ${ifname} not found in ${netns}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const addrs = JSON.parse(await must(['ip', '-n', netns, '-j', '-6', 'addr', 'show', 'dev', ifname, 'scope', 'link'])) as {
      addr_info?: { local: string; tentative?: boolean }[];
    }[];
    const ll = addrs[0]?.addr_info?.find((a) => a.local.startsWith('fe80') && !a.tentative);
    if (ll) return { netns, ifname, ifindex: info.ifindex, mac: info.address, linkLocal: ll.local };
    if (Date.now() > deadline) throw new Error(`netns: no link-local IPv6 address on ${ifname} in ${netns} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function prepareNamespace(name: string): Promise<void> {
  await must(['ip', 'netns', 'add', name]);
  // Step 2 of the recipe: before any interface exists in the namespace.
  await must(['ip', 'netns', 'exec', name, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
  await must(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

function makeTopology(namespaces: string[], ends: NetnsEnd[]): NetnsTopology & { destroySync(): void } {
  const children = new Set<ChildProcess>();
  let destroyed = false;
  const killAll = () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    children.clear();
  };
  const topology = {
    ends,
    exec(end: NetnsEnd, command: string, args: readonly string[] = [], options: { timeoutMs?: number; input?: string } = {}) {
      return new Promise<ExecResult>((resolve, reject) => {
        const child = execFile(
          'ip',
          ['netns', 'exec', end.netns, command, ...args],
          { timeout: options.timeoutMs ?? 30_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => {
            children.delete(child);
            if (error && typeof (error as NodeJS.ErrnoException).code === 'string') reject(error);
            else resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
          },
        );
        children.add(child);
        if (options.input !== undefined) child.stdin?.end(options.input);
      });
    },
    spawn(end: NetnsEnd, command: string, args: readonly string[] = [], options: NetnsSpawnOptions = {}) {
      if (destroyed) throw new Error('netns: topology already destroyed');
      // `ip netns exec` execs the command after setns(), so the child pid is the command's.
      const child = spawn('ip', ['netns', 'exec', end.netns, command, ...args], { stdio: 'pipe', ...options });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    spawnNode(end: NetnsEnd, script: string, args: readonly string[] = [], options: NetnsSpawnOptions = {}) {
      // JavaScript (a bundle) runs as is; TypeScript under tsx's loader.
      const loader = /\.[cm]?js$/.test(script) ? [] : ['--import', 'tsx'];
      return topology.spawn(end, process.execPath, [...loader, script, ...args], { cwd: process.cwd(), ...options });
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      live.delete(topology);
      killAll();
      for (const ns of namespaces) await run(['ip', 'netns', 'del', ns]).catch(() => undefined);
    },
    destroySync() {
      if (destroyed) return;
      destroyed = true;
      live.delete(topology);
      killAll();
      for (const ns of namespaces) {
        try {
          execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
        } catch {
          // already gone
        }
      }
    },
  };
  return topology;
}

/**
 * Creates two namespaces joined by one veth pair, links up, link-local addresses
 * ready. Always call destroy() (e.g. in afterAll); it also runs at process exit.
 */
export async function createVethPair(options: VethPairOptions = {}): Promise<VethPair> {
  const reason = netnsUnavailableReason();
  if (reason) throw new Error(reason);
  installHooks();
  const [roleA, roleB] = options.roles ?? ['a', 'b'];
  const [ifA, ifB] = options.ifnames ?? ['veth0', 'veth1'];
  const [idxA, idxB] = options.ifindexes ?? [10, 11];
  const n = counter++;
  const nsA = `${NAME_PREFIX}${process.pid}-${n}-${roleA}`;
  const nsB = `${NAME_PREFIX}${process.pid}-${n}-${roleB}`;
  const namespaces: string[] = [];
  const pending = makeTopology(namespaces, []);
  live.add(pending);
  try {
    for (const ns of [nsA, nsB]) {
      namespaces.push(ns);
      await prepareNamespace(ns);
    }
    const addrA = options.macs ? ['address', options.macs[0]] : [];
    const addrB = options.macs ? ['address', options.macs[1]] : [];
    await must(['ip', '-n', nsA, 'link', 'add', ifA, 'index', String(idxA), ...addrA, 'type', 'veth', 'peer', 'name', ifB, 'index', String(idxB), ...addrB, 'netns', nsB]);
    await must(['ip', '-n', nsA, 'link', 'set', ifA, 'up']);
    await must(['ip', '-n', nsB, 'link', 'set', ifB, 'up']);
    const timeout = options.linkLocalTimeoutMs ?? 5000;
    const [a, b] = await Promise.all([readEnd(nsA, ifA, timeout), readEnd(nsB, ifB, timeout)]);
    live.delete(pending);
    const topology = Object.assign(makeTopology(namespaces, [a, b]), { a, b });
    live.add(topology);
    return topology;
  } catch (e) {
    pending.destroySync();
    throw e;
  }
}

/**
 * Creates one namespace per role, all joined through a bridge that floods every
 * frame (ageing_time 0: no MAC learning, no multicast snooping), i.e. a shared
 * medium like a powerline segment: a sniffer namespace sees the unicast
 * traffic between two others. The bridge lives in its own namespace.
 */
export async function createHub(options: HubOptions): Promise<NetnsTopology> {
  const reason = netnsUnavailableReason();
  if (reason) throw new Error(reason);
  installHooks();
  const n = counter++;
  const hub = `${NAME_PREFIX}${process.pid}-${n}-hub`;
  const ifname = options.ifname ?? 'eth0';
  const namespaces: string[] = [];
  const pending = makeTopology(namespaces, []);
  live.add(pending);
  try {
    namespaces.push(hub);
    await prepareNamespace(hub);
    await must(['ip', '-n', hub, 'link', 'add', 'br0', 'type', 'bridge', 'ageing_time', '0', 'mcast_snooping', '0', 'stp_state', '0']);
    await must(['ip', '-n', hub, 'link', 'set', 'br0', 'up']);
    const names: string[] = [];
    for (const [i, role] of options.roles.entries()) {
      const ns = `${NAME_PREFIX}${process.pid}-${n}-${role}`;
      namespaces.push(ns);
      names.push(ns);
      await prepareNamespace(ns);
      const mac = options.macs?.[i];
      await must(['ip', '-n', hub, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', ifname, 'index', String(10 + i), ...(mac ? ['address', mac] : []), 'netns', ns]);
      await must(['ip', '-n', hub, 'link', 'set', `p${i}`, 'master', 'br0', 'up']);
      await must(['ip', '-n', ns, 'link', 'set', ifname, 'up']);
    }
    const timeout = options.linkLocalTimeoutMs ?? 5000;
    const ends = await Promise.all(names.map((ns) => readEnd(ns, ifname, timeout)));
    live.delete(pending);
    const topology = makeTopology(namespaces, ends);
    live.add(topology);
    return topology;
  } catch (e) {
    pending.destroySync();
    throw e;
  }
}
