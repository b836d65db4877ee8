// The arithmetic behind `tsplc pev|evse`'s systemd watchdog: how long each layer may go without
// progress before WATCHDOG=1 stops (src/runtime/liveness.ts applies the bounds), and how often the
// heartbeat asks the root actor whether it is alive.
import type { TsplcConfig } from '../config/schema.js';
import { v2gEvTimeoutDefaults } from '../domain/v2g/config.js';
import { evProgressBounds, evseProgressBounds, type ProgressBounds } from './liveness.js';
import type { Role } from './role-args.js';
import { timersOf } from './session-config.js';

/** The heartbeat period's bounds, ms: at least this far apart… */
export const HEARTBEAT_MIN_MS = 250;
/** …and at most this far. */
export const HEARTBEAT_MAX_MS = 5000;
/** The period without a watchdog (no WATCHDOG_USEC): the liveness check still runs and logs, ms. */
export const WATCHDOG_INTERVAL_WITHOUT_SYSTEMD_MS = 4000;

/**
 * The longest the modem layer can take before it makes progress: one discovery, SET_KEY, the
 * modem's restart, the confirmation and the TT_match_join wait, for every retry.
 */
export function modemWorstCaseMs(c: TsplcConfig): number {
  const m = c.modem;
  return (m.discovery_window + m.set_key_timeout + m.restart_pause + m.confirm_interval + m.TT_match_join) * (m.retries + 1);
}

/** The liveness bound of each of the role's layers, from the config. */
export function progressBoundsOf(role: Role, c: TsplcConfig): ProgressBounds {
  const modemWorstCase = modemWorstCaseMs(c);
  if (role === 'evse')
    return evseProgressBounds({
      V2G_SECC_CommunicationSetup_Performance_Time: c.v2g.V2G_SECC_CommunicationSetup_Performance_Time,
      V2G_SECC_Sequence_Timeout: c.v2g.V2G_SECC_Sequence_Timeout,
      V2G_SECC_CableCheck_Performance_Time: c.v2g.V2G_SECC_CableCheck_Performance_Time,
      V2G_SECC_Ongoing_Performance_Time: c.v2g.V2G_SECC_Ongoing_Performance_Time,
      safe_shutdown_timeout: c.connection.safe_shutdown_timeout,
      backoff_max: c.connection.backoff_max,
      modemWorstCase,
    });
  return evProgressBounds({
    longestV2gTimeout: Math.max(...Object.values(timersOf(c, v2gEvTimeoutDefaults))),
    safe_shutdown_timeout: c.connection.safe_shutdown_timeout,
    backoff_max: c.connection.backoff_max,
    modemWorstCase,
  });
}

/**
 * The heartbeat period for systemd's ping interval (half of WatchdogSec): a quarter of it, so two
 * heartbeats fall into every interval, within HEARTBEAT_MIN_MS..HEARTBEAT_MAX_MS.
 */
export function heartbeatPeriodMs(watchdogIntervalMs: number | undefined): number {
  return Math.max(HEARTBEAT_MIN_MS, Math.min(HEARTBEAT_MAX_MS, (watchdogIntervalMs ?? WATCHDOG_INTERVAL_WITHOUT_SYSTEMD_MS) / 4));
}
