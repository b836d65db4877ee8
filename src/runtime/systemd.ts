// Bridges the runtime to systemd (Type=notify):
// - READY=1 when the runtime says the hardware is initialised (ready());
// - WATCHDOG=1 driven by the root actor's heartbeat — not by a bare interval,
//   so a wedged actor system stops the pings and systemd restarts us;
// - STATUS=<line> from the status stream, throttled;
// - SIGTERM/SIGINT → STOPPING=1 → the provided safe-shutdown → exit.
// Without NOTIFY_SOCKET the notifier is a no-op and only the signal handling
// remains (a terminal user's Ctrl-C also goes through safe shutdown).
// Time (the watchdog spacing, the STATUS throttle) comes from the clock port, so the tests run the
// arithmetic on a SimulatedClock with the notifier twin (drivers/notify/memory.ts).
import type { Observable, Subscription } from 'rxjs';
import type { StatusSnapshot } from '../status.js';
import type { Clock } from '../ports/clock.js';
import { nullLogger, type Logger } from '../ports/log.js';
import type { SystemdNotifier } from '../ports/notify.js';
import { monotonicClock } from './io-drivers.js';
import { errorMessage } from '../errors.js';

/** The sd_notify port (src/ports/notify.ts; drivers/notify createNotifier() is the real one). */
export type { SystemdNotifier } from '../ports/notify.js';

/** The bits of `process` the bridge uses (injectable for tests). */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', handler: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', handler: () => void): unknown;
}

export interface SystemdBridgeOptions {
  readonly notifier: SystemdNotifier;
  /** Status snapshots (StatusBus.status$) or ready-made lines. */
  readonly status$?: Observable<StatusSnapshot | string>;
  /** Emits while the root actor is alive (e.g. on each of its snapshots or a tick it answers). */
  readonly heartbeat$?: Observable<unknown>;
  /** Runs the safe shutdown; the process exits after it settles. */
  readonly onStop?: (signal: string) => Promise<unknown>;
  /** Called with the exit code after onStop (default process.exit). */
  readonly exit?: (code: number) => void;
  readonly signals?: SignalSource;
  /** Minimum spacing of STATUS updates, ms (default 1000). */
  readonly statusThrottleMs?: number;
  readonly logger?: Logger;
  /** Time of the watchdog spacing and the STATUS throttle (default: the monotonic wall clock). */
  readonly clock?: Clock;
}

export interface SystemdBridge {
  /** Tell systemd start-up is complete (call after the hardware is initialised). */
  ready(): void;
  /** Resolves when a stop signal was handled (safe shutdown settled); undefined before. */
  readonly stopped: Promise<number>;
  /** Detach from signals and streams (tests; normal runs exit instead). */
  close(): void;
}

/** One line for `systemctl status`: the last checkpoint and each layer's state. */
export function formatStatusLine(s: StatusSnapshot): string {
  const order = ['modem', 'slac', 'sdp', 'tcp', 'handshake', 'session', 'shutdown', 'listen', 'hardware', 'runtime'] as const;
  const parts: string[] = [];
  if (s.lastCheckpoint !== undefined) parts.push(`checkpoint ${s.lastCheckpoint}`);
  for (const layer of order) {
    const u = s.layers[layer];
    if (u) parts.push(`${layer}: ${u.state}`);
  }
  return parts.join(' | ') || 'starting';
}

export function connectSystemd(options: SystemdBridgeOptions): SystemdBridge {
  const { notifier } = options;
  const log = (options.logger ?? nullLogger).child('systemd');
  const clock = options.clock ?? monotonicClock;
  const signals: SignalSource = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const subs: Subscription[] = [];
  let stopping = false;
  let resolveStopped: (code: number) => void = () => {};
  const stopped = new Promise<number>((r) => (resolveStopped = r));

  // The heartbeat may tick much faster than systemd needs; a quarter of the
  // watchdog timeout (half the recommended interval) keeps a safe margin.
  const interval = notifier.watchdogIntervalMs;
  if (options.heartbeat$ && interval !== undefined) {
    let last = -Infinity;
    subs.push(
      options.heartbeat$.subscribe({
        next: () => {
          if (stopping) return; // during shutdown TimeoutStopSec rules, not the watchdog
          const t = clock.now();
          if (t - last >= interval / 2) {
            last = t;
            notifier.watchdog();
          }
        },
        // A heartbeat stream that ends or fails means the root actor is gone: no more pings.
        error: (e: unknown) => log.log('error', 'heartbeat stream failed: watchdog pings stop', { error: errorMessage(e) }),
        complete: () => log.log('warn', 'heartbeat stream completed: watchdog pings stop'),
      }),
    );
  }

  // STATUS: the first line at once, then at most one per throttle window, the newest line of the
  // window at its end (rxjs throttleTime leading + trailing, on the clock port).
  let statusTimer: unknown;
  if (options.status$ && notifier.enabled) {
    const spacing = options.statusThrottleMs ?? 1000;
    let pending: string | undefined;
    const openWindow = (): void => {
      statusTimer = clock.setTimeout(() => {
        statusTimer = undefined;
        if (pending === undefined) return;
        const line = pending;
        pending = undefined;
        notifier.status(line);
        openWindow();
      }, spacing);
    };
    subs.push(
      options.status$.subscribe({
        next: (s) => {
          const line = typeof s === 'string' ? s : formatStatusLine(s);
          if (statusTimer !== undefined) {
            pending = line;
            return;
          }
          notifier.status(line);
          openWindow();
        },
        error: () => {},
      }),
    );
  }

  const onSignal = (signal: 'SIGTERM' | 'SIGINT') => () => {
    if (stopping) {
      log.log('warn', `${signal} again while the safe shutdown runs: ignored (systemd's TimeoutStopSec bounds it)`);
      return;
    }
    stopping = true;
    log.log('info', `${signal}: safe shutdown`);
    notifier.stopping();
    notifier.status(`stopping (${signal}): safe shutdown`);
    const done = (code: number): void => {
      resolveStopped(code);
      exit(code);
    };
    const stop = options.onStop ?? (async () => undefined);
    let p: Promise<unknown>;
    try {
      p = Promise.resolve(stop(signal));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => done(0),
      (e: unknown) => {
        log.log('error', 'safe shutdown failed', { error: errorMessage(e) });
        done(1);
      },
    );
  };
  const term = onSignal('SIGTERM');
  const int = onSignal('SIGINT');
  signals.on('SIGTERM', term);
  signals.on('SIGINT', int);

  return {
    ready() {
      notifier.ready();
      log.log('info', 'READY', { watchdogIntervalMs: interval ?? 0, notify: notifier.enabled });
    },
    stopped,
    close() {
      for (const s of subs) s.unsubscribe();
      if (statusTimer !== undefined) clock.clearTimeout(statusTimer);
      signals.off('SIGTERM', term);
      signals.off('SIGINT', int);
    },
  };
}
