// Connection manager of the charger (SECC): SLAC as EVSE → listen on a TCP
// port from the dynamic range (300) → answer SDP with it (201/202) → accept
// the EV's connection (303) → handshake + session → back to SLAC for the next
// car (pyPLC's allow_new_session_after_stopping) or end.
//
// As on the EV side, every layer is an invoked child provided by the runtime,
// and each child's failure is handled here: before the session, a failure
// restarts SLAC after a back-off; a session that ends badly or crashes asks
// the runtime's SafeShutdown sibling to switch the power supply off.
import { assign, enqueueActions, fromCallback, fromPromise, sendTo, setup, type AnyActorLogic } from 'xstate';
import type { StatusUpdate } from '../../src/status.js';
import { childAlive, type ChildEvent, type ChildInputs, type LayerOutput } from './ev.js';
import { defaultEvseConnectionManagerTimings, type EvseConnectionManagerTimings } from '../../src/connection/timing.js';
import { Checkpoint } from '../../src/checkpoints.js';

export { defaultEvseConnectionManagerTimings, type EvseConnectionManagerTimings } from '../../src/connection/timing.js';

export interface EvseConnectionManagerInput {
  readonly timings?: Partial<EvseConnectionManagerTimings>;
  /** After one session: end (true) or serve the next car (false). */
  readonly oneShot?: boolean;
  readonly inputs?: ChildInputs;
}

export interface EvseConnectionManagerOutput {
  readonly end: 'SessionStopped' | 'Aborted' | 'Stopped' | 'GaveUp';
  readonly reason: string;
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
  reason: string;
  stopRequested: boolean;
}

type Report = StatusUpdate & { level?: 'debug' | 'info' | 'warn' | 'error' };

const failed = (output: unknown): string | undefined => {
  const o = output as LayerOutput | undefined;
  if (!o || typeof o !== 'object') return 'layer ended without output';
  return o.ok ? undefined : String(o.reason);
};

