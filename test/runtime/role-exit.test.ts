// `tsplc pev|evse` (runRole) ends early when something it needs is missing: the board does not
// load, the HomePlug socket does not open, the interface has no IPv6 link-local address, the board
// lacks the role's hardware, the CHAdeMO bridge or the EV hardware cannot be prepared, or a step
// after start-up throws. Each of these exits must release everything acquired before it: the
// packet sockets (HomePlug port and the session record's capture tap), the board, the UDP syslog
// socket, the status display, the started stack, and the SIGUSR1/SIGTERM/SIGINT listeners. The
// role runs in this process with in-memory twins and failing factories through its RoleIo seam
// (src/runtime/role-io.ts); the real UDP syslog socket and the sim board's timers make
// process.getActiveResourcesInfo() show a leak as well.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBoard, type Board, type BoardError, type BoardOptions } from '../../boards/index.js';
import { MemorySegment } from '../../drivers/ethernet/memory.js';
import { memoryNotifier } from '../../drivers/notify/memory.js';
import type { AfPacketOptions } from '../../drivers/ethernet/index.js';
import type { EthernetPort } from '../../src/ports/ethernet.js';
import type { NetStack } from '../../src/ports/net.js';
import type { SystemdNotifier } from '../../src/ports/notify.js';
import { err, ok, type Result } from '../../src/result.js';
import { runRole } from '../../src/runtime/role.js';
import { realRoleIo, type RoleIo } from '../../src/runtime/role-io.js';
import { udpSyslog } from '../../src/runtime/syslog.js';

const signals = ['SIGUSR1', 'SIGTERM', 'SIGINT'] as const;
const listeners = (): Record<string, number> => Object.fromEntries(signals.map((s) => [s, process.listenerCount(s)]));
const resources = (): Map<string, number> => {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
};
/** Resource kinds of which more are active now than before. */
const newResources = (before: Map<string, number>): string[] =>
  [...resources()].filter(([k, n]) => n > (before.get(k) ?? 0)).map(([k, n]) => `${k} ×${n - (before.get(k) ?? 0)}`);

interface Handle {
  readonly what: string;
  isOpen(): boolean;
}

interface Harness {
  readonly io: RoleIo;
  /** What runRole opened through the seam and has not closed. */
  stillOpen(): string[];
  /** What runRole opened through the seam. */
  opened(): string[];
  readonly stderr: string[];
  readonly recordsDir: string;
}

interface HarnessOptions {
  /** Replaces the board loader (default: the real one). */
  readonly loadBoard?: (name: string, o: BoardOptions) => Promise<Result<Board, BoardError>>;
  /** The interface's link-local address (undefined: none). */
  readonly linkLocal?: string;
  /** The HomePlug socket cannot be opened. */
  readonly homePlugFails?: boolean;
  readonly notifier?: () => SystemdNotifier;
}

