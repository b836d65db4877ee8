// Timers and counters of the connection managers (machines/connection-manager).
// The standards name none of these but V2G_SECC_CommunicationSetup_Performance_Time
// (ISO 15118-2 Table 109), which keeps the standard's name; tsplc's own ones are
// camelCase like the SLAC and V2G timing objects. The config's [connection]
// keys (snake_case, as every tsplc key) map onto them in src/config.

export interface ConnectionManagerTimings {
  /** First back-off after a failed attempt, ms; doubles per attempt. */
  readonly backoffInitial: number;
  readonly backoffMax: number;
  /** Attempts (modem … TCP) before giving up; 0 = forever (a parked car keeps trying, like pyPLC). */
  readonly maxAttempts: number;
  /** How long to wait for SafeShutdown to report done before logging it as hung, ms. */
  readonly safeShutdownTimeout: number;
}

export const defaultConnectionManagerTimings: ConnectionManagerTimings = {
  backoffInitial: 1000,
  backoffMax: 20000,
  maxAttempts: 0,
  // Above the SafeShutdownSequence worst case (15 s with the [safety] defaults), so a slow but
  // completing shutdown is not reported as hung.
  safeShutdownTimeout: 20000,
};

export interface EvseConnectionManagerTimings extends ConnectionManagerTimings {
  /** How long to wait for the EV's TCP connection after SLAC, ms (V2G_SECC_CommunicationSetup_Performance_Time, 18 s, ISO-2). */
  readonly V2G_SECC_CommunicationSetup_Performance_Time: number;
}

export const defaultEvseConnectionManagerTimings: EvseConnectionManagerTimings = {
  ...defaultConnectionManagerTimings,
  V2G_SECC_CommunicationSetup_Performance_Time: 18000,
};
