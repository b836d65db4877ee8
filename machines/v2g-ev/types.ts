// Interface of the EV (EVCC) V2G session machine: what the runtime gives it
// (input, events) and what it gets back (provided actions, output).
import type { Checkpoint } from '../../src/checkpoints.js';
import type { BatteryState, CpState, LockState } from '../../src/ports/hardware.js';
import type { ChargeParameters } from '../../src/ports/charge-parameters.js';
import type { Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import type { CodecError } from '../../src/result.js';
import type { V2gEvConfig } from '../../src/v2g/config.js';
import type { OutgoingDocument, V2gDocument } from '../../src/v2g/document.js';
import type { DcEvseStatusCode, Protocol, ResponseCode, SchemaId } from '../../src/v2g/model.js';

export interface V2gEvInput {
  readonly config: V2gEvConfig;
  /** Battery facts at start; later changes arrive as HW.BATTERY. */
  readonly battery: BatteryState;
  readonly logger?: Logger;
}

/** Events the runtime sends to the EV machine. */
export type V2gEvEvent =
  /** A decoded response from the EVSE (appHand document first, then the selected schema's). */
  | { readonly type: 'V2G.RES'; readonly doc: V2gDocument }
  | { readonly type: 'V2G.TRANSPORT_CLOSED'; readonly reason?: string }
  | { readonly type: 'V2G.DECODE_ERROR'; readonly error: CodecError }
  | { readonly type: 'HW.LOCK'; readonly state: LockState }
  | { readonly type: 'HW.CONTACTORS'; readonly closed: boolean }
  | { readonly type: 'HW.INLET_VOLTAGE'; readonly volts: number }
  | { readonly type: 'HW.CURRENT'; readonly amps: number }
  | { readonly type: 'HW.BATTERY'; readonly state: BatteryState }
  /** A charge-parameter source (the CHAdeMO bridge) decides targets and when PreCharge may end. */
  | { readonly type: 'SOURCE.CHARGE_PARAMETERS'; readonly params: ChargeParameters }
  /** The user (button, MQTT, SIGTERM) wants the charge to end. */
  | { readonly type: 'STOP_REQUEST'; readonly reason?: string };

/**
 * Actions the runtime provides with `machine.provide({ actions: { ... } })`.
 * Each receives its parameters as the second argument. The defaults do nothing.
 */
export interface V2gEvActionParams {
  /** Encode with `schema` and send over V2GTP. */
  send: OutgoingDocument;
  /** The handshake chose this protocol: decode the following responses with `schema`. */
  protocolSelected: { readonly protocol: Protocol; readonly schema: SchemaId };
  setCpState: { readonly state: Extract<CpState, 'B' | 'C' | 'D'> };
  lockConnector: undefined;
  unlockConnector: undefined;
  closeContactors: undefined;
  openContactors: undefined;
  /** Start the SafeShutdownSequence actor (owned by the runtime). */
  requestSafeShutdown: { readonly reason: string };
  /** One status update (layer 'session', checkpoint numbers from checkpoints.md). */
  reportStatus: StatusUpdate;
}

export type V2gEvResult = 'ChargingFinished' | 'SafeShutdown';

export interface V2gEvOutput {
  readonly result: V2gEvResult;
  /** Why the session ended: 'SocTargetReached', 'UserStop', 'EVSE_Shutdown', 'Timeout:CableCheck', 'FAILED_SequenceError in CableCheckRes', ... */
  readonly reason: string;
  readonly lastCheckpoint: Checkpoint;
  readonly protocol?: Protocol;
  /** Hex. */
  readonly sessionId?: string;
  /** Last ResponseCode / DC_EVSEStatusCode seen, when they caused the end. */
  readonly responseCode?: ResponseCode;
  readonly evseStatusCode?: DcEvseStatusCode;
  readonly soc: number;
  /** Number of CurrentDemand / ChargingStatus exchanges. */
  readonly chargeLoopCount: number;
}
