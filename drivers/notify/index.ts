// The systemd notifier port (src/ports/notify.ts), sd_notify(3) without libsystemd: READY, STATUS, WATCHDOG and
// STOPPING datagrams on $NOTIFY_SOCKET through the native addon (Node has no
// AF_UNIX datagram sockets). A silent no-op when NOTIFY_SOCKET is unset, so the
// same runtime code runs under systemd, in a terminal and in tests.
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { parseWatchdog, statusDatagram, type SystemdNotifier } from '../../src/ports/notify.js';
import { loadNative } from '../ethernet/native.js';
import { errorMessage } from '../../src/errors.js';

/** The systemd notifier port (src/ports/notify.ts). */
export type Notifier = SystemdNotifier;
export { parseWatchdog } from '../../src/ports/notify.js';

export interface NotifierOptions {
  readonly logger?: Logger;
  /** Process id compared with WATCHDOG_PID (default: process.pid). */
  readonly pid?: number;
  /** Datagram sender (default: the native addon's sdNotify); injectable for tests. */
  readonly send?: (socketPath: string, message: string) => void;
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
    status: (text: string) => notify(statusDatagram(text)),
    watchdog: () => notify('WATCHDOG=1'),
    stopping: () => notify('STOPPING=1'),
  };
}
