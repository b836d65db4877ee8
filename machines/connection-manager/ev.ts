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
import { defaultConnectionManagerTimings, type ConnectionManagerTimings } from '../../src/connection/timing.js';
import { Checkpoint } from '../../src/checkpoints.js';

export { defaultConnectionManagerTimings, type ConnectionManagerTimings } from '../../src/connection/timing.js';

/** An event the manager passes between its session and transport children (they check the shape). */
export type ChildEvent = { readonly type: string; readonly [k: string]: unknown };

/** The contract of every layer actor's output. */
export type LayerOutput = { readonly ok: true; readonly [fact: string]: unknown } | { readonly ok: false; readonly reason: string; readonly [fact: string]: unknown };

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
  readonly reason: string;
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
  reason: string;
  stopRequested: boolean;
}

type Report = StatusUpdate & { level?: 'debug' | 'info' | 'warn' | 'error' };

const layerFailed = (output: unknown): string | undefined => {
  const o = output as LayerOutput | undefined;
  if (!o || typeof o !== 'object') return 'layer ended without output';
  return o.ok ? undefined : String(o.reason);
};

/** Whether the invoked child `id` is still running. */
export function childAlive(self: AnyActorRef, id: string): boolean {
  const child = (self.getSnapshot() as { children: Record<string, AnyActorRef | undefined> }).children[id];
  return child?.getSnapshot().status === 'active';
}