function harness(o: HarnessOptions = {}): Harness {
  const handles: Handle[] = [];
  const segment = new MemorySegment();
  let n = 0;
  const stderr: string[] = [];
  const io: RoleIo = {
    ...realRoleIo,
    openPacketPort: (ifname: string, options: AfPacketOptions): EthernetPort => {
      const what = options.etherTypes.length === 0 ? 'capture tap' : 'HomePlug port';
      if (what === 'HomePlug port' && o.homePlugFails) throw new Error(`${ifname}: no such device (test)`);
      const port = segment.attach(`${ifname}-${n++}`, new Uint8Array([2, 0, 0, 0, 0, n]), { etherTypes: options.etherTypes });
      handles.push({ what, isOpen: () => port.isOpen });
      return port;
    },
    netStack: (ifname: string): NetStack => {
      const refused = { ok: false as const, error: { code: 'IO' as const, message: 'test stack' } };
      return { interfaceName: ifname, linkLocalAddress: () => o.linkLocal, openUdp: async () => refused, listenTcp: async () => refused, connectTcp: async () => refused };
    },
    loadBoard: async (name, options) => {
      const loaded = await (o.loadBoard ?? loadBoard)(name, options);
      if (!loaded.ok) return loaded;
      let open = true;
      handles.push({ what: `board ${loaded.value.name}`, isOpen: () => open });
      const board = loaded.value;
      return ok(
        Object.assign(Object.create(board) as Board, {
          close: async () => {
            open = false;
            await board.close();
          },
        }),
      );
    },
    notifier: o.notifier ?? (() => memoryNotifier({ env: {} })),
    syslog: () => {
      // A real UDP socket (to the discard port on loopback), so a leak shows as an active handle too.
      const sink = udpSyslog({ address: '127.0.0.1', port: 9 });
      let open = true;
      handles.push({ what: 'syslog socket', isOpen: () => open });
      return {
        tee: sink.tee,
        close: () => {
          open = false;
          sink.close();
        },
      };
    },
    env: { TSPLC_CONFIG: '' },
    stdout: { write: () => true, isTTY: false },
    stderr: { write: (t: string) => stderr.push(t), isTTY: false },
    exit: () => {},
  };
  return {
    io,
    stillOpen: () => handles.filter((h) => h.isOpen()).map((h) => h.what),
    opened: () => handles.map((h) => h.what),
    stderr,
    recordsDir: mkdtempSync(join(tmpdir(), 'tsplc-role-exit-')),
  };
}

/** The flags every case passes: a sim board, records on, UDP syslog on, refuse an interface without link-local. */
const argsFor = (h: Harness, ...extra: string[]): string[] => [
  '-i',
  'role-exit0',
  '--board',
  'sim',
  '--set',
  `logging.session_records_dir=${h.recordsDir}`,
  '--set',
  'logging.udp_syslog=true',
  '--set',
  'general.exit_if_no_local_link_address_is_found=true',
  '--log-level',
  'warn',
  ...extra,
];

/** A board loaded for the other role: what a profile without the role's hardware gives. */
const boardWithout = (side: 'ev' | 'evse') => async (name: string, o: BoardOptions): Promise<Result<Board, BoardError>> => {
  const b = await loadBoard(name, o);
  if (!b.ok) return b;
  const { [side]: _dropped, ...rest } = b.value;
  return ok({ ...rest, name: `${b.value.name} without ${side}`, close: () => b.value.close() });
};

let before: { listeners: Record<string, number>; resources: Map<string, number> };
const snapshot = (): void => {
  before = { listeners: listeners(), resources: resources() };
};

/** Nothing acquired is left: seam handles closed, the signal listeners as before, no new active resources. */
async function expectNothingLeft(h: Harness, expectOpened: string[]): Promise<void> {
  for (const w of expectOpened) expect(h.opened()).toContain(w);
  expect(h.stillOpen()).toEqual([]);
  expect(listeners()).toEqual(before.listeners);
  // A closed socket's handle goes after its close callback; timers are cleared at once.
  await new Promise((r) => setTimeout(r, 50));
  expect(newResources(before.resources)).toEqual([]);
  // A record that was started is stopped (its JSON-lines log ends with the stop line).
  for (const f of readdirSync(h.recordsDir).filter((x) => x.endsWith('.jsonl'))) {
    const last = readFileSync(join(h.recordsDir, f), 'utf8').trim().split('\n').pop() ?? '';
    expect(JSON.parse(last)).toMatchObject({ kind: 'stop' });
  }
}

