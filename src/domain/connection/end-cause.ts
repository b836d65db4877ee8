// Why a connection manager ended (or last left a session): a code with typed
// detail, beside the manager's `end` (how it ended: ChargingFinished,
// SafeShutdown, GaveUp, ...). Code that decides anything matches `cause.code`
// (and a session's own `end.code`, V2gEvOutput / V2gEvseOutput); `reason` is the
// same for a human, rendered by causeText.
import { failureText, type LayerFailure } from './failure.js';

export type ConnectionEndCause =
  /** The session child ended by itself; its output (`session`) says why, `reason` is its text. */
  | { readonly code: 'SessionEnded'; readonly reason: string }
  /** The session child crashed (ACTOR_CRASHED): the hardware is made safe. */
  | { readonly code: 'SessionCrashed'; readonly failure: LayerFailure }
  /** A lower layer failed: the last failure before giving up (not retryable, or max_attempts reached). */
  | { readonly code: 'LayerFailed'; readonly failure: LayerFailure }
  | { readonly code: 'Unplugged' }
  /** STOP from the runtime (SIGTERM, the user, the CHAdeMO side). */
  | { readonly code: 'StopRequested'; readonly request: string }
  /** FAULT from the runtime's safety monitor. */
  | { readonly code: 'SafetyFault'; readonly fault: string }
  /** EVSE: STOP was asked of the session, which did not end within safe_shutdown_timeout. */
  | { readonly code: 'SessionStopTimeout'; readonly request: string }
  /** Nothing happened yet (the manager's initial cause). */
  | { readonly code: 'None' };

export type ConnectionEndCode = ConnectionEndCause['code'];

/** The cause for a human: logs, status details and the managers' `reason`. */
export function causeText(c: ConnectionEndCause): string {
  switch (c.code) {
    case 'SessionEnded':
      return c.reason;
    case 'SessionCrashed':
      return `session actor crashed: ${c.failure.detail}`;
    case 'LayerFailed':
      return failureText(c.failure);
    case 'Unplugged':
      return 'unplugged';
    case 'StopRequested':
      return c.request;
    case 'SafetyFault':
      return c.fault;
    case 'SessionStopTimeout':
      return `${c.request}: the session did not end within safe_shutdown_timeout`;
    case 'None':
      return '';
  }
}
