// systemd notify (sd_notify(3)) without libsystemd: READY, STATUS, WATCHDOG and
// STOPPING datagrams on $NOTIFY_SOCKET through the native addon (Node has no
// AF_UNIX datagram sockets). A silent no-op when NOTIFY_SOCKET is unset, so the
// same runtime code runs under systemd, in a terminal and in tests.
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { loadNative } from '../ethernet/native.js';
import { errorMessage } from '../../src/errors.js';

export interface Notifier {
  /** True when NOTIFY_SOCKET is set (we run under a Type=notify unit). */
  readonly enabled: boolean;
  /** WatchdogSec of the unit in ms, when the watchdog is armed for this process. */
  readonly watchdogTimeoutMs?: number;
  /** Recommended WATCHDOG=1 period: half of the timeout, as sd_watchdog_enabled(3) advises. */
  readonly watchdogIntervalMs?: number;
  /** READY=1: start-up finished (after hardware init). */
  ready(): void;
  /** STATUS=<text>: one line shown by `systemctl status`. */
  status(text: string): void;
  /** WATCHDOG=1: liveness ping. */
  watchdog(): void;
  /** STOPPING=1: shutdown began (safe-shutdown in progress). */
  stopping(): void;
}

export interface NotifierOptions {
  readonly logger?: Logger;
  /** Process id compared with WATCHDOG_PID (default: process.pid). */
  readonly pid?: number;
  /** Datagram sender (default: the native addon's sdNotify); injectable for tests. */
  readonly send?: (socketPath: string, message: string) => void;
}

/** Parses WATCHDOG_USEC / WATCHDOG_PID as sd_watchdog_enabled(3) does. Returns the timeout in ms or undefined. */
export function parseWatchdog(env: Readonly<Record<string, string | undefined>>, pid: number): number | undefined {
  const usecText = env.WATCHDOG_USEC;
  if (!usecText || !/^\d+$/.test(usecText)) return undefined;
  const usec = Number(usecText);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  const pidText = env.WATCHDOG_PID;
  // The watchdog variables may have been inherited from a parent: they apply
  // only when WATCHDOG_PID is absent or names this process.
  if (pidText !== undefined && pidText !== '' && Number(pidText) !== pid) return undefined;
  return usec / 1000;
}

export function createNotifier(env: Readonly<Record<string, string | undefined>> = process.env, options: NotifierOptions = {}): Notifier {
  const log = (options.logger ?? nullLogger).child('sd_notify');
  const socketPath = env.NOTIFY_SOCKET;
  if (!socketPath) {
    const noop = () => {};
    return { enabled: false, ready: noop, status: noop, watchdog: noop, stopping: noop };
  }
  const timeoutMs = parseWatchdog(env, options.pid ?? process.pid);
  let send = options.send;
  let broken = false;
  const notify = (message: string): void => {
    if (broken) return;
    try {
      if (!send) {
        const addon = loadNative();
        send = (p, m) => {
          addon.sdNotify(p, m);
        };
      }
      send(socketPath, message);
    } catch (e) {
      const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'EUNKNOWN';
      const msg = errorMessage(e);
      if (code === 'NATIVE_ADDON_MISSING') broken = true; // do not retry (and log) every watchdog tick
      // systemd may be restarting or the socket may be gone: notification is
      // advisory, the service keeps running; systemd's own timeouts will act.
      log.log('warn', 'sd_notify failed', { socket: socketPath, code, message: msg, notification: message.split('=')[0] });
    }
  };
  return {
    enabled: true,
    ...(timeoutMs !== undefined ? { watchdogTimeoutMs: timeoutMs, watchdogIntervalMs: timeoutMs / 2 } : {}),
    ready: () => notify('READY=1'),
    // A newline would start a new assignment in the datagram: keep STATUS one line.
    status: (text: string) => notify('STATUS=' + text.replace(/[\r\n]+/g, ' ')),
    watchdog: () => notify('WATCHDOG=1'),
    stopping: () => notify('STOPPING=1'),
  };
}
