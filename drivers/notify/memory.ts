// The in-memory twin of the systemd notifier (src/ports/notify.ts): it records
// the datagrams drivers/notify would send, with the time on the clock port, so
// tests check READY/STATUS/WATCHDOG/STOPPING and the watchdog arithmetic in
// virtual time. test/ports/notify.contract.test.ts runs the same contract
// against it and against the real driver on a real NOTIFY_SOCKET.
import type { Clock } from '../../src/ports/clock.js';
import { parseWatchdog, statusDatagram, type SystemdNotifier } from '../../src/ports/notify.js';

export interface NotifyDatagram {
  readonly message: string;
  /** Clock time when it was sent (0 without a clock). */
  readonly at: number;
}

export interface MemoryNotifier extends SystemdNotifier {
  /** Every datagram, in order. */
  readonly sent: readonly NotifyDatagram[];
  /** The messages only. */
  messages(): string[];
  /** Clock times of the WATCHDOG=1 pings. */
  watchdogTimes(): number[];
}

export interface MemoryNotifierOptions {
  /** As the unit's environment would give it: NOTIFY_SOCKET (any value enables), WATCHDOG_USEC, WATCHDOG_PID. Default: enabled, no watchdog. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Compared with WATCHDOG_PID (default 1). */
  readonly pid?: number;
  readonly clock?: Pick<Clock, 'now'>;
}

export function memoryNotifier(o: MemoryNotifierOptions = {}): MemoryNotifier {
  const env = o.env ?? { NOTIFY_SOCKET: '@memory' };
  const enabled = Boolean(env.NOTIFY_SOCKET);
  const timeoutMs = enabled ? parseWatchdog(env, o.pid ?? 1) : undefined;
  const sent: NotifyDatagram[] = [];
  // Without NOTIFY_SOCKET the real notifier is a no-op: so is the twin.
  const notify = (message: string): void => {
    if (enabled) sent.push({ message, at: o.clock?.now() ?? 0 });
  };
  return {
    enabled,
    ...(timeoutMs !== undefined ? { watchdogTimeoutMs: timeoutMs, watchdogIntervalMs: timeoutMs / 2 } : {}),
    ready: () => notify('READY=1'),
    status: (text) => notify(statusDatagram(text)),
    watchdog: () => notify('WATCHDOG=1'),
    stopping: () => notify('STOPPING=1'),
    sent,
    messages: () => sent.map((d) => d.message),
    watchdogTimes: () => sent.filter((d) => d.message === 'WATCHDOG=1').map((d) => d.at),
  };
}
