// Port: the systemd notifier (sd_notify(3), Type=notify units). Implemented by
// drivers/notify/index.ts (datagrams on $NOTIFY_SOCKET through the native addon)
// and by the twin drivers/notify/memory.ts (records the datagrams it would send).
// The contract both keep (test/ports/notify.contract.test.ts): the exact datagram
// texts below, STATUS on one line, and the watchdog interval derived from
// WATCHDOG_USEC / WATCHDOG_PID as sd_watchdog_enabled(3) does.

export interface SystemdNotifier {
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

/** The datagram for a STATUS line: a newline would start a new assignment, so the text is kept on one line. */
export function statusDatagram(text: string): string {
  return 'STATUS=' + text.replace(/[\r\n]+/g, ' ');
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
