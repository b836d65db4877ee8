// Typed failures of a display backend. A display never stops a session: the
// display actor logs the first failure, retries with back-off, and the
// charging actors never wait for it.
import { errorMessage } from '../../errors.js';
export type DisplayErrorCode =
  /** The driver package or the device is missing (no /dev/i2c-N, package not installed). */
  | 'UNAVAILABLE'
  /** A write failed (NACK, EREMOTEIO, serial error). */
  | 'WRITE_FAILED'
  /** A draw did not complete within display.draw_timeout. */
  | 'STALLED'
  /** A draw was asked for while the previous one had not completed (a stalled bus). */
  | 'BUSY';

export class DisplayError extends Error {
  constructor(
    readonly code: DisplayErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'DisplayError';
  }
}

export function displayErrorOf(e: unknown): DisplayError {
  if (e instanceof DisplayError) return e;
  const msg = errorMessage(e);
  // Bounded: a driver's message is logged, never a megabyte of it.
  return new DisplayError('WRITE_FAILED', msg.slice(0, 200));
}

/**
 * Wraps a draw function so that a call made while the previous one has not
 * settled fails at once (BUSY) instead of queueing behind a stalled bus: the
 * retries of the display actor then stay bounded, one outstanding write at most.
 */
export function oneAtATime<A>(draw: (arg: A) => Promise<void>): (arg: A) => Promise<void> {
  let busy = false;
  return async (arg: A) => {
    if (busy) throw new DisplayError('BUSY', 'the previous draw has not completed');
    busy = true;
    try {
      await draw(arg);
    } catch (e) {
      throw displayErrorOf(e);
    } finally {
      busy = false;
    }
  };
}
