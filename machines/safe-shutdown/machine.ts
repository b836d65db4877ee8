// SafeShutdownSequence (EV side) as an XState v5 statechart. No I/O: commands
// leave through the actions the runtime provides, facts arrive as events, time
// comes from the actor clock through named delays.
//
//   StoppingCurrent ─current ≤ limit─▶ OpeningContactors ─open─▶ WaitingForSafeVoltage ─< 60 V─▶ Unlocking ─unlocked─▶ Finished
//        │ deadline (fault, open anyway)      │ deadline: welded             │ deadline                      │ fault/deadline
//        ▼                                    ▼                              ▼                               ▼
//   OpeningContactors                    FaultLocked  ◀──────────────────────┘                        FinishedWithFault
//
// Order and timing follow the DIN 70121 / ISO 15118-2 end of charge (PowerDelivery
// stop → state B → contactors open → WeldingDetection → unlock), and pyPLC's and
// ccs32clara's SafeShutdownSequence (state B, wait 2 s, open contactors, wait 1 s,
// unlock) — but waiting on measured facts where the hardware has sensors, with
// each wait bounded by a named deadline.
import { assign, enqueueActions, setup } from 'xstate';
import type { LockState } from '../../src/ports/hardware.js';
import type { StatusUpdate } from '../../src/status.js';
import { safeShutdownDefaults, type SafeShutdownTimings } from '../../src/domain/safety/timing.js';

export { safeShutdownBudgetMs, safeShutdownDefaults, type SafeShutdownTimings } from '../../src/domain/safety/timing.js';

export type SafeShutdownFaultCode = 'CURRENT_DID_NOT_DROP' | 'CONTACTORS_DID_NOT_OPEN' | 'INLET_VOLTAGE_NOT_SAFE' | 'UNLOCK_FAILED';

export interface SafeShutdownFault {
  readonly code: SafeShutdownFaultCode;
  readonly message: string;
}

export interface SafeShutdownInput {
  readonly timings?: Partial<SafeShutdownTimings>;
  /** Which facts the hardware can report; without a sensor the machine falls back to fixed waits. */
  readonly hasCurrentSensor: boolean;
  readonly hasInletVoltageSensor: boolean;
  readonly hasLock: boolean;
  /** Whether a V2G session can still carry a stop request to the charger. */
  readonly sessionAlive: boolean;
  /** Last known facts when the shutdown starts. */
  readonly amps?: number;
  readonly inletVolts?: number;
  readonly contactorsClosed?: boolean;
  readonly lock?: LockState;
  /** Why the shutdown runs (logged and reported). */
  readonly reason?: string;
}

export type SafeShutdownEvent =
  | { type: 'CURRENT'; amps: number }
  | { type: 'INLET_VOLTAGE'; volts: number }
  | { type: 'CONTACTORS'; closed: boolean }
  | { type: 'LOCK'; state: LockState }
  | { type: 'SESSION_DEAD' };

export interface SafeShutdownContext {
  readonly t: SafeShutdownTimings;
  readonly hasCurrentSensor: boolean;
  readonly hasInletVoltageSensor: boolean;
  readonly hasLock: boolean;
  sessionAlive: boolean;
  cpStateBSet: boolean;
  amps: number;
  inletVolts: number;
  contactorsClosed: boolean;
  lock: LockState | undefined;
  readonly reason: string;
  faults: SafeShutdownFault[];
  end: SafeShutdownOutput['endState'];
}

export interface SafeShutdownOutput {
  /** 'Finished' (unlocked, state B), 'FinishedWithFault' (state B, lock fault), 'FaultLocked' (stays locked: contactors or voltage not safe). */
  readonly endState: 'Finished' | 'FinishedWithFault' | 'FaultLocked';
  readonly faults: readonly SafeShutdownFault[];
}

