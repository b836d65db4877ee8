// How `tsplc pev|evse` stop: SIGTERM/SIGINT run the stack's stop within a bound whatever state the
// actors are in, and every exit (a signal, the end of a --once session) leaves the car safe first.
import type { EvHardware, EvseHardware } from '../ports/hardware.js';
import type { Logger } from '../ports/log.js';
import type { SafeShutdownTimings } from '../domain/safety/timing.js';
import { startSafeShutdown } from '../../machines/safe-shutdown/index.js';
import type { StatusUpdate } from '../status.js';
import { errorMessage } from '../errors.js';

/** SIGTERM: time on top of connection.safe_shutdown_timeout before the runtime stops waiting for the actors, ms. */
export const STOP_MARGIN_MS = 5000;

export interface RoleEnd {
  readonly end: string;
  readonly reason: string;
}

/**
 * The stack's stop, bounded by safe_shutdown_timeout + STOP_MARGIN_MS: the managers end a stop
 * within safe_shutdown_timeout on their own; if they do not (a wedged actor), the result says
 * overdue and the caller forces the output safe. `end` is the stack's output as it came (its
 * extra fields go into the --json summary), or the runtime's own when overdue.
 */
export async function boundedStop(stop: () => Promise<RoleEnd>, signal: string, safeShutdownTimeoutMs: number): Promise<{ readonly end: RoleEnd; readonly overdue: boolean }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const overdue = new Promise<{ end: RoleEnd; overdue: true }>((r) => {
    timer = setTimeout(() => r({ end: { end: 'Stopped', reason: `${signal}: the actors did not stop within safe_shutdown_timeout + ${STOP_MARGIN_MS} ms` }, overdue: true }), safeShutdownTimeoutMs + STOP_MARGIN_MS);
  });
  try {
    return await Promise.race([stop().then((end) => ({ end, overdue: false })), overdue]);
  } finally {
    clearTimeout(timer);
  }
}

/** The charger's output off and its contactors open, each driver call on its own (one failing must not skip the other). */
export function forceEvseOutputOff(evse: EvseHardware, log: Logger): void {
  for (const [what, fn] of [
    ['powerSupply.off', () => evse.powerSupply.off()],
    ['contactors.open', () => evse.contactors?.open()],
  ] as const) {
    try {
      fn();
    } catch (e) {
      log.log('error', `${what} failed`, { error: errorMessage(e) });
    }
  }
}

export interface LeaveCarSafeOptions {
  /** The EV's hardware; undefined on the charger (nothing to do). */
  readonly hw: EvHardware | undefined;
  /** Resolves when the stack's own sequence has settled. */
  readonly settled: () => Promise<void>;
  readonly timings: SafeShutdownTimings;
  readonly logger: Logger;
  readonly report: (u: StatusUpdate) => void;
}

/**
 * Whatever the session managed before it ended, leave the car safe before we exit: wait for a
 * sequence still running (the session's unlock takes the lock motor's time: 300 ms on the sim
 * board), then run it once more — it is idempotent (open and unlocked → it finishes at once) and
 * confirms the unlock from the lock feedback, or reports the fault. False: not Finished.
 */
export async function leaveCarSafe(o: LeaveCarSafeOptions, why: string): Promise<boolean> {
  if (!o.hw) return true;
  await o.settled();
  const run = startSafeShutdown(o.hw, { timings: o.timings, logger: o.logger, reason: why, report: o.report });
  const r = await run.settled;
  run.stop();
  o.logger.log(r.endState === 'Finished' ? 'info' : 'error', `SafeShutdown after ${why}: ${r.endState}`, { faults: r.faults.map((f) => f.code).join(',') });
  return r.endState === 'Finished';
}
