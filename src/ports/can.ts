// Port: a classic CAN bus with 11-bit identifiers (CHAdeMO runs at 500 kbit/s,
// protocol-facts §7). Implemented by drivers/can/socketcan.ts (Linux SocketCAN
// through the optional `socketcan` package) and drivers/can/memory.ts (an
// in-memory bus with several nodes, delay, loss and bus-off injection).
import type { Observable } from 'rxjs';

/** One classic CAN frame: an 11-bit identifier and 0..8 data bytes (the DLC is data.length). */
export interface CanFrame {
  /** 11-bit standard identifier, 0x000..0x7FF. */
  readonly id: number;
  readonly data: Uint8Array;
  /** Receive time in ms (the bus's clock); absent on frames built for sending. */
  readonly timestamp?: number;
}

/** Accept a frame when (frame.id & mask) === (id & mask) — SocketCAN's can_filter semantics. */
export interface CanFilter {
  readonly id: number;
  readonly mask: number;
}

/**
 * Error conditions the controller reports (SocketCAN error frames, CAN_ERR_*).
 * 'bus-off': the controller left the bus after too many errors (TEC > 255) and sends nothing
 * until it is restarted. 'error-passive'/'warning': error counters crossed 127/96.
 */
export type CanErrorKind = 'bus-off' | 'error-passive' | 'warning' | 'no-ack' | 'tx-timeout' | 'restarted' | 'other';

export interface CanBusError {
  readonly kind: CanErrorKind;
  readonly detail: string;
  readonly timestamp?: number;
}

export type CanSendErrorCode = 'BAD_ID' | 'BAD_DLC' | 'BUS_OFF' | 'CLOSED' | 'SEND_FAILED';

export interface CanSendError {
  readonly code: CanSendErrorCode;
  readonly message: string;
}

export interface CanPort {
  /** Interface name ('can0', or the in-memory node's name). */
  readonly name: string;
  /** Received frames that pass the filters (all frames when no filter is set). */
  readonly frames$: Observable<CanFrame>;
  /** Error and state events of the controller. */
  readonly errors$: Observable<CanBusError>;
  /** Queues one frame; a frame that cannot be sent is a typed error, never an exception. */
  send(frame: CanFrame): import('../result.js').Result<void, CanSendError>;
  /** Replaces the receive filters; an empty list accepts every frame. */
  setFilters(filters: readonly CanFilter[]): void;
  close(): Promise<void>;
}

/** Checks a frame before sending: 11-bit id, at most 8 data bytes. */
export function checkCanFrame(frame: CanFrame): CanSendError | undefined {
  if (!Number.isInteger(frame.id) || frame.id < 0 || frame.id > 0x7ff)
    return { code: 'BAD_ID', message: `CAN id ${String(frame.id)} is not an 11-bit identifier (0x000..0x7FF)` };
  if (frame.data.length > 8) return { code: 'BAD_DLC', message: `CAN frame 0x${frame.id.toString(16)} has ${frame.data.length} data bytes (classic CAN carries at most 8)` };
  return undefined;
}

export function matchesFilters(id: number, filters: readonly CanFilter[]): boolean {
  if (filters.length === 0) return true;
  return filters.some((f) => (id & f.mask) === (f.id & f.mask));
}
