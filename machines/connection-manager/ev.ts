// Connection manager of the car (EVCC), after pyPLC's connMgr (pyplc-inventory
// §1.1) but as a statechart: modem → SLAC → SDP → TCP → (handshake + session).
// pyPLC keeps a "connection level" with a countdown per layer and restarts from
// the highest layer still alive; here every layer is an invoked child actor
// whose end (output { ok }) or crash (onError) is handled explicitly:
//
//  - a lower layer that fails before power could flow → back off, retry from
//    the modem (SLAC pairing is lost with the modem restart anyway);
//  - the session (handshake … SessionStop) ending in SafeShutdown, crashing,
//    or the plug coming out → request the SafeShutdown sibling actor and wait
//    for it. SafeShutdown is NOT a child of this machine: it owns its own
//    hardware handles in the runtime, so it still works when this machine's
//    children (or this machine) died.
//
// No I/O here. The runtime provides the child actors (`modem`, `slac`, `sdp`,
// `tcp`, `transport`, `session`) and the actions (`report`,
// `requestSafeShutdown`). The session and transport children talk to each other
// through this machine: { type: 'TO_TRANSPORT', event } / { type: 'TO_SESSION', event }.
import { assign, enqueueActions, fromCallback, fromPromise, sendTo, setup, type AnyActorLogic, type AnyActorRef } from 'xstate';
import type { StatusUpdate } from '../../src/status.js';
import { defaultConnectionManagerTimings, type ConnectionManagerTimings } from '../../src/domain/connection/timing.js';
import { Checkpoint } from '../../src/checkpoints.js';
import { crashFailure, failureText, layerFailure, type LayerFailure } from '../../src/domain/connection/failure.js';
import { causeText, type ConnectionEndCause } from '../../src/domain/connection/end-cause.js';
import { layerState, type LayerFailedParams } from './layer.js';

export { defaultConnectionManagerTimings, type ConnectionManagerTimings } from '../../src/domain/connection/timing.js';

/** An event the manager passes between its session and transport children (they check the shape). */
export type ChildEvent = { readonly type: string; readonly [k: string]: unknown };

/** The contract of every layer actor's output (src/domain/connection/failure.ts). */
export type LayerOutput = { readonly ok: true; readonly [fact: string]: unknown } | { readonly ok: false; readonly failure: LayerFailure; readonly [fact: string]: unknown };

export interface EvConnectionManagerInput {
  readonly timings?: Partial<ConnectionManagerTimings>;
  /** Start as if the plug is in (sim, or a board without plug detection). */
  readonly plugged?: boolean;
  /** After the session ended: stop (true, `tsplc sim`, exit_on_session_end) or wait for the next plug-in (false). */
  readonly oneShot?: boolean;
  /** Inputs for the children, read when each is started (so e.g. the battery state is the current one). */
  readonly inputs?: ChildInputs;
}

export interface ChildInputs {
  readonly sdp?: () => unknown;
  readonly session?: () => unknown;
}

export type SessionEnd = 'ChargingFinished' | 'SafeShutdown' | 'Stopped' | 'GaveUp';

export interface EvConnectionManagerOutput {
  readonly end: SessionEnd;
  /** Why, as a code with typed detail: match on `cause.code` (and on `session.end.code` when the session ended). */
  readonly cause: ConnectionEndCause;
  /** The same for a human (causeText). */
  readonly reason: string;
  /** The last layer failure of this run (the one the back-off or the give-up was about). */
  readonly failure?: LayerFailure;
  readonly attempts: number;
  /** The session actor's output (V2gEvOutput) when a session ran. */
  readonly session?: unknown;
}

export type EvConnectionManagerEvent =
  | { type: 'PLUGGED' }
  | { type: 'UNPLUGGED' }
  /** User or SIGTERM: stop charging, shut down safely, end. */
  | { type: 'STOP'; reason: string }
  /** A safety violation seen by the runtime's monitor: SafeShutdownSequence now, then wait for the next plug-in. */
  | { type: 'FAULT'; reason: string }
  | { type: 'SAFE_SHUTDOWN.DONE'; ok: boolean; reason?: string }
  | { type: 'TO_TRANSPORT'; event: ChildEvent }
  | { type: 'TO_SESSION'; event: ChildEvent }
  /** The root heartbeat the runtime uses for the systemd watchdog. */
  | { type: 'HEARTBEAT' };

interface Context {
  readonly t: ConnectionManagerTimings;
  readonly oneShot: boolean;
  readonly inputs: ChildInputs;
  /** The last plug fact: after a shutdown an unplug that already happened must not be waited for again. */
  plugged: boolean;
  attempts: number;
  secc?: { address: string; port: number };
  connection?: unknown;
  sessionOutput?: unknown;
  end?: SessionEnd;
  cause: ConnectionEndCause;
  /** causeText(cause), kept beside it for the log lines. */
  reason: string;
  failure?: LayerFailure;
  stopRequested: boolean;
}