export const safeShutdownMachine = setup({
  types: {
    input: {} as SafeShutdownInput,
    context: {} as SafeShutdownContext,
    events: {} as SafeShutdownEvent,
    output: {} as SafeShutdownOutput,
  },
  actions: {
    /** Ask the charger, through the live V2G session, to stop (PowerDelivery stop / current target 0 A). */
    requestStopViaSession: () => {},
    /** Set the EV's own current request to 0 A (what the session, if any, would send next). */
    requestZeroCurrent: () => {},
    /** Switch the CP to state B: the hardware-level stop the charger must obey (IEC 61851-1 C → B). */
    setCpStateB: () => {},
    openContactors: () => {},
    unlockConnector: () => {},
    report: (_, _params: StatusUpdate) => {},
    logFault: (_, _params: SafeShutdownFault) => {},
    recordFault: assign({ faults: ({ context }, f: SafeShutdownFault) => [...context.faults, f] }),
    markCpB: assign({ cpStateBSet: true }),
    takeFact: assign(({ context, event }) => {
      switch (event.type) {
        case 'CURRENT':
          return { ...context, amps: event.amps };
        case 'INLET_VOLTAGE':
          return { ...context, inletVolts: event.volts };
        case 'CONTACTORS':
          return { ...context, contactorsClosed: event.closed };
        case 'LOCK':
          return { ...context, lock: event.state };
        case 'SESSION_DEAD':
          return { ...context, sessionAlive: false };
      }
    }),
  },
  guards: {
    currentLow: ({ context }) => context.hasCurrentSensor && Math.abs(context.amps) <= context.t.currentLimit,
    contactorsOpen: ({ context }) => !context.contactorsClosed,
    voltageSafe: ({ context }) => context.hasInletVoltageSensor && context.inletVolts < context.t.safeVoltage,
    noVoltageSensor: ({ context }) => !context.hasInletVoltageSensor,
    noLock: ({ context }) => !context.hasLock,
    unlocked: ({ context }) => context.lock === 'unlocked',
    lockFailed: ({ context }) => context.lock === 'fault',
  },
  delays: {
    currentDropDeadline: ({ context }) => context.t.currentDropDeadline,
    contactorOpenDeadline: ({ context }) => context.t.contactorOpenDeadline,
    safeVoltageDeadline: ({ context }) => context.t.safeVoltageDeadline,
    dischargeWaitWithoutSensor: ({ context }) => context.t.dischargeWaitWithoutSensor,
    unlockDeadline: ({ context }) => context.t.unlockDeadline,
  },
}).createMachine({
  id: 'safeShutdown',
  context: ({ input }) => ({
    t: { ...safeShutdownDefaults, ...input.timings },
    hasCurrentSensor: input.hasCurrentSensor,
    hasInletVoltageSensor: input.hasInletVoltageSensor,
    hasLock: input.hasLock,
    sessionAlive: input.sessionAlive,
    cpStateBSet: false,
    amps: input.amps ?? 0,
    // Unknown voltage is treated as unsafe until measured.
    inletVolts: input.inletVolts ?? Number.POSITIVE_INFINITY,
    contactorsClosed: input.contactorsClosed ?? true,
    lock: input.lock,
    reason: input.reason ?? 'stop',
    faults: [],
    end: 'FaultLocked',
  }),
  // Facts are taken in every state; each state re-evaluates its exit conditions on them.
  on: {
    CURRENT: { actions: 'takeFact' },
    INLET_VOLTAGE: { actions: 'takeFact' },
    CONTACTORS: { actions: 'takeFact' },
    LOCK: { actions: 'takeFact' },
    SESSION_DEAD: { actions: 'takeFact' },
  },
  initial: 'StoppingCurrent',
  states: {
    StoppingCurrent: {
      entry: [
        { type: 'report', params: ({ context }) => ({ layer: 'shutdown', state: 'StoppingCurrent', details: { reason: context.reason } }) },
        'requestZeroCurrent',
        enqueueActions(({ context, enqueue }) => {
          if (context.sessionAlive) enqueue('requestStopViaSession');
        }),
      ],
      always: [
        // Without a session the CP is the only way left to tell the charger to stop.
        { guard: ({ context }) => !context.sessionAlive && !context.cpStateBSet, actions: ['setCpStateB', 'markCpB'] },
        { guard: 'currentLow', target: 'OpeningContactors' },
      ],
      after: {
        currentDropDeadline: [
          // No current sensor: the deadline is the plain wait pyPLC uses (2 s), not a fault.
          { guard: ({ context }) => !context.hasCurrentSensor, target: 'OpeningContactors' },
          {
          target: 'OpeningContactors',
          actions: [
            { type: 'recordFault', params: ({ context }) => currentFault(context) },
            { type: 'logFault', params: ({ context }) => currentFault(context) },
          ],
          },
        ],
      },
    },
    OpeningContactors: {
      entry: [
        // DIN 70121 / ISO 15118-2 [V2G2-848]: state B after the stop, before the contactors open.
        enqueueActions(({ context, enqueue }) => {
          if (!context.cpStateBSet) enqueue('setCpStateB');
        }),
        'markCpB',
        'openContactors',
        { type: 'report', params: { layer: 'shutdown', state: 'OpeningContactors' } },
      ],
      always: { guard: 'contactorsOpen', target: 'WaitingForSafeVoltage' },
      after: {
        contactorOpenDeadline: {
          target: 'FaultLocked',
          actions: [
            { type: 'recordFault', params: { code: 'CONTACTORS_DID_NOT_OPEN', message: 'contactor feedback still closed after the deadline (welded?): connector stays locked' } },
            {
              type: 'logFault',
              params: { code: 'CONTACTORS_DID_NOT_OPEN', message: 'contactor feedback still closed after the deadline (welded?): connector stays locked' },
            },
          ],
        },
      },
    },
    WaitingForSafeVoltage: {
      entry: { type: 'report', params: { layer: 'shutdown', state: 'WaitingForSafeVoltage' } },
      always: [
        // A contactor that closes again (welded contact bouncing back) makes the inlet live again.
        { guard: ({ context }) => context.contactorsClosed, target: 'OpeningContactors' },
        { guard: 'voltageSafe', target: 'Unlocking' },
      ],
      after: {
        dischargeWaitWithoutSensor: { guard: 'noVoltageSensor', target: 'Unlocking' },
        safeVoltageDeadline: {
          target: 'FaultLocked',
          actions: [
            { type: 'recordFault', params: ({ context }) => voltageFault(context) },
            { type: 'logFault', params: ({ context }) => voltageFault(context) },
          ],
        },
      },
    },
    Unlocking: {
      entry: [{ type: 'report', params: { layer: 'shutdown', state: 'Unlocking' } }, enqueueActions(({ context, enqueue }) => {
          if (context.hasLock) enqueue('unlockConnector');
        }),
      ],
      always: [
        { guard: 'noLock', target: 'Finished' },
        { guard: 'unlocked', target: 'Finished' },
        {
          guard: 'lockFailed',
          target: 'FinishedWithFault',
          actions: [
            { type: 'recordFault', params: { code: 'UNLOCK_FAILED', message: 'connector lock reports a fault while unlocking' } },
            { type: 'logFault', params: { code: 'UNLOCK_FAILED', message: 'connector lock reports a fault while unlocking' } },
          ],
        },
      ],
      after: {
        unlockDeadline: {
          target: 'FinishedWithFault',
          actions: [
            { type: 'recordFault', params: { code: 'UNLOCK_FAILED', message: 'no unlock confirmation before the deadline' } },
            { type: 'logFault', params: { code: 'UNLOCK_FAILED', message: 'no unlock confirmation before the deadline' } },
          ],
        },
      },
    },
    /**
     * Defined end state when it is not safe to release the connector: contactors
     * (reported) closed or the inlet still live. The connector stays locked; if the
     * facts later become safe (the voltage bleeds off, the contactor opens), the
     * connector is released then — keeping a user locked out forever is not safer.
     */
    FaultLocked: {
      entry: { type: 'report', params: ({ context }) => ({ layer: 'shutdown', state: 'FaultLocked', details: { faults: context.faults.map((f) => f.code).join(',') } }) },
      always: { guard: ({ context }) => !context.contactorsClosed && context.hasInletVoltageSensor && context.inletVolts < context.t.safeVoltage, target: 'Unlocking' },
    },
    Finished: {
      type: 'final',
      entry: [assign({ end: 'Finished' as const }), { type: 'report', params: { layer: 'shutdown', state: 'Finished' } }],
    },
    FinishedWithFault: {
      type: 'final',
      entry: [assign({ end: 'FinishedWithFault' as const }), { type: 'report', params: ({ context }) => ({ layer: 'shutdown', state: 'FinishedWithFault', details: { faults: context.faults.map((f) => f.code).join(',') } }) }],
    },
  },
  output: ({ context }) => ({
    endState: context.end,
    faults: context.faults,
  }),
});

function currentFault(c: SafeShutdownContext): SafeShutdownFault {
  return { code: 'CURRENT_DID_NOT_DROP', message: `current still ${c.amps} A after ${c.t.currentDropDeadline} ms (limit ${c.t.currentLimit} A): opening the contactors anyway` };
}

function voltageFault(c: SafeShutdownContext): SafeShutdownFault {
  return { code: 'INLET_VOLTAGE_NOT_SAFE', message: `inlet still ${c.inletVolts} V after ${c.t.safeVoltageDeadline} ms (safe below ${c.t.safeVoltage} V): connector stays locked` };
}