/** Placeholder actors: the runtime must provide every one of them. They fail loudly if it forgot. */
const missing = (name: string) => fromPromise<LayerOutput, unknown>(async () => ({ ok: false, reason: `actor '${name}' not provided by the runtime` }));

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
    gaveUp: ({ context }) => context.t.maxAttempts > 0 && context.attempts >= context.t.maxAttempts,
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
    reason: '',
    stopRequested: false,
  }),
  initial: 'init',
  on: {
    HEARTBEAT: {},
    // States that do not react to the plug still keep the fact.
    PLUGGED: { actions: assign({ plugged: true }) },
    UNPLUGGED: { actions: assign({ plugged: false }) },
    // From any state (the session child, if any, is stopped by leaving it): the hardware is made safe.
    FAULT: { target: '#evConnectionManager.safeShutdown', actions: assign({ reason: ({ event }) => event.reason }) },
  },
  states: {
    init: {
      always: [{ guard: ({ context }) => context.plugged, target: 'connecting' }, { target: 'waitForPlug' }],
    },
    waitForPlug: {
      entry: { type: 'report', params: { layer: 'runtime', state: 'waitForPlug', checkpoint: Checkpoint.PlugInserted } },
      on: {
        PLUGGED: { target: 'connecting', actions: assign({ plugged: true }) },
        STOP: { target: 'ended', actions: assign({ end: 'Stopped', reason: ({ event }) => event.reason }) },
      },
    },
    connecting: {
      entry: assign({ attempts: ({ context }) => context.attempts + 1, secc: undefined, connection: undefined }),
      initial: 'modem',
      on: {
        UNPLUGGED: { target: 'safeShutdown', actions: assign({ reason: 'unplugged', plugged: false }) },
        STOP: { target: 'safeShutdown', actions: assign({ reason: ({ event }) => event.reason, stopRequested: true }) },
      },
      states: {
        modem: {
          entry: { type: 'report', params: ({ context }) => ({ layer: 'modem', state: 'searching', checkpoint: Checkpoint.EvModemWakes, details: { attempt: context.attempts } }) },
          invoke: {
            src: 'modem',
            onDone: [
              { guard: ({ event }) => layerFailed(event.output) !== undefined, target: '#evConnectionManager.backoff', actions: assign({ reason: ({ event }) => `modem: ${layerFailed(event.output)}` }) },
              { target: 'slac' },
            ],
            onError: { target: '#evConnectionManager.backoff', actions: assign({ reason: ({ event }) => `modem actor crashed: ${String(event.error)}` }) },
          },
        },
        slac: {
          entry: { type: 'report', params: { layer: 'slac', state: 'start', checkpoint: Checkpoint.SlacParmReq } },
          invoke: {
            src: 'slac',
            onDone: [
              { guard: ({ event }) => layerFailed(event.output) !== undefined, target: '#evConnectionManager.backoff', actions: assign({ reason: ({ event }) => `SLAC: ${layerFailed(event.output)}` }) },
              { target: 'sdp', actions: { type: 'report', params: { layer: 'slac', state: 'matched', checkpoint: Checkpoint.AvlnFormed } } },
            ],
            onError: { target: '#evConnectionManager.backoff', actions: assign({ reason: ({ event }) => `SLAC actor crashed: ${String(event.error)}` }) },
          },
        },
        sdp: {
          invoke: {
            src: 'sdp',
            input: ({ context }: { context: Context }) => context.inputs.sdp?.() ?? {},
            onDone: [
              { guard: ({ event }) => layerFailed(event.output) !== undefined, target: '#evConnectionManager.backoff', actions: assign({ reason: ({ event }) => `SDP: ${layerFailed(event.output)}` }) },
              {
                target: 'tcp',
                actions: assign({
                  secc: ({ event }) => {
                    const o = event.output as { address: string; port: number };
                    return { address: o.address, port: o.port };
                  },
                }),
              },
            ],
            onError: { target: '#evConnectionManager.backoff', actions: assign({ reason: ({ event }) => `SDP actor crashed: ${String(event.error)}` }) },
          },
        },
        tcp: {
          entry: { type: 'report', params: ({ context }) => ({ layer: 'tcp', state: 'connecting', checkpoint: Checkpoint.TcpSyn, details: { secc: context.secc?.address ?? '', port: context.secc?.port ?? 0 } }) },
          invoke: {
            src: 'tcp',
            input: ({ context }: { context: Context }) => context.secc,
            onDone: [
              { guard: ({ event }) => layerFailed(event.output) !== undefined, target: '#evConnectionManager.backoff', actions: assign({ reason: ({ event }) => `TCP: ${layerFailed(event.output)}` }) },
              {
                target: 'session',
                actions: [
                  assign({ connection: ({ event }) => (event.output as { connection: unknown }).connection }),
                  { type: 'report', params: ({ context }) => ({ layer: 'tcp', state: 'connected', checkpoint: Checkpoint.TcpEstablished, details: { secc: context.secc?.address ?? '', port: context.secc?.port ?? 0 } }) },
                ],
              },
            ],
            onError: { target: '#evConnectionManager.backoff', actions: assign({ reason: ({ event }) => `TCP actor crashed: ${String(event.error)}` }) },
          },
        },
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
                  actions: assign({ sessionOutput: ({ event }) => event.output, end: 'ChargingFinished', reason: ({ event }) => String((event.output as { reason?: string }).reason ?? 'ChargingFinished') }),
                },
                {
                  // The session machine already ran (or requested) its own SafeShutdown; make sure it completes.
                  target: '#evConnectionManager.safeShutdown',
                  actions: assign({ sessionOutput: ({ event }) => event.output, reason: ({ event }) => String((event.output as { reason?: string } | undefined)?.reason ?? 'session ended') }),
                },
              ],
              onError: { target: '#evConnectionManager.safeShutdown', actions: assign({ reason: ({ event }) => `session actor crashed: ${String(event.error)}` }) },
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
      entry: { type: 'report', params: ({ context }) => ({ layer: 'runtime', state: 'backoff', level: 'warn' as const, details: { reason: context.reason, attempt: context.attempts } }) },
      always: { guard: 'gaveUp', target: 'ended', actions: assign({ end: 'GaveUp' }) },
      after: { backoff: 'connecting' },
      on: {
        UNPLUGGED: { target: 'waitForPlug', actions: assign({ attempts: 0, plugged: false }) },
        STOP: { target: 'ended', actions: assign({ end: 'Stopped', reason: ({ event }) => event.reason }) },
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
        STOP: { target: 'ended', actions: assign({ reason: ({ event }) => event.reason }) },
      },
    },
    ended: {
      type: 'final',
      entry: { type: 'report', params: ({ context }) => ({ layer: 'runtime', state: 'ended', details: { end: context.end ?? 'Stopped', reason: context.reason } }) },
    },
  },
  output: ({ context }) => ({
    end: context.end ?? 'Stopped',
    reason: context.reason,
    attempts: context.attempts,
    ...(context.sessionOutput !== undefined ? { session: context.sessionOutput } : {}),
  }),
});
