// Timers of the relay (tsplc relay, docs/relay.md). The relay adds no timer of the standard
// between the car and the charger: each end keeps its own (the car's V2G_EVCC_Msg_Timeout runs
// across the relay). These bound what the relay itself waits for; `tsplc relay` takes every one
// from the config: V2G_SECC_Sequence_Timeout from [v2g] (the same key a tsplc charger uses), the
// others from [relay] (src/config/schema.ts, docs/configuration.md).
import { v2gEvseTimeoutDefaults } from '../../domain/v2g/config.js';

export interface RelayTimings {
  /**
   * V2G_SECC_Sequence_Timeout (ISO 15118-2 Table 109, DIN 70121 Table 76: 60 s): the car's next
   * request after a response. The relay is the car's SECC; a car silent for longer is a lost leg.
   */
  readonly V2G_SECC_Sequence_Timeout: number;
  /**
   * The charger's response to a forwarded request, ms. Longer than every V2G_EVCC_Msg_Timeout of
   * the standard except CableCheck/PreCharge ongoing (the car times out first and closes its leg:
   * that is the car leg failing, handled as such); a charger that answers nothing at all within it
   * has failed.
   */
  readonly chargerResponseTimeout: number;
  /** Each request of the relay's own stop towards the charger (0 A, PowerDelivery stop, SessionStop) waits this long for its response, ms. */
  readonly stopResponseTimeout: number;
  /**
   * After a stop or a failed charger leg: how long the relay keeps answering the car's requests with
   * EVSE_Shutdown / EVSE_EmergencyShutdown before it closes the car's connection, ms. A DC car sends
   * its next request within 100–250 ms in CurrentDemand; 3 s covers the slower phases.
   */
  readonly carAnswerWindow: number;
  /** Both legs up (SLAC, SDP, TCP on both sides), ms; later → the relay gives up. */
  readonly linkTimeout: number;
}

export const defaultRelayTimings: RelayTimings = {
  V2G_SECC_Sequence_Timeout: v2gEvseTimeoutDefaults.V2G_SECC_Sequence_Timeout,
  chargerResponseTimeout: 5_000,
  stopResponseTimeout: 2_000,
  carAnswerWindow: 3_000,
  linkTimeout: 90_000,
};

/** Bounds of the relay's own link set-up (not timers of the standard). */
export const relayLinkDefaults = {
  /** Pause between two SLAC attempts towards a car that has not matched yet, ms (as the EVSE connection manager's first back-off). */
  carSlacRetryPause: 1000,
  /** TCP connect to the charger after SDP, ms (as `tsplc pev`). */
  tcpConnectTimeout: 3000,
};
