// Interface of the EV (EVCC) V2G session machine: what the runtime gives it
// (input, events) and what it gets back (provided actions, output).
import type { Checkpoint } from '../../src/checkpoints.js';
import type { BatteryState, CpState, LockState } from '../../src/ports/hardware.js';
import type { ChargeParameters } from '../../src/ports/charge-parameters.js';
import type { Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import type { CodecError } from '../../src/result.js';
import type { V2gEvConfig, V2gEvTimeouts } from '../../src/domain/v2g/config.js';
import type { OutgoingDocument, V2gDocument } from '../../src/domain/v2g/document.js';
import type { DcEvseStatusCode, EnergyTransferMode, IsolationLevel, Protocol, RequestKind, ResponseCode, SchemaId } from '../../src/domain/v2g/model.js';
import type { TcpCloseReason } from '../../src/ports/net.js';

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
  /** `close`: how the TCP connection ended (the port's code); `reason`: the same with the socket's message, for people. */
  | { readonly type: 'V2G.TRANSPORT_CLOSED'; readonly reason?: string; readonly close?: TcpCloseReason }
  | { readonly type: 'V2G.DECODE_ERROR'; readonly error: CodecError }
  /** One of our own requests did not encode (a bug on our side, not the charger's): no answer will come. */
  | { readonly type: 'V2G.ENCODE_ERROR'; readonly document: string; readonly error: CodecError }
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

/** A code with its typed detail. */
type Reason<C extends string, D = Record<string, never>> = { readonly code: C; readonly detail: Readonly<D> };

/** Why a session ended normally (result 'ChargingFinished'): PowerDelivery(Stop) / SessionStop were exchanged. */
export type V2gEvFinishReason =
  | Reason<'SocTargetReached', { socPercent: number; socTarget: number }>
  /** STOP_REQUEST from the runtime (button, MQTT, SIGTERM). */
  | Reason<'UserStop', { request?: string }>
  /** The charger asked for the stop: DC_EVSEStatusCode EVSE_Shutdown / EVSE_UtilityInterruptEvent or EVSENotification StopCharging (src/domain/v2g/policy.ts). */
  | Reason<'ChargerStop', { evseStatusCode: 'EVSE_Shutdown' | 'EVSE_UtilityInterruptEvent' } | { notification: 'StopCharging' }>
  /** The session reached SessionStop without a recorded stop cause. */
  | Reason<'SessionStop'>;

/** Why a session ended in the SafeShutdownSequence (result 'SafeShutdown'). */
export type V2gEvFaultReason =
  /** A named timer ran out; `waitingFor` says what the machine was waiting for. */
  | Reason<'Timeout', { timer: keyof V2gEvTimeouts; waitingFor: string }>
  /** After PowerDelivery(Stop) the measured current did not fall to the contactor-open limit. */
  | Reason<'CurrentNotDecayed', { amps: number | undefined; limit: number }>
  | Reason<'TransportClosed', { reason?: string; close?: TcpCloseReason }>
  /** The transport could not decode what the charger sent (framing or EXI). */
  | Reason<'DecodeError', { error: { code: string; message: string } }>
  /** Our own message did not encode (a dialect or codec bug): it did not go out. */
  | Reason<'EncodeFailed', { document: string; error: { code: string; message: string } }>
  | Reason<'HandshakeUndecodable', { error: { code: string; message: string } }>
  | Reason<'NoNegotiation'>
  | Reason<'NoMatchingProtocol', { schemaId?: number }>
  /** The EXI document decoded but the dialect could not read the expected response from it. */
  | Reason<'ResponseUndecodable', { request: RequestKind; error: { code: string; message: string } }>
  | Reason<'UnexpectedResponse', { expected: RequestKind; got: RequestKind }>
  /** A FAILED* ResponseCode (src/domain/v2g/policy.ts: any FAILED ends the session). */
  | Reason<'ResponseCodeFailed', { request: RequestKind; responseCode: ResponseCode }>
  /** DC_EVSEStatusCode EVSE_EmergencyShutdown, EVSE_Malfunction or a reserved value. */
  | Reason<'EvseStatusFault', { evseStatusCode: DcEvseStatusCode }>
  | Reason<'ServiceNotOffered', { service: 'ExternalPayment' | EnergyTransferMode }>
  | Reason<'IncompatibleChargeParameters', { evseMinVoltage: number | undefined; evseMaxVoltage: number | undefined; batteryVoltage: number }>
  /** CableCheckRes Finished without an EVSEIsolationStatus (optional in ISO-2 DC_EVSEStatus). */
  | Reason<'IsolationStatusAbsent'>
  | Reason<'IsolationNotValid', { isolation: IsolationLevel }>
  | Reason<'InletVoltageImplausible', { presentVoltage: number | undefined; inletVoltage: number | undefined; allowedDelta: number }>
  | Reason<'ConnectorLockFault'>
  | Reason<'ConnectorLockLost', { state: LockState }>
  | Reason<'ContactorsOpenedDuringCharge'>;

/** Every way a session ends. */
export type V2gEvEndReason = V2gEvFinishReason | V2gEvFaultReason;
export type V2gEvEndCode = V2gEvEndReason['code'];

export interface V2gEvOutput {
  readonly result: V2gEvResult;
  /** Why the session ended, as a code with a typed detail: match on `end.code`. */
  readonly end: V2gEvEndReason;
  /** The same for a human (endReasonText(end)): 'SocTargetReached', 'UserStop', 'EVSE_Shutdown', 'Timeout:CableCheck', 'FAILED_SequenceError in CableCheckRes', ... */
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