type Report = StatusUpdate & { level?: 'debug' | 'info' | 'warn' | 'error' };

/** Whether the invoked child `id` is still running. */
export function childAlive(self: AnyActorRef, id: string): boolean {
  const child = (self.getSnapshot() as { children: Record<string, AnyActorRef | undefined> }).children[id];
  return child?.getSnapshot().status === 'active';
}

/** Placeholder actors: the runtime must provide every one of them. They fail loudly (ACTOR_MISSING: give up) if it forgot. */
export const missing = (name: string) => fromPromise<LayerOutput, unknown>(async () => ({ ok: false, failure: layerFailure('ACTOR_MISSING', `actor '${name}' not provided by the runtime`) }));

/** The manager's cause and its text, in one assignment. */
export const withCause = (cause: ConnectionEndCause): { cause: ConnectionEndCause; reason: string } => ({ cause, reason: causeText(cause) });

/** What a session child's output says about its end (the session machines' `reason` text). */
export function sessionReason(output: unknown, fallback: string): string {
  const r = output && typeof output === 'object' && 'reason' in output ? output.reason : undefined;
  return typeof r === 'string' && r ? r : fallback;
}

/** The back-off log line's fields: the failure's code (tests and dashboards match it) and its text. */
export function backoffDetails(f: LayerFailure | undefined): { code: string; retryable: boolean; reason: string } {
  return f ? { code: f.code, retryable: f.retryable, reason: failureText(f) } : { code: 'NO_OUTPUT', retryable: true, reason: 'no failure recorded' };
}

