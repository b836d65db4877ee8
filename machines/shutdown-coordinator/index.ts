// Who runs the SafeShutdownSequence, and who gets told that it ended. Both the session (its own
// stop path: EVSE_Shutdown, a timeout, a fault) and the connection manager (unplug, STOP, a crashed
// session: its `safeShutdown` state) ask for it, often one right after the other. There must be one
// sequence at a time (two would fight over the contactors and the lock), and the manager, which
// waits in `safeShutdown` for SAFE_SHUTDOWN.DONE, must get exactly one answer per wait — also when
// the session's sequence had already ended before the manager asked.
//
// Pure: the runtime provides `startSequence` (start the sequence on the hardware; it answers with
// SEQUENCE.SETTLED) and `answerManager` (send SAFE_SHUTDOWN.DONE to the manager). No timers: the
// sequence has its own (machines/safe-shutdown) and the manager its safe_shutdown_timeout.
import { assign, setup } from 'xstate';

export type ShutdownRequester = 'session' | 'manager';

/** The end of one sequence, as far as the manager needs it. */
export interface SequenceResult {
  readonly ok: boolean;
}

export type ShutdownCoordinatorEvent =
  | { type: 'REQUEST'; from: ShutdownRequester; reason: string }
  | { type: 'SEQUENCE.SETTLED'; result: SequenceResult }
  /** A new session began: an answer kept from the previous session's sequence is stale. */
  | { type: 'SESSION.STARTED' };

interface Context {
  /** The manager asked during the present run and waits for its end. */
  managerWaiting: boolean;
  /** The last run's result (answers a manager that asks after the session's run settled). */
  last?: SequenceResult;
  runs: number;
}

const managerAsks = ({ event }: { event: ShutdownCoordinatorEvent }): boolean => event.type === 'REQUEST' && event.from === 'manager';

export const shutdownCoordinatorMachine = setup({
  types: {
    context: {} as Context,
    events: {} as ShutdownCoordinatorEvent,
  },
  actions: {
    startSequence: (_, _params: { reason: string }) => {},
    answerManager: (_, _params: SequenceResult) => {},
  },
  guards: {
    managerAsks,
    managerWaiting: ({ context }) => context.managerWaiting,
  },
}).createMachine({
  id: 'shutdownCoordinator',
  context: { managerWaiting: false, runs: 0 },
  initial: 'idle',
  states: {
    idle: {
      on: {
        REQUEST: {
          target: 'running',
          actions: [
            assign({ managerWaiting: ({ event }) => event.from === 'manager', runs: ({ context }) => context.runs + 1 }),
            { type: 'startSequence', params: ({ event }) => ({ reason: event.reason }) },
          ],
        },
      },
    },
    running: {
      tags: ['running'],
      on: {
        // Joins the run in progress; the manager is answered when it ends.
        REQUEST: { guard: 'managerAsks', actions: assign({ managerWaiting: true }) },
        'SEQUENCE.SETTLED': [
          { guard: 'managerWaiting', target: 'idle', actions: [assign({ last: ({ event }) => event.result, managerWaiting: false }), { type: 'answerManager', params: ({ event }) => event.result }] },
          // The session asked and its run ended first: the manager's request that follows is answered by it.
          { target: 'settledForSession', actions: assign({ last: ({ event }) => event.result }) },
        ],
      },
    },
    settledForSession: {
      on: {
        REQUEST: [
          { guard: 'managerAsks', target: 'idle', actions: { type: 'answerManager', params: ({ context }) => context.last ?? { ok: false } } },
          {
            target: 'running',
            actions: [assign({ managerWaiting: false, runs: ({ context }) => context.runs + 1 }), { type: 'startSequence', params: ({ event }) => ({ reason: event.reason }) }],
          },
        ],
        'SESSION.STARTED': 'idle',
      },
    },
  },
});
