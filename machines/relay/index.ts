// The relay statechart (tsplc relay, docs/relay.md): a man in the middle between a car and a
// charger. Towards the car the relay is a charger (the 'carLeg' actor: SLAC as EVSE, SDP server,
// TCP server), towards the charger a car (the 'chargerLeg' actor: SLAC as EV, SDP client, TCP
// client). Both legs are invoked for the relay's whole life and are provided by the runtime; this
// machine does no I/O: the legs send it CAR.* / CHARGER.* events and get LEG.* commands, and every
// message leaves through the provided 'forward' action.
//
//   linking ── CAR.LINKED ─▶ chargerLeg LEG.START (the car is there: bring the charger leg up)
//           ── CHARGER.CONNECTED ─▶ carLeg LEG.OPEN (SDP and TCP towards the car only now, so the
//              car's first request finds the charger already connected)
//           ── CAR.CONNECTED ─▶ relaying
//   relaying: request (car) → forward → response (charger) → forward, strictly alternating; the
//           original bytes unless a rule changed the message (src/tools/relay/forward.ts)
//   ending (parallel), entered on a stop, a lost leg, a timeout or the end of the session:
//     charger region: the charger's current to zero through the protocol — CurrentDemandReq/
//           PreChargeReq with 0 A, PowerDeliveryReq stop, SessionStopReq (src/tools/relay/session.ts) —
//           each awaited (stopResponseTimeout), then the TCP close; nothing when the charger leg is gone
//     car region: the car's pending and following requests are answered with EVSE_Shutdown (a stop)
//           or EVSE_EmergencyShutdown (the charger leg failed) for carAnswerWindow, and its TCP
//           connection is closed only once the charger region is done (current to zero first)
import { assign, fromCallback, sendTo, setup, type AnyActorLogic } from 'xstate';
import type { CodecError } from '../../src/result.js';
import type { V2gDocument } from '../../src/domain/v2g/document.js';
import { defaultRelayTimings, type RelayTimings } from '../../src/tools/relay/timing.js';
import { ownMessage, relayMessage, type Forwarded, type Leg, type RelayCodec } from '../../src/tools/relay/forward.js';
import { carShutdownResponse, chargerStopRequests, RelayTracker, type RelayPhase, type ShutdownStatus, type StopRequest } from '../../src/tools/relay/session.js';
import type { RelayRule } from '../../src/tools/relay/rules.js';

export { defaultRelayTimings, type RelayTimings } from '../../src/tools/relay/timing.js';

export interface RelayInput {
  readonly codec: RelayCodec;
  readonly rules?: readonly RelayRule[];
  readonly timings?: Partial<RelayTimings>;
}

/** Why the relay ends. */
export type RelayEnd = 'SessionStopped' | 'Stopped' | 'CarLegFailed' | 'ChargerLegFailed' | 'LinkTimeout';

export interface RelayOutput {
  readonly end: RelayEnd;
  readonly reason: string;
  /** The phase the session was in when the end began. */
  readonly phase: RelayPhase;
  /** The relay's own requests to the charger, in order (the safe stop). */
  readonly chargerStop: readonly string[];
  /** The relay's own answers to the car, in order (EVSE_Shutdown / EVSE_EmergencyShutdown). */
  readonly carAnswers: readonly string[];
  /** Messages relayed in each direction. */
  readonly relayed: { readonly toCharger: number; readonly toCar: number };
}

export type RelayEvent =
  | { type: 'CAR.LINKED' }
  | { type: 'CAR.CONNECTED'; remoteAddress?: string }
  | { type: 'CAR.MESSAGE'; payload: Uint8Array; at: number }
  | { type: 'CAR.DOWN'; reason: string }
  | { type: 'CHARGER.CONNECTED'; remoteAddress?: string }
  | { type: 'CHARGER.MESSAGE'; payload: Uint8Array; at: number }
  | { type: 'CHARGER.DOWN'; reason: string }
  | { type: 'STOP'; reason: string };

/** Commands to a leg actor. */
export type LegCommand = { type: 'LEG.START' } | { type: 'LEG.OPEN' } | { type: 'LEG.CLOSE'; reason: string };