export const evConnectionManagerMachine = setup({
  types: {
    input: {} as EvConnectionManagerInput,
    context: {} as Context,
    events: {} as EvConnectionManagerEvent,
    output: {} as EvConnectionManagerOutput,
    tags: {} as 'session',
  },
  actions: {
    report: (_, _params: Report) => {},
    /** A layer failed or crashed (layerState): remember the failure, it decides back-off or give-up. */
    layerFailed: assign((_, p: LayerFailedParams) => ({ failure: p.failure, ...withCause({ code: 'LayerFailed', failure: p.failure }) })),
    setCause: assign((_, p: { cause: ConnectionEndCause }) => withCause(p.cause)),
    /** The SECC SDP found (the sdp layer's output). */
    takeSecc: assign((_, p: { address: string; port: number }) => ({ secc: { address: p.address, port: p.port } })),
    /** The TCP connection of the tcp layer's output. */
    takeConnection: assign((_, p: { connection: unknown }) => ({ connection: p.connection })),
    /** Start the SafeShutdown sibling (runtime); it answers with SAFE_SHUTDOWN.DONE. */
    requestSafeShutdown: (_, _params: { reason: string }) => {},
    /** Everything the runtime wants to do when a session starts (open a pcapng record, ...). */
    sessionStarted: () => {},
    // Declared once here, not created inside enqueueActions: hardware facts arrive synchronously from a
    // session's own action, and XState warns when an action creator runs inside another actor's action.
    forwardToTransport: sendTo('transport', ({ event }) => ('event' in event ? event.event : { type: 'IGNORED' })),
    forwardToSession: sendTo('session', ({ event }) => ('event' in event ? event.event : { type: 'IGNORED' })),
  },
  actors: {
    modem: missing('modem') as AnyActorLogic,
    slac: missing('slac') as AnyActorLogic,
    sdp: missing('sdp') as AnyActorLogic,
    tcp: missing('tcp') as AnyActorLogic,
    transport: fromCallback(() => () => {}) as AnyActorLogic,
    session: missing('session') as AnyActorLogic,
  },
  delays: {
    backoff: ({ context }) => Math.min(context.t.backoffMax, context.t.backoffInitial * 2 ** Math.max(0, context.attempts - 1)),
    safe_shutdown_timeout: ({ context }) => context.t.safeShutdownTimeout,
  },
  guards: {
    // Give up: the failure's code says trying again cannot help (RETRYABLE), or max_attempts are used.
    gaveUp: ({ context }) => context.failure?.retryable === false || (context.t.maxAttempts > 0 && context.attempts >= context.t.maxAttempts),
    oneShot: ({ context }) => context.oneShot,
    stopRequested: ({ context }) => context.stopRequested,
    unplugged: ({ context }) => !context.plugged,
  },
}).createMachine({
  id: 'evConnectionManager',
  context: ({ input }) => ({
    t: { ...defaultConnectionManagerTimings, ...input.timings },
    oneShot: input.oneShot ?? false,
    inputs: input.inputs ?? {},
    plugged: input.plugged ?? false,
    attempts: 0,
    ...withCause({ code: 'None' }),
    stopRequested: false,
  }),
  initial: 'init',
  on: {
    HEARTBEAT: {},
    // States that do not react to the plug still keep the fact.
    PLUGGED: { actions: assign({ plugged: true }) },
    UNPLUGGED: { actions: assign({ plugged: false }) },
    // From any state (the session child, if any, is stopped by leaving it): the hardware is made safe.
    FAULT: { target: '#evConnectionManager.safeShutdown', actions: { type: 'setCause', params: ({ event }) => ({ cause: { code: 'SafetyFault', fault: event.reason } }) } },
  },
  states: {
    init: {
      always: [{ guard: ({ context }) => context.plugged, target: 'connecting' }, { target: 'waitForPlug' }],
    },
    waitForPlug: {
      entry: { type: 'report', params: { layer: 'runtime', state: 'waitForPlug', checkpoint: Checkpoint.PlugInserted } },
      on: {
        PLUGGED: { target: 'connecting', actions: assign({ plugged: true }) },
        STOP: { target: 'ended', actions: [assign({ end: 'Stopped' }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'StopRequested', request: event.reason } }) }] },
      },
    },
    connecting: {
      entry: assign({ attempts: ({ context }) => context.attempts + 1, secc: undefined, connection: undefined }),
      initial: 'modem',
      on: {
        UNPLUGGED: { target: 'safeShutdown', actions: [assign({ plugged: false }), { type: 'setCause', params: { cause: { code: 'Unplugged' } } }] },
        STOP: { target: 'safeShutdown', actions: [assign({ stopRequested: true }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'StopRequested', request: event.reason } }) }] },
      },
      states: {
        modem: layerState({
          layer: 'modem',
          src: 'modem',
          entry: { type: 'report', params: ({ context }: { context: Context }) => ({ layer: 'modem' as const, state: 'searching', checkpoint: Checkpoint.EvModemWakes, details: { attempt: context.attempts } }) },
          next: 'slac',
          onFail: '#evConnectionManager.backoff',
        }),
        slac: layerState({
          layer: 'slac',
          src: 'slac',
          entry: { type: 'report', params: { layer: 'slac', state: 'start', checkpoint: Checkpoint.SlacParmReq } },
          next: 'sdp',
          onOk: { type: 'report', params: { layer: 'slac', state: 'matched', checkpoint: Checkpoint.AvlnFormed } },
          onFail: '#evConnectionManager.backoff',
        }),
        sdp: layerState({
          layer: 'sdp',
          src: 'sdp',
          input: ({ context }: { context: Context }) => context.inputs.sdp?.() ?? {},
          next: 'tcp',
          onOk: { type: 'takeSecc', params: ({ event }: { event: { output: { address: string; port: number } } }) => ({ address: event.output.address, port: event.output.port }) },
          onFail: '#evConnectionManager.backoff',
        }),
        tcp: layerState({
          layer: 'tcp',
          src: 'tcp',
          entry: { type: 'report', params: ({ context }: { context: Context }) => ({ layer: 'tcp' as const, state: 'connecting', checkpoint: Checkpoint.TcpSyn, details: { secc: context.secc?.address ?? '', port: context.secc?.port ?? 0 } }) },
          input: ({ context }: { context: Context }) => context.secc,
          next: 'session',
          onOk: [
            { type: 'takeConnection', params: ({ event }: { event: { output: { connection: unknown } } }) => ({ connection: event.output.connection }) },
            { type: 'report', params: ({ context }: { context: Context }) => ({ layer: 'tcp' as const, state: 'connected', checkpoint: Checkpoint.TcpEstablished, details: { secc: context.secc?.address ?? '', port: context.secc?.port ?? 0 } }) },
          ],
          onFail: '#evConnectionManager.backoff',
        }),
        session: {
          // The runtime finds "a session is running" by this tag (src/runtime/stack.ts), not by the state's path.
          tags: ['session'],
          entry: ['sessionStarted', { type: 'report', params: { layer: 'session', state: 'start', checkpoint: Checkpoint.SupportedAppProtocolReq } }],
          invoke: [
            { id: 'transport', src: 'transport', input: ({ context }: { context: Context }) => ({ connection: context.connection }) },
            {
              id: 'session',
              src: 'session',
              input: ({ context }: { context: Context }) => context.inputs.session?.(),
              onDone: [
                {
                  guard: ({ event }) => (event.output as { result?: string } | undefined)?.result === 'ChargingFinished',
                  target: '#evConnectionManager.finished',
                  actions: [assign({ sessionOutput: ({ event }) => event.output, end: 'ChargingFinished' }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'SessionEnded', reason: sessionReason(event.output, 'ChargingFinished') } }) }],
                },
                {
                  // The session machine already ran (or requested) its own SafeShutdown; make sure it completes.
                  target: '#evConnectionManager.safeShutdown',
                  actions: [assign({ sessionOutput: ({ event }) => event.output }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'SessionEnded', reason: sessionReason(event.output, 'session ended') } }) }],
                },
              ],
              onError: { target: '#evConnectionManager.safeShutdown', actions: { type: 'setCause', params: ({ event }) => ({ cause: { code: 'SessionCrashed', failure: { ...crashFailure(event.error), layer: 'session' } } }) } },
            },
          ],
          on: {
            // A child that already reached its final state (the session ended, the manager has not
            // yet processed its done event) gets nothing: the facts are moot, and XState would warn.
            TO_TRANSPORT: { actions: enqueueActions(({ enqueue, self }) => childAlive(self, 'transport') && enqueue('forwardToTransport')) },
            TO_SESSION: { actions: enqueueActions(({ enqueue, self }) => childAlive(self, 'session') && enqueue('forwardToSession')) },
            // The session decides how to stop (PowerDelivery stop, WeldingDetection, SessionStop) — give it the chance.
            STOP: { actions: [assign({ stopRequested: true }), sendTo('session', ({ event }) => ({ type: 'STOP_REQUEST', reason: event.reason }))] },
          },
        },
      },
    },
    backoff: {
      entry: { type: 'report', params: ({ context }) => ({ layer: 'runtime', state: 'backoff', level: 'warn' as const, details: { ...backoffDetails(context.failure), attempt: context.attempts } }) },
      always: { guard: 'gaveUp', target: 'ended', actions: assign({ end: 'GaveUp' }) },
      after: { backoff: 'connecting' },
      on: {
        UNPLUGGED: { target: 'waitForPlug', actions: assign({ attempts: 0, plugged: false, failure: undefined }) },
        STOP: { target: 'ended', actions: [assign({ end: 'Stopped' }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'StopRequested', request: event.reason } }) }] },
      },
    },
    safeShutdown: {
      entry: [
        { type: 'report', params: ({ context }) => ({ layer: 'shutdown', state: 'requested', level: 'warn' as const, details: { reason: context.reason } }) },
        { type: 'requestSafeShutdown', params: ({ context }) => ({ reason: context.reason }) },
      ],
      on: {
        'SAFE_SHUTDOWN.DONE': { target: 'afterSafeShutdown' },
        STOP: { actions: assign({ stopRequested: true }) },
        // Already shutting down.
        FAULT: {},
      },
      after: {
        safe_shutdown_timeout: {
          target: 'afterSafeShutdown',
          actions: { type: 'report', params: { layer: 'shutdown', state: 'timeout', level: 'error' as const, details: { reason: 'SafeShutdown did not report done' } } },
        },
      },
    },
    afterSafeShutdown: {
      always: [
        { guard: 'stopRequested', target: 'ended', actions: assign({ end: ({ context }) => context.end ?? (context.sessionOutput ? 'SafeShutdown' : 'Stopped') }) },
        { guard: 'oneShot', target: 'ended', actions: assign({ end: 'SafeShutdown' }) },
        // The unplug that caused (or came during) the shutdown: the next plug-in starts the next session.
        { guard: 'unplugged', target: 'waitForPlug', actions: assign({ attempts: 0, sessionOutput: undefined, end: undefined }) },
        { target: 'waitForUnplug', actions: assign({ end: 'SafeShutdown' }) },
      ],
    },
    finished: {
      entry: { type: 'report', params: ({ context }) => ({ layer: 'session', state: 'ChargingFinished', checkpoint: Checkpoint.SessionStopRes, details: { reason: context.reason } }) },
      always: [{ guard: 'oneShot', target: 'ended' }, { guard: 'unplugged', target: 'waitForPlug', actions: assign({ attempts: 0, sessionOutput: undefined, end: undefined }) }, { target: 'waitForUnplug' }],
    },
    waitForUnplug: {
      on: {
        UNPLUGGED: { target: 'waitForPlug', actions: assign({ attempts: 0, sessionOutput: undefined, end: undefined, plugged: false }) },
        STOP: { target: 'ended', actions: { type: 'setCause', params: ({ event }) => ({ cause: { code: 'StopRequested', request: event.reason } }) } },
      },
    },
    ended: {
      type: 'final',
      entry: { type: 'report', params: ({ context }) => ({ layer: 'runtime', state: 'ended', details: { end: context.end ?? 'Stopped', cause: context.cause.code, reason: context.reason } }) },
    },
  },
  output: ({ context }) => ({
    end: context.end ?? 'Stopped',
    cause: context.cause,
    reason: context.reason,
    ...(context.failure ? { failure: context.failure } : {}),
    attempts: context.attempts,
    ...(context.sessionOutput !== undefined ? { session: context.sessionOutput } : {}),
  }),
});
