// Connection manager of the charger (SECC): SLAC as EVSE → listen on a TCP
// port from the dynamic range (300) → answer SDP with it (201/202) → accept
// the EV's connection (303) → handshake + session → back to SLAC for the next
// car (pyPLC's allow_new_session_after_stopping) or end.
//
// As on the EV side, every layer is an invoked child provided by the runtime,
// and each child's failure is handled here: before the session, a failure
// restarts SLAC after a back-off; a session that ends badly or crashes asks
// the runtime's SafeShutdown sibling to switch the power supply off.
import { assign, enqueueActions, fromCallback, sendTo, setup, type AnyActorLogic } from 'xstate';
import type { StatusUpdate } from '../../src/status.js';
import { backoffDetails, childAlive, missing, sessionReason, withCause, type ChildEvent, type ChildInputs } from './ev.js';
import { defaultEvseConnectionManagerTimings, type EvseConnectionManagerTimings } from '../../src/domain/connection/timing.js';
import { Checkpoint } from '../../src/checkpoints.js';
import { crashFailure, layerFailure, type LayerFailure } from '../../src/domain/connection/failure.js';
import type { ConnectionEndCause } from '../../src/domain/connection/end-cause.js';
import { layerState, type LayerFailedParams } from './layer.js';

export { defaultEvseConnectionManagerTimings, type EvseConnectionManagerTimings } from '../../src/domain/connection/timing.js';

export interface EvseConnectionManagerInput {
  readonly timings?: Partial<EvseConnectionManagerTimings>;
  /** After one session: end (true) or serve the next car (false). */
  readonly oneShot?: boolean;
  readonly inputs?: ChildInputs;
}

export interface EvseConnectionManagerOutput {
  readonly end: 'SessionStopped' | 'Aborted' | 'Stopped' | 'GaveUp';
  /** Why, as a code with typed detail: match on `cause.code` (and on `session.end.code` when a session ended). */
  readonly cause: ConnectionEndCause;
  /** The same for a human (causeText). */
  readonly reason: string;
  /** The last layer failure of this run. */
  readonly failure?: LayerFailure;
  readonly sessions: number;
  readonly session?: unknown;
}

export type EvseConnectionManagerEvent =
  | { type: 'STOP'; reason: string }
  | { type: 'SAFE_SHUTDOWN.DONE'; ok: boolean; reason?: string }
  /** From the 'accept' child: the EV connected. */
  | { type: 'TCP.ACCEPTED'; connection: unknown; remoteAddress: string }
  | { type: 'TO_TRANSPORT'; event: ChildEvent }
  | { type: 'TO_SESSION'; event: ChildEvent }
  | { type: 'HEARTBEAT' };

interface Context {
  readonly t: EvseConnectionManagerTimings;
  readonly oneShot: boolean;
  readonly inputs: ChildInputs;
  attempts: number;
  sessions: number;
  server?: { port: number; address: string; handle: unknown };
  connection?: unknown;
  sessionOutput?: unknown;
  end?: EvseConnectionManagerOutput['end'];
  cause: ConnectionEndCause;
  reason: string;
  failure?: LayerFailure;
  stopRequested: boolean;
}

type Report = StatusUpdate & { level?: 'debug' | 'info' | 'warn' | 'error' };