/** What the runtime logs; `level` as the log line's. */
export interface RelayReport {
  readonly state: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

interface Context {
  readonly t: RelayTimings;
  readonly codec: RelayCodec;
  readonly rules: readonly RelayRule[];
  readonly tracker: RelayTracker;
  chargerConnected: boolean;
  carConnected: boolean;
  carGone: boolean;
  chargerGone: boolean;
  /** The charger region of the end is through (stop sent and answered, or the leg gone). */
  chargerDone: boolean;
  end?: RelayEnd;
  reason: string;
  phase: RelayPhase;
  /** The car's request waiting for its answer (to answer it ourselves when the charger cannot). */
  carRequest?: V2gDocument;
  stopQueue: StopRequest[];
  chargerStop: string[];
  carAnswers: string[];
  toCharger: number;
  toCar: number;
}

/** forward params: the message and when its original arrived (undefined for the relay's own). */
export type ForwardParams = Forwarded & { readonly receivedAt?: number };

const endWith = (end: RelayEnd, reason: (e: RelayEvent) => string) =>
  io.assign(({ context, event }: { context: Context; event: RelayEvent }) => ({
    end: context.end ?? end,
    reason: context.end ? context.reason : reason(event),
    phase: context.tracker.phase,
    ...(event.type === 'CAR.DOWN' ? { carGone: true } : {}),
    ...(event.type === 'CHARGER.DOWN' ? { chargerGone: true } : {}),
  }));

const downReason = (e: RelayEvent): string => ('reason' in e ? e.reason : e.type);

/** The two effects the runtime provides; the enqueueing actions below are typed against them. */
const io = setup({
  types: { input: {} as RelayInput, context: {} as Context, events: {} as RelayEvent, output: {} as RelayOutput },
  actions: {
    /** Write a message to a leg (runtime: V2GTP framing, the socket write, the delay, record, live line). */
    forward: (_, _params: ForwardParams) => {},
    report: (_, _params: RelayReport) => {},
  },
});

const relayRequest = io.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'CAR.MESSAGE') return;
    const f = relayMessage(context.tracker, context.codec, context.rules, 'car', event.payload);
    enqueue.assign({ carRequest: f.doc, toCharger: context.toCharger + 1 });
    enqueue({ type: 'forward', params: { ...f, receivedAt: event.at } });
  });

const relayResponse = io.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'CHARGER.MESSAGE') return;
    const f = relayMessage(context.tracker, context.codec, context.rules, 'charger', event.payload);
    enqueue.assign({ carRequest: undefined, toCar: context.toCar + 1 });
    enqueue({ type: 'forward', params: { ...f, receivedAt: event.at } });
  });

const recordLate = io.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'CHARGER.MESSAGE') return;
    const d = context.codec.decode(context.tracker.schema, event.payload);
    if (d.ok) context.tracker.response(d.value);
    enqueue({ type: 'report', params: { state: 'charger response after the end began: recorded, not forwarded', level: 'info', details: { bytes: event.payload.length } } });
  });

const sendStopRequest = io.enqueueActions(({ context, enqueue }) => {
    const [head, ...rest] = context.stopQueue;
    if (!head) return;
    const m = ownMessage(context.codec, 'charger', head.schema, head.doc);
    enqueue.assign({ stopQueue: rest, chargerStop: [...context.chargerStop, head.name] });
    if (!m.ok) {
      enqueue({ type: 'report', params: { state: `cannot encode the relay's ${head.name}`, level: 'error', details: { code: m.error.code, message: m.error.message } } });
      return;
    }
    context.tracker.request(head.doc);
    enqueue({ type: 'forward', params: m.value });
  });

const recordStopResponse = io.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'CHARGER.MESSAGE') return;
    const d = context.codec.decode(context.tracker.schema, event.payload);
    if (d.ok) context.tracker.response(d.value);
    enqueue({ type: 'report', params: { state: 'charger answered the relay\'s stop request', level: 'info', details: { response: d.ok ? nameOf(d.value) : `undecodable: ${(d as { error: CodecError }).error.code}` } } });
  });

const answerPendingCarRequest = io.enqueueActions(({ context, enqueue }) => {
    if (!context.carRequest) return;
    const a = answer(context, context.carRequest);
    enqueue.assign({ carRequest: undefined, ...(a ? { carAnswers: [...context.carAnswers, a.name] } : {}) });
    if (a) enqueue({ type: 'forward', params: a });
  });

const answerCar = io.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'CAR.MESSAGE') return;
    const d = context.codec.decode(context.tracker.schema, event.payload);
    if (!d.ok) {
      enqueue({ type: 'report', params: { state: 'undecodable car request during the end: not answered', level: 'warn', details: { code: d.error.code } } });
      return;
    }
    const a = answer(context, d.value);
    if (!a) return;
    enqueue.assign({ carAnswers: [...context.carAnswers, a.name] });
    enqueue({ type: 'forward', params: a });
  });