describe('runRole: every early exit releases what it acquired', () => {
  afterEach(() => {
    // A failing case must not leak its listeners into the next one.
    for (const s of signals) for (const l of process.listeners(s).slice(before.listeners[s])) process.off(s, l as () => void);
  });

  it('board load failure: exit 2, syslog socket closed, SIGUSR1 listener removed', async () => {
    snapshot();
    const h = harness({ loadBoard: async () => err({ code: 'HARDWARE_UNAVAILABLE', message: 'no GPIO chip (test)' }) });
    expect(await runRole('pev', argsFor(h), h.io)).toBe(2);
    expect(h.stderr.join('')).toContain('board: no GPIO chip (test)');
    await expectNothingLeft(h, ['syslog socket']);
  });

  it('HomePlug socket cannot be opened: exit 2, board and syslog closed', async () => {
    snapshot();
    const h = harness({ homePlugFails: true });
    expect(await runRole('evse', argsFor(h), h.io)).toBe(2);
    expect(h.stderr.join('')).toContain('cannot open role-exit0');
    await expectNothingLeft(h, ['syslog socket', 'board sim']);
  });

  it('interface without an IPv6 link-local address: exit 2, HomePlug port, board and syslog closed', async () => {
    snapshot();
    const h = harness({ linkLocal: undefined });
    expect(await runRole('pev', argsFor(h), h.io)).toBe(2);
    expect(h.stderr.join('')).toContain('role-exit0 has no IPv6 link-local address');
    await expectNothingLeft(h, ['syslog socket', 'board sim', 'HomePlug port']);
  });

  it('pev on a board without EV hardware: exit 2, capture tap, HomePlug port, board, syslog and timers closed', async () => {
    snapshot();
    const h = harness({ linkLocal: 'fe80::1', loadBoard: boardWithout('ev') });
    expect(await runRole('pev', argsFor(h), h.io)).toBe(2);
    expect(h.stderr.join('')).toContain('has no EV hardware');
    await expectNothingLeft(h, ['syslog socket', 'board sim without ev', 'HomePlug port', 'capture tap']);
  });

  it('evse on a board without EVSE hardware: exit 2, capture tap, HomePlug port, board, syslog and timers closed', async () => {
    snapshot();
    const h = harness({ linkLocal: 'fe80::1', loadBoard: boardWithout('evse') });
    expect(await runRole('evse', argsFor(h), h.io)).toBe(2);
    expect(h.stderr.join('')).toContain('has no EVSE hardware');
    await expectNothingLeft(h, ['syslog socket', 'board sim without evse', 'HomePlug port', 'capture tap']);
  });

  it('CHAdeMO bridge failure (board none has no CAN): exit 2, everything closed', async () => {
    snapshot();
    const h = harness({ linkLocal: 'fe80::1' });
    expect(await runRole('pev', argsFor(h, '--board', 'none', '--set', 'ev.battery_source=chademo'), h.io)).toBe(2);
    expect(h.stderr.join('')).toContain('needs a board with CAN');
    await expectNothingLeft(h, ['syslog socket', 'board none', 'HomePlug port', 'capture tap']);
  });

  it('EV hardware prepare failure (battery source celeron55 on board none): exit 2, everything closed', async () => {
    snapshot();
    const h = harness({ linkLocal: 'fe80::1' });
    expect(await runRole('pev', argsFor(h, '--board', 'none', '--set', 'ev.battery_source=celeron55'), h.io)).toBe(2);
    expect(h.stderr.join('')).toContain('needs general.board = "celeron55"');
    await expectNothingLeft(h, ['syslog socket', 'board none', 'HomePlug port', 'capture tap']);
  });

  it.each(['pev', 'evse'] as const)('%s: a throw after the stack started and SIGTERM/SIGINT are handled: rejects, stack disposed, everything closed', async (role) => {
    snapshot();
    const h = harness({
      linkLocal: 'fe80::1',
      notifier: () => ({
        ...memoryNotifier({ env: {} }),
        ready: () => {
          throw new Error('sd_notify READY failed (test)');
        },
      }),
    });
    await expect(runRole(role, argsFor(h), h.io)).rejects.toThrow('sd_notify READY failed (test)');
    await expectNothingLeft(h, ['syslog socket', 'board sim', 'HomePlug port', 'capture tap']);
  });
});