export const evseConnectionManagerMachine = setup({
  types: {
    input: {} as EvseConnectionManagerInput,
    context: {} as Context,
    events: {} as EvseConnectionManagerEvent,
    output: {} as EvseConnectionManagerOutput,
    tags: {} as 'session',
  },
  actions: {
    report: (_, _params: Report) => {},
    layerFailed: assign((_, p: LayerFailedParams) => ({ failure: p.failure, ...withCause({ code: 'LayerFailed', failure: p.failure }) })),
    setCause: assign((_, p: { cause: ConnectionEndCause }) => withCause(p.cause)),
    /** The listener of the listen layer's output. */
    takeServer: assign((_, p: { port: number; address: string; handle: unknown }) => ({ server: { port: p.port, address: p.address, handle: p.handle } })),
    requestSafeShutdown: (_, _params: { reason: string }) => {},
    /** Close the TCP listener (runtime; the handle is the output of 'listen'). */
    closeServer: (_, _params: { handle: unknown }) => {},
    sessionStarted: () => {},
    // Declared once here, not created inside enqueueActions: hardware facts arrive synchronously from a
    // session's own action, and XState warns when an action creator runs inside another actor's action.
    forwardToTransport: sendTo('transport', ({ event }) => ('event' in event ? event.event : { type: 'IGNORED' })),
    forwardToSession: sendTo('session', ({ event }) => ('event' in event ? event.event : { type: 'IGNORED' })),
  },
  actors: {
    modem: missing('modem') as AnyActorLogic,
    slac: missing('slac') as AnyActorLogic,
    listen: missing('listen') as AnyActorLogic,
    sdp: fromCallback(() => () => {}) as AnyActorLogic,
    accept: fromCallback(() => () => {}) as AnyActorLogic,
    transport: fromCallback(() => () => {}) as AnyActorLogic,
    session: missing('session') as AnyActorLogic,
  },
  delays: {
    backoff: ({ context }) => Math.min(context.t.backoffMax, context.t.backoffInitial * 2 ** Math.max(0, context.attempts - 1)),
    safe_shutdown_timeout: ({ context }) => context.t.safeShutdownTimeout,
    V2G_SECC_CommunicationSetup_Performance_Time: ({ context }) => context.t.V2G_SECC_CommunicationSetup_Performance_Time,
  },
  guards: {
    gaveUp: ({ context }) => context.failure?.retryable === false || (context.t.maxAttempts > 0 && context.attempts >= context.t.maxAttempts),
    endAfterSession: ({ context }) => context.oneShot || context.stopRequested,
  },
}).createMachine({
  id: 'evseConnectionManager',
  context: ({ input }) => ({
    t: { ...defaultEvseConnectionManagerTimings, ...input.timings },
    oneShot: input.oneShot ?? false,
    inputs: input.inputs ?? {},
    attempts: 0,
    sessions: 0,
    ...withCause({ code: 'None' }),
    stopRequested: false,
  }),
  initial: 'connecting',
  on: { HEARTBEAT: {} },
  states: {
    connecting: {
      entry: assign({ attempts: ({ context }) => context.attempts + 1, connection: undefined }),
      initial: 'modem',
      on: {
        STOP: { target: 'ended', actions: [assign({ end: 'Stopped', stopRequested: true }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'StopRequested', request: event.reason } }) }] },
      },
      states: {
        modem: layerState({
          layer: 'modem',
          src: 'modem',
          entry: { type: 'report', params: ({ context }: { context: Context }) => ({ layer: 'modem' as const, state: 'preparing', checkpoint: Checkpoint.EvseKeySet, details: { attempt: context.attempts } }) },
          next: 'slac',
          onFail: '#evseConnectionManager.backoff',
        }),
        slac: layerState({
          layer: 'slac',
          src: 'slac',
          entry: { type: 'report', params: { layer: 'slac', state: 'waitForSlacParm', checkpoint: Checkpoint.CpStateA } },
          next: 'listen',
          onOk: { type: 'report', params: { layer: 'slac', state: 'matched', checkpoint: Checkpoint.SlacMatchCnf } },
          onFail: '#evseConnectionManager.backoff',
        }),
        listen: layerState({
          layer: 'listen',
          src: 'listen',
          next: 'discovery',
          onOk: [
            { type: 'takeServer', params: ({ event }: { event: { output: { port: number; address: string; handle: unknown } } }) => ({ port: event.output.port, address: event.output.address, handle: event.output.handle }) },
            { type: 'report', params: ({ event }: { event: { output: { port: number } } }) => ({ layer: 'tcp' as const, state: 'listening', checkpoint: Checkpoint.TcpListen, details: { port: event.output.port } }) },
          ],
          onFail: '#evseConnectionManager.backoff',
        }),
        discovery: {
          exit: { type: 'closeServer', params: ({ context }) => ({ handle: context.server?.handle }) },
          invoke: [
            {
              id: 'sdp',
              src: 'sdp',
              input: ({ context }: { context: Context }) => ({ ...(context.inputs.sdp?.() as object | undefined), address: context.server?.address, tcpPort: context.server?.port }),
            },
            { id: 'accept', src: 'accept', input: ({ context }: { context: Context }) => ({ handle: context.server?.handle }) },
          ],
          on: {
            'TCP.ACCEPTED': {
              target: 'session',
              actions: [
                assign({ connection: ({ event }) => event.connection }),
                { type: 'report', params: ({ event }) => ({ layer: 'tcp' as const, state: 'accepted', checkpoint: Checkpoint.TcpEstablished, details: { ev: event.remoteAddress } }) },
              ],
            },
          },
          after: {
            V2G_SECC_CommunicationSetup_Performance_Time: {
              target: '#evseConnectionManager.backoff',
              actions: {
                type: 'layerFailed',
                params: { failure: { ...layerFailure('TCP_NO_CONNECTION', 'no TCP connection from the EV (V2G_SECC_CommunicationSetup_Performance_Time)'), layer: 'tcp' } },
              },
            },
          },
        },
        session: {
          // The runtime finds "a session is running" by this tag (src/runtime/stack.ts), not by the state's path.
          tags: ['session'],
          entry: [assign({ sessions: ({ context }) => context.sessions + 1 }), 'sessionStarted', { type: 'report', params: { layer: 'session', state: 'start', checkpoint: Checkpoint.SupportedAppProtocolReq } }],
          invoke: [
            { id: 'transport', src: 'transport', input: ({ context }: { context: Context }) => ({ connection: context.connection }) },
            {
              id: 'session',
              src: 'session',
              input: ({ context }: { context: Context }) => context.inputs.session?.(),
              onDone: [
                {
                  // The connection ended before a supportedAppProtocolReq (closed, reset, garbage, silence): no power
                  // was ever offered, so no SafeShutdown; one warn line (the backoff entry) and SLAC again with a fresh
                  // NMK, after the back-off — which is what rate-limits a peer that keeps doing it (issue 8).
                  guard: ({ event }) => (event.output as { sessions?: number } | undefined)?.sessions === 0,
                  target: '#evseConnectionManager.backoff',
                  actions: [
                    assign({ sessionOutput: ({ event }) => event.output }),
                    { type: 'layerFailed', params: ({ event }) => ({ failure: { ...layerFailure('SESSION_NOT_STARTED', `no V2G session on the connection: ${sessionReason(event.output, '')}`), layer: 'session' } }) },
                  ],
                },
                {
                  guard: ({ event }) => (event.output as { result?: string } | undefined)?.result === 'SessionStopped',
                  target: '#evseConnectionManager.sessionEnded',
                  actions: [assign({ sessionOutput: ({ event }) => event.output, end: 'SessionStopped' }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'SessionEnded', reason: sessionReason(event.output, 'SessionStop') } }) }],
                },
                {
                  target: '#evseConnectionManager.safeShutdown',
                  actions: [assign({ sessionOutput: ({ event }) => event.output, end: 'Aborted' }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'SessionEnded', reason: sessionReason(event.output, 'session aborted') } }) }],
                },
              ],
              onError: {
                target: '#evseConnectionManager.safeShutdown',
                actions: [assign({ end: 'Aborted' }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'SessionCrashed', failure: { ...crashFailure(event.error), layer: 'session' } } }) }],
              },
            },
          ],
          on: {
            // A child that already reached its final state (the session ended, the manager has not
            // yet processed its done event) gets nothing: the facts are moot, and XState would warn.
            TO_TRANSPORT: { actions: enqueueActions(({ enqueue, self }) => childAlive(self, 'transport') && enqueue('forwardToTransport')) },
            TO_SESSION: { actions: enqueueActions(({ enqueue, self }) => childAlive(self, 'session') && enqueue('forwardToSession')) },
            STOP: { target: '.stopping', actions: [assign({ stopRequested: true }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'StopRequested', request: event.reason } }) }, sendTo('session', ({ event }) => ({ type: 'STOP_REQUEST', reason: event.reason }))] },
          },
          initial: 'running',
          states: {
            running: {},
            // STOP is a request to the session (EVSE_Shutdown, the car winds down). A car that does not react, or a
            // session that does not end, must not hold SIGTERM: after safe_shutdown_timeout the manager leaves the
            // session (its children are stopped, the connection closed) and switches the output off itself.
            stopping: {
              on: { STOP: {} },
              after: {
                safe_shutdown_timeout: {
                  target: '#evseConnectionManager.safeShutdown',
                  actions: [
                    assign({ end: 'Stopped' }),
                    { type: 'setCause', params: ({ context }) => ({ cause: { code: 'SessionStopTimeout', request: context.cause.code === 'StopRequested' ? context.cause.request : context.reason } }) },
                    { type: 'report', params: { layer: 'session', state: 'stopTimeout', level: 'warn' as const } },
                  ],
                },
              },
            },
          },
        },
      },
    },
    backoff: {
      entry: { type: 'report', params: ({ context }) => ({ layer: 'runtime', state: 'backoff', level: 'warn' as const, details: { ...backoffDetails(context.failure), attempt: context.attempts } }) },
      always: { guard: 'gaveUp', target: 'ended', actions: assign({ end: 'GaveUp' }) },
      after: { backoff: 'connecting' },
      on: { STOP: { target: 'ended', actions: [assign({ end: 'Stopped' }), { type: 'setCause', params: ({ event }) => ({ cause: { code: 'StopRequested', request: event.reason } }) }] } },
    },
    safeShutdown: {
      entry: [
        { type: 'report', params: ({ context }) => ({ layer: 'shutdown', state: 'requested', level: 'warn' as const, details: { reason: context.reason } }) },
        { type: 'requestSafeShutdown', params: ({ context }) => ({ reason: context.reason }) },
      ],
      on: {
        'SAFE_SHUTDOWN.DONE': 'sessionEnded',
        STOP: { actions: assign({ stopRequested: true }) },
      },
      after: {
        safe_shutdown_timeout: { target: 'sessionEnded', actions: { type: 'report', params: { layer: 'shutdown', state: 'timeout', level: 'error' as const } } },
      },
    },
    sessionEnded: {
      entry: { type: 'report', params: ({ context }) => ({ layer: 'session', state: context.end ?? 'ended', details: { reason: context.reason, sessions: context.sessions } }) },
      always: [{ guard: 'endAfterSession', target: 'ended' }, { target: 'connecting', actions: assign({ attempts: 0 }) }],
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
    sessions: context.sessions,
    ...(context.sessionOutput !== undefined ? { session: context.sessionOutput } : {}),
  }),
});