export const relayMachine = setup({
  types: { input: {} as RelayInput, context: {} as Context, events: {} as RelayEvent, output: {} as RelayOutput },
  actions: {
    forward: (_, _params: ForwardParams) => {},
    report: (_, _params: RelayReport) => {},
    relayRequest,
    relayResponse,
    recordLate,
    sendStopRequest,
    recordStopResponse,
    answerPendingCarRequest,
    answerCar,
  },
  actors: {
    carLeg: fromCallback<LegCommand>(() => () => {}) as AnyActorLogic,
    chargerLeg: fromCallback<LegCommand>(() => () => {}) as AnyActorLogic,
  },
  delays: {
    V2G_SECC_Sequence_Timeout: ({ context }) => context.t.V2G_SECC_Sequence_Timeout,
    chargerResponseTimeout: ({ context }) => context.t.chargerResponseTimeout,
    stopResponseTimeout: ({ context }) => context.t.stopResponseTimeout,
    carAnswerWindow: ({ context }) => context.t.carAnswerWindow,
    linkTimeout: ({ context }) => context.t.linkTimeout,
  },
  guards: {
    chargerGone: ({ context }) => context.chargerGone,
    carGone: ({ context }) => context.carGone,
    // Nothing to answer: no connection from the car yet, the session ended, or the car is the one that failed.
    carIdle: ({ context }) => !context.carConnected || context.end === 'SessionStopped' || context.end === 'CarLegFailed',
    chargerWaitsNothing: ({ context }) => context.tracker.pending === undefined,
    stopQueueEmpty: ({ context }) => context.stopQueue.length === 0,
  },
}).createMachine({
  id: 'relay',
  context: ({ input }) => ({
    t: { ...defaultRelayTimings, ...input.timings },
    codec: input.codec,
    rules: input.rules ?? [],
    tracker: new RelayTracker(),
    chargerConnected: false,
    carConnected: false,
    carGone: false,
    chargerGone: false,
    chargerDone: false,
    reason: '',
    phase: 'handshake',
    stopQueue: [],
    chargerStop: [],
    carAnswers: [],
    toCharger: 0,
    toCar: 0,
  }),
  invoke: [
    { id: 'carLeg', src: 'carLeg' },
    { id: 'chargerLeg', src: 'chargerLeg' },
  ],
  initial: 'linking',
  states: {
    linking: {
      entry: { type: 'report', params: { state: 'linking: waiting for a car', level: 'info' } },
      on: {
        'CAR.LINKED': { target: '.legs', actions: [sendTo('chargerLeg', { type: 'LEG.START' }), { type: 'report', params: { state: 'car leg SLAC matched: bringing the charger leg up', level: 'info' } }] },
        'CHARGER.CONNECTED': {
          actions: [assign({ chargerConnected: true }), sendTo('carLeg', { type: 'LEG.OPEN' }), { type: 'report', params: { state: 'charger leg connected: offering SDP and TCP to the car', level: 'info' } }],
        },
        'CAR.CONNECTED': { guard: ({ context }) => context.chargerConnected, target: 'relaying', actions: assign({ carConnected: true }) },
        'CAR.DOWN': { target: 'ending', actions: endWith('CarLegFailed', downReason) },
        'CHARGER.DOWN': { target: 'ending', actions: endWith('ChargerLegFailed', downReason) },
        STOP: { target: 'ending', actions: endWith('Stopped', downReason) },
      },
      initial: 'car',
      states: {
        // No bound: the relay waits for a car as a charger does (the car leg retries SLAC).
        car: {},
        // A car is there: both legs must be up within linkTimeout.
        legs: { after: { linkTimeout: { target: '#relay.ending', actions: endWith('LinkTimeout', () => 'both legs not up within linkTimeout') } } },
      },
    },
    relaying: {
      entry: { type: 'report', params: { state: 'relaying', level: 'info' } },
      on: {
        'CAR.DOWN': { target: 'ending', actions: endWith('CarLegFailed', downReason) },
        'CHARGER.DOWN': { target: 'ending', actions: endWith('ChargerLegFailed', downReason) },
        STOP: { target: 'ending', actions: endWith('Stopped', downReason) },
      },
      initial: 'waitRequest',
      states: {
        waitRequest: {
          on: { 'CAR.MESSAGE': { target: 'waitResponse', actions: 'relayRequest' } },
          after: { V2G_SECC_Sequence_Timeout: { target: '#relay.ending', actions: endWith('CarLegFailed', () => 'no request from the car within V2G_SECC_Sequence_Timeout') } },
        },
        waitResponse: {
          on: {
            'CHARGER.MESSAGE': { target: 'responded', actions: 'relayResponse' },
            // A car that sends again before the answer (not allowed, V2G is request/response): forwarded, the charger judges.
            'CAR.MESSAGE': { actions: 'relayRequest' },
          },
          after: { chargerResponseTimeout: { target: '#relay.ending', actions: endWith('ChargerLegFailed', () => 'no response from the charger within chargerResponseTimeout') } },
        },
        // After a response went to the car: the end of the session, or the car's turn (or the answer to a second request still due).
        responded: {
          always: [
            { guard: ({ context }) => context.tracker.sessionStopped, target: '#relay.ending', actions: endWith('SessionStopped', () => 'SessionStop') },
            { guard: ({ context }) => context.tracker.pending !== undefined, target: 'waitResponse' },
            { target: 'waitRequest' },
          ],
        },
      },
    },
    ending: {
      type: 'parallel',
      entry: [
        { type: 'report', params: ({ context }) => ({ state: 'ending', level: context.end === 'SessionStopped' ? ('info' as const) : ('warn' as const), details: { end: context.end ?? '', reason: context.reason, phase: context.phase } }) },
      ],
      states: {
        charger: {
          initial: 'decide',
          on: { 'CHARGER.DOWN': { target: '.done', actions: assign({ chargerGone: true }) } },
          states: {
            decide: { always: [{ guard: 'chargerGone', target: 'done' }, { guard: 'chargerWaitsNothing', target: 'plan' }, { target: 'drain' }] },
            // The car's last request is still at the charger: its answer comes first (and is recorded, not forwarded).
            drain: {
              on: { 'CHARGER.MESSAGE': { target: 'plan', actions: 'recordLate' } },
              after: { stopResponseTimeout: 'plan' },
            },
            // Planned after the drain: a SessionSetupRes that arrived there gave the session its SessionID.
            plan: {
              entry: assign(({ context }) => {
                const q = chargerStopRequests(context.tracker);
                return { stopQueue: q.ok ? q.value : [] };
              }),
              always: 'next',
            },
            next: { always: [{ guard: 'stopQueueEmpty', target: 'closing' }, { target: 'sending' }] },
            sending: {
              entry: 'sendStopRequest',
              on: { 'CHARGER.MESSAGE': { target: 'next', actions: 'recordStopResponse' } },
              after: {
                stopResponseTimeout: {
                  target: 'closing',
                  actions: { type: 'report', params: ({ context }) => ({ state: 'charger did not answer the relay\'s stop request', level: 'warn' as const, details: { request: context.chargerStop[context.chargerStop.length - 1] ?? '' } }) },
                },
              },
            },
            closing: { entry: sendTo('chargerLeg', ({ context }) => ({ type: 'LEG.CLOSE' as const, reason: context.reason })), always: 'done' },
            done: { type: 'final', entry: assign({ chargerDone: true }) },
          },
        },
        car: {
          initial: 'decide',
          on: { 'CAR.DOWN': { target: '.done', actions: assign({ carGone: true }) } },
          states: {
            decide: { always: [{ guard: 'carGone', target: 'done' }, { guard: 'carIdle', target: 'waitCharger' }, { target: 'answering', actions: 'answerPendingCarRequest' }] },
            answering: {
              on: { 'CAR.MESSAGE': { actions: 'answerCar' } },
              always: { guard: ({ context }) => context.carAnswers[context.carAnswers.length - 1] === 'SessionStopRes', target: 'waitCharger' },
              after: { carAnswerWindow: 'waitCharger' },
            },
            // Close towards the car only once the charger region is done (its current is zero first).
            waitCharger: {
              on: { 'CAR.MESSAGE': { actions: 'answerCar' } },
              always: { guard: ({ context }) => context.chargerDone, target: 'closing' },
            },
            closing: { entry: sendTo('carLeg', ({ context }) => ({ type: 'LEG.CLOSE' as const, reason: context.reason })), always: 'done' },
            done: { type: 'final' },
          },
        },
      },
      onDone: 'ended',
    },
    ended: {
      type: 'final',
      entry: { type: 'report', params: ({ context }) => ({ state: 'ended', level: 'info' as const, details: { end: context.end ?? 'Stopped', reason: context.reason, chargerStop: context.chargerStop.join(','), carAnswers: context.carAnswers.join(',') } }) },
    },
  },
  output: ({ context }) => ({
    end: context.end ?? 'Stopped',
    reason: context.reason,
    phase: context.phase,
    chargerStop: context.chargerStop,
    carAnswers: context.carAnswers,
    relayed: { toCharger: context.toCharger, toCar: context.toCar },
  }),
})

const nameOf = (doc: V2gDocument): string => ('V2G_Message' in doc ? (Object.keys(doc.V2G_Message.Body)[0] ?? '') : (Object.keys(doc)[0] ?? ''));

/** EVSE_Shutdown after a stop, EVSE_EmergencyShutdown when the charger leg failed (no charger behind the relay any more). */
function statusFor(context: Context): ShutdownStatus {
  return context.end === 'Stopped' ? 'EVSE_Shutdown' : 'EVSE_EmergencyShutdown';
}

function answer(context: Context, request: V2gDocument): ForwardParams | undefined {
  const r = carShutdownResponse(context.tracker, request, statusFor(context));
  if (!r.ok) return undefined;
  const m = ownMessage(context.codec, 'car', r.value.schema, r.value.doc);
  return m.ok ? m.value : undefined;
}

export type { Forwarded, Leg };
