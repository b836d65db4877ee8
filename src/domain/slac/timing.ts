// Default timers and counters of ISO 15118-3 SLAC, in milliseconds.
// Every value is the standard's (as republished by the open implementations
// listed in docs/slac.md and protocol-facts §1.4); where the standard gives a
// range, the chosen point is said. The config helper builds its keys from
// these objects, so the names are exactly the standard's.

/** Timers and counters of the EV side (slac-ev machine). */
export const slacEvDefaults = {
  /** Wait for a CNF (CM_SLAC_PARM.CNF, CM_VALIDATE.CNF, CM_SLAC_MATCH.CNF). */
  TT_match_response: 200,
  /** Retries of a request after TT_match_response expired. */
  C_EV_match_retry: 2,
  /**
   * Retries of CM_SLAC_PARM.REQ only. The standard says C_EV_match_retry (2);
   * real cars and EVerest re-send it far more (EVerest: 100 at 200 ms, "the norm
   * ... doesn't seem to work in real life"), because the charger's modem may
   * still be starting. Default is the standard's; raise it in the config.
   */
  parmReqRetries: 2,
  /** CM_SLAC_PARM.CNF → first CM_START_ATTEN_CHAR.IND (0–100 ms; the Ioniq waits 100 ms, Supercharger/Compleo do not tolerate 250 ms). */
  TP_match_sequence: 40,
  /** Spacing of the CM_START_ATTEN_CHAR.IND and CM_MNBC_SOUND.IND frames (20–50 ms; libslac 40). */
  TP_EV_batch_msg_interval: 40,
  /** Number of CM_START_ATTEN_CHAR.IND. */
  C_EV_start_atten_char_inds: 3,
  /** Number of CM_MNBC_SOUND.IND. */
  C_EV_match_MNBC: 10,
  /** Wait for CM_ATTEN_CHAR.IND, counted from the first CM_START_ATTEN_CHAR.IND. */
  TT_EV_atten_results: 1200,
  /** The EVSE's sound-collection window announced in START_ATTEN_CHAR (must be 600 ms: a Compleo rejects 1000 ms). */
  TT_EVSE_match_MNBC: 600,
  /** CM_ATTEN_CHAR.RSP → CM_VALIDATE.REQ / CM_SLAC_MATCH.REQ (max 500 ms). */
  TP_EV_match_session: 0,
  /** Validation: EV toggles B-C-B within this window ((Timer+1)×100 ms, 0.6–3.5 s). */
  TP_EV_vald_toggle: 600,
  /** Duration of each B or C state of a toggle (200–400 ms). */
  TP_EV_vald_state_duration: 200,
  /** Number of B-C-B toggles during validation (1–3). */
  C_EV_vald_nb_toggles: 1,
  /** EVSE validation window the EV allows for (used to size the 2nd CM_VALIDATE.CNF wait). */
  TT_EVSE_vald_toggle: 3500,
  /** Average attenuation (dB) above which the EV ignores an EVSE (null: no limit). Sources disagree: 10/20/40 dB. */
  attenuationLimitDb: null as number | null,
} as const;

export type SlacEvTimings = { -readonly [K in keyof typeof slacEvDefaults]: (typeof slacEvDefaults)[K] extends number ? number : number | null };

/** Timers and counters of the EVSE side (slac-evse machine). */
export const slacEvseDefaults = {
  /** Wait for the first CM_SLAC_PARM.REQ after state B (20–50 s; libslac 40 s). */
  TT_EVSE_SLAC_init: 40_000,
  /** Wait for CM_START_ATTEN_CHAR.IND after CM_SLAC_PARM.CNF. */
  TT_match_sequence: 400,
  /** Sound-collection window from the first CM_START_ATTEN_CHAR.IND (sent as 6 ×100 ms). */
  TT_EVSE_match_MNBC: 600,
  /** Wait for CM_ATTEN_CHAR.RSP; CM_ATTEN_CHAR.IND is re-sent C_EV_match_retry times. */
  TT_match_response: 200,
  C_EV_match_retry: 2,
  /** Wait for CM_VALIDATE.REQ or CM_SLAC_MATCH.REQ after CM_ATTEN_CHAR.RSP. */
  TT_EVSE_match_session: 10_000,
  /** Validation window in which B-C edges are counted (max 3.5 s; the EV announces its own in Timer). */
  TT_EVSE_vald_toggle: 3500,
  /** Number of sounds announced in CM_SLAC_PARM.CNF. */
  C_EV_match_MNBC: 10,
} as const;

export type SlacEvseTimings = { -readonly [K in keyof typeof slacEvseDefaults]: number };

/**
 * The shortest timings the standard allows on the EV side, for benchmarks
 * and for tests that want a fast match.
 */
export const slacEvFastest: Partial<SlacEvTimings> = {
  TP_match_sequence: 0,
  TP_EV_batch_msg_interval: 20,
  TP_EV_match_session: 0,
};

/** Timers and counters of modem management. */
export const modemDefaults = {
  /** Wait for answers to VS_SW_VER.REQ / CM_GET_KEY.REQ (pyPLC counts answers after ~0.5 s). */
  discoveryWindow: 500,
  /** Wait for CM_SET_KEY.CNF (EVerest: 500 ms). */
  setKeyTimeout: 500,
  /** Pause after CM_SET_KEY.CNF before asking for the network: the modem restarts (~5 s, an Alpitronic's ~7 s). */
  restartPause: 3000,
  /** Interval between network confirmations while waiting for the modem to come back. */
  confirmInterval: 1000,
  /** Join the AVLN after CM_SLAC_MATCH.CNF within this time (ISO 15118-3 TT_match_join, max 12 s). */
  TT_match_join: 12_000,
  /** Retries of discovery / SET_KEY before giving up. */
  retries: 2,
} as const;

export type ModemTimings = { -readonly [K in keyof typeof modemDefaults]: number };
