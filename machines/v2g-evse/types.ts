// Interface of the EVSE (SECC) V2G session machine.
import type { IsolationStatus, PowerSupplyReading } from '../../src/ports/hardware.js';
import type { Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import type { CodecError } from '../../src/result.js';
import type { V2gEvseConfig } from '../../src/v2g/config.js';
import type { OutgoingDocument, V2gDocument } from '../../src/v2g/document.js';
import type { FaultScenario } from '../../src/v2g/faults.js';
import type { Protocol, SchemaId } from '../../src/v2g/model.js';

export interface V2gEvseInput {
  readonly config: V2gEvseConfig;
  /** Random source for SessionIDs (runtime: crypto.getRandomValues; tests: a seeded generator). */
  readonly randomBytes: (n: number) => Uint8Array;
  /** Fault injection (pyPLC testsuite style); default none. */
  readonly faults?: FaultScenario;
  readonly logger?: Logger;
}

export type V2gEvseEvent =
  /** A decoded request from the EV (appHand document first, then the selected schema's). */
  | { readonly type: 'V2G.REQ'; readonly doc: V2gDocument }
  /** The TCP connection ended; with allowNewSessionAfterStop the machine waits for the next handshake. */
  | { readonly type: 'V2G.TRANSPORT_CLOSED'; readonly reason?: string }
  /** A new TCP connection (only needed when the same actor serves several sessions). */
  | { readonly type: 'V2G.TRANSPORT_OPENED' }
  | { readonly type: 'V2G.DECODE_ERROR'; readonly error: CodecError }
  /** One of our own responses did not encode (a bug on our side, not the car's): it did not go out. */
  | { readonly type: 'V2G.ENCODE_ERROR'; readonly document: string; readonly error: CodecError }
  | { readonly type: 'PS.READING'; readonly reading: PowerSupplyReading }
  | { readonly type: 'PS.ISOLATION'; readonly status: IsolationStatus }
  /** Stop at the charger (button, MQTT enabled=0, SIGTERM). */
  | { readonly type: 'STOP_REQUEST'; readonly reason?: string };

export interface V2gEvseActionParams {
  send: OutgoingDocument;
  protocolSelected: { readonly protocol: Protocol; readonly schema: SchemaId };
  /** PowerSupply.setTarget(voltage, current). */
  setPowerSupply: { readonly voltage: number; readonly current: number };
  /** PowerSupply.off(). */
  powerSupplyOff: undefined;
  /** PowerSupply.isolationCheck(voltage); the result comes back as PS.ISOLATION. */
  startIsolationCheck: { readonly voltage: number };
  /** AC: close / open the output contactor. */
  closeOutputContactor: undefined;
  openOutputContactor: undefined;
  /** Close the TCP connection (after a FAILED_* response, a decode error or the sequence timeout). */
  closeTransport: { readonly reason: string };
  reportStatus: StatusUpdate;
}

export interface V2gEvseOutput {
  readonly result: 'SessionStopped' | 'Aborted';
  readonly reason: string;
  readonly lastCheckpoint: number;
  readonly protocol?: Protocol;
  readonly sessionId?: string;
  readonly sessions: number;
}