const missing = (name: string) => fromPromise<LayerOutput, unknown>(async () => ({ ok: false, reason: `actor '${name}' not provided by the runtime` }));

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
    gaveUp: ({ context }) => context.t.maxAttempts > 0 && context.attempts >= context.t.maxAttempts,
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
    reason: '',
    stopRequested: false,
  }),
  initial: 'connecting',
  on: { HEARTBEAT: {} },
  states: {
    connecting: {
      entry: assign({ attempts: ({ context }) => context.attempts + 1, connection: undefined }),
      initial: 'modem',
      on: {
        STOP: { target: 'ended', actions: assign({ end: 'Stopped', reason: ({ event }) => event.reason, stopRequested: true }) },
      },
      states: {
        modem: {
          entry: { type: 'report', params: ({ context }) => ({ layer: 'modem', state: 'preparing', checkpoint: Checkpoint.EvseKeySet, details: { attempt: context.attempts } }) },
          invoke: {
            src: 'modem',
            onDone: [
              { guard: ({ event }) => failed(event.output) !== undefined, target: '#evseConnectionManager.backoff', actions: assign({ reason: ({ event }) => `modem: ${failed(event.output)}` }) },
              { target: 'slac' },
            ],
            onError: { target: '#evseConnectionManager.backoff', actions: assign({ reason: ({ event }) => `modem actor crashed: ${String(event.error)}` }) },
          },
        },
        slac: {
          entry: { type: 'report', params: { layer: 'slac', state: 'waitForSlacParm', checkpoint: Checkpoint.CpStateA } },
          invoke: {
            src: 'slac',
            onDone: [
              { guard: ({ event }) => failed(event.output) !== undefined, target: '#evseConnectionManager.backoff', actions: assign({ reason: ({ event }) => `SLAC: ${failed(event.output)}` }) },
              { target: 'listen', actions: { type: 'report', params: { layer: 'slac', state: 'matched', checkpoint: Checkpoint.SlacMatchCnf } } },
            ],
            onError: { target: '#evseConnectionManager.backoff', actions: assign({ reason: ({ event }) => `SLAC actor crashed: ${String(event.error)}` }) },
          },
        },
        listen: {
          invoke: {
            src: 'listen',
            onDone: [
              { guard: ({ event }) => failed(event.output) !== undefined, target: '#evseConnectionManager.backoff', actions: assign({ reason: ({ event }) => `TCP listen: ${failed(event.output)}` }) },
              {
                target: 'discovery',
                actions: [
                  assign({ server: ({ event }) => event.output as { port: number; address: string; handle: unknown } }),
                  { type: 'report', params: ({ event }) => ({ layer: 'tcp' as const, state: 'listening', checkpoint: Checkpoint.TcpListen, details: { port: (event.output as { port: number }).port } }) },
                ],
              },
            ],
            onError: { target: '#evseConnectionManager.backoff', actions: assign({ reason: ({ event }) => `TCP listen crashed: ${String(event.error)}` }) },
          },
        },
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
              actions: assign({ reason: 'no TCP connection from the EV (V2G_SECC_CommunicationSetup_Performance_Time)' }),
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
                  actions: assign({ sessionOutput: ({ event }) => event.output, reason: ({ event }) => `no V2G session on the connection: ${String((event.output as { reason?: string }).reason ?? '')}` }),
                },
                {
                  guard: ({ event }) => (event.output as { result?: string } | undefined)?.result === 'SessionStopped',
                  target: '#evseConnectionManager.sessionEnded',
                  actions: assign({ sessionOutput: ({ event }) => event.output, end: 'SessionStopped', reason: ({ event }) => String((event.output as { reason?: string }).reason ?? '') }),
                },
                {
                  target: '#evseConnectionManager.safeShutdown',
                  actions: assign({ sessionOutput: ({ event }) => event.output, end: 'Aborted', reason: ({ event }) => String((event.output as { reason?: string } | undefined)?.reason ?? 'session aborted') }),
                },
              ],
              onError: { target: '#evseConnectionManager.safeShutdown', actions: assign({ end: 'Aborted', reason: ({ event }) => `session actor crashed: ${String(event.error)}` }) },
            },
          ],
          on: {
            // A child that already reached its final state (the session ended, the manager has not
            // yet processed its done event) gets nothing: the facts are moot, and XState would warn.
            TO_TRANSPORT: { actions: enqueueActions(({ enqueue, self }) => childAlive(self, 'transport') && enqueue('forwardToTransport')) },
            TO_SESSION: { actions: enqueueActions(({ enqueue, self }) => childAlive(self, 'session') && enqueue('forwardToSession')) },
            STOP: { target: '.stopping', actions: [assign({ stopRequested: true, reason: ({ event }) => event.reason }), sendTo('session', ({ event }) => ({ type: 'STOP_REQUEST', reason: event.reason }))] },
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
                    assign({ end: 'Stopped', reason: ({ context }) => `${context.reason}: the session did not end within safe_shutdown_timeout` }),
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
      entry: { type: 'report', params: ({ context }) => ({ layer: 'runtime', state: 'backoff', level: 'warn' as const, details: { reason: context.reason, attempt: context.attempts } }) },
      always: { guard: 'gaveUp', target: 'ended', actions: assign({ end: 'GaveUp' }) },
      after: { backoff: 'connecting' },
      on: { STOP: { target: 'ended', actions: assign({ end: 'Stopped', reason: ({ event }) => event.reason }) } },
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
      entry: { type: 'report', params: ({ context }) => ({ layer: 'runtime', state: 'ended', details: { end: context.end ?? 'Stopped', reason: context.reason } }) },
    },
  },
  output: ({ context }) => ({
    end: context.end ?? 'Stopped',
    reason: context.reason,
    sessions: context.sessions,
    ...(context.sessionOutput !== undefined ? { session: context.sessionOutput } : {}),
  }),
});
