// Runs the SafeShutdownSequence directly on the EV hardware ports. The runtime
// hands the ports over at start-up, so the shutdown keeps working when the
// session actor has died: it needs nothing from the session but an optional
// "please stop" callback.
import { createActor, type Actor, type ActorOptions, type AnyActorLogic } from 'xstate';
import type { Subscription } from 'rxjs';
import type { EvHardware, LockState } from '../../src/ports/hardware.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { publishSafetyFault } from '../../src/domain/safety/events.js';
import type { StatusUpdate } from '../../src/status.js';
import { safeShutdownMachine, type SafeShutdownEvent, type SafeShutdownOutput, type SafeShutdownTimings } from './machine.js';
import { errorMessage } from '../../src/errors.js';

export * from './machine.js';

/** What the live V2G session offers the shutdown (both may fail: the session may be gone). */
export interface SessionStopHandle {
  alive(): boolean;
  /** Make the session send PowerDelivery(stop) / a 0 A target to the charger. */
  requestStop(): void;
}

export interface SafeShutdownOptions {
  readonly timings?: Partial<SafeShutdownTimings>;
  /** The actor clock (XState SimulatedClock in tests). */
  readonly clock?: ActorOptions<AnyActorLogic>['clock'];
  readonly session?: SessionStopHandle;
  /** The EV's local current request (e.g. the CurrentDemand target the session reads), set to 0 A. */
  readonly requestZeroCurrent?: () => void;
  readonly report?: (update: StatusUpdate) => void;
  readonly logger?: Logger;
  readonly reason?: string;
}

export interface SafeShutdownRun {
  readonly actor: Actor<typeof safeShutdownMachine>;
  /** Resolves once the sequence reached an end state: Finished, FinishedWithFault, or FaultLocked (connector kept locked). */
  readonly settled: Promise<SafeShutdownOutput>;
  /** Stops the actor and the hardware subscriptions. */
  stop(): void;
}

/** Starts a SafeShutdownSequence on the given EV hardware. */
export function startSafeShutdown(hw: EvHardware, options: SafeShutdownOptions = {}): SafeShutdownRun {
  const log = (options.logger ?? nullLogger).child('safe-shutdown');
  const guard = (what: string, fn: () => void): void => {
    // A driver that throws must not stop the sequence: log it and carry on with the next step.
    try {
      fn();
    } catch (e) {
      log.log('error', `${what} failed`, { error: errorMessage(e) });
    }
  };

  // Collect the present facts first: BehaviorSubject-backed ports emit on subscribe,
  // and the machine must start from the real values, not from defaults.
  const facts: { amps?: number; inletVolts?: number; contactorsClosed?: boolean; lock?: LockState } = {};
  // Filled in just before start; until then facts are collected into `facts`.
  const ref: { actor?: Actor<typeof safeShutdownMachine> } = {};
  const forward = (e: SafeShutdownEvent): void => {
    if (ref.actor) ref.actor.send(e);
    else if (e.type === 'CURRENT') facts.amps = e.amps;
    else if (e.type === 'INLET_VOLTAGE') facts.inletVolts = e.volts;
    else if (e.type === 'CONTACTORS') facts.contactorsClosed = e.closed;
    else if (e.type === 'LOCK') facts.lock = e.state;
  };
  const subs: Subscription[] = [];
  const watch = <T>(o: { subscribe(obs: { next(v: T): void; error(e: unknown): void }): Subscription } | undefined, map: (v: T) => SafeShutdownEvent, name: string): void => {
    if (!o) return;
    subs.push(
      o.subscribe({
        next: (v) => forward(map(v)),
        error: (e: unknown) => log.log('error', `${name} stream failed`, { error: errorMessage(e) }),
      }),
    );
  };
  watch(hw.current?.amps$, (amps: number) => ({ type: 'CURRENT', amps }), 'current');
  watch(hw.inletVoltage?.volts$, (volts: number) => ({ type: 'INLET_VOLTAGE', volts }), 'inlet voltage');
  watch(hw.contactors.closed$, (closed: boolean) => ({ type: 'CONTACTORS', closed }), 'contactors');
  watch(hw.connectorLock?.state$, (state: LockState) => ({ type: 'LOCK', state }), 'connector lock');

  let sessionAlive = false;
  guard('session.alive', () => (sessionAlive = options.session?.alive() ?? false));
  const report = options.report ?? (() => {});

  const machine = safeShutdownMachine.provide({
    actions: {
      requestStopViaSession: () => {
        try {
          options.session?.requestStop();
        } catch (e) {
          log.log('warn', 'session could not carry the stop request; continuing with the hardware', { error: errorMessage(e) });
          // Not from inside the action that is running: deliver after it, as a microtask (ECMAScript job, no host timer).
          void Promise.resolve().then(() => ref.actor?.send({ type: 'SESSION_DEAD' }));
        }
      },
      requestZeroCurrent: () => guard('requestZeroCurrent', () => options.requestZeroCurrent?.()),
      setCpStateB: () => guard('controlPilot.setState(B)', () => hw.controlPilot.setState('B')),
      openContactors: () => guard('contactors.open', () => hw.contactors.open()),
      unlockConnector: () => guard('connectorLock.unlock', () => hw.connectorLock?.unlock()),
      report: (_, u) => guard('report', () => report(u)),
      logFault: (_, f) => {
        log.log('error', f.message, { code: f.code });
        // The same fault, to the safety monitors on this hardware: the deadline rule allows the step
        // that follows (opening under load after CURRENT_DID_NOT_DROP) only because it is logged.
        guard('publishSafetyFault', () => publishSafetyFault(hw, { code: f.code, message: f.message, source: 'safe-shutdown' }));
      },
    },
  });
  const created = createActor(machine, {
    input: {
      timings: options.timings,
      hasCurrentSensor: hw.current !== undefined,
      hasInletVoltageSensor: hw.inletVoltage !== undefined,
      hasLock: hw.connectorLock !== undefined,
      sessionAlive,
      ...facts,
      reason: options.reason ?? 'stop',
    },
    ...(options.clock ? { clock: options.clock } : {}),
  });

  const settled = new Promise<SafeShutdownOutput>((resolve) => {
    created.subscribe({
      next: (snap) => {
        if (snap.status === 'done') resolve(snap.output);
        else if (snap.value === 'FaultLocked') resolve({ endState: 'FaultLocked', faults: snap.context.faults });
      },
      error: (e) => {
        log.log('error', 'safe-shutdown actor failed', { error: errorMessage(e) });
        resolve({ endState: 'FaultLocked', faults: [{ code: 'CONTACTORS_DID_NOT_OPEN', message: 'shutdown actor failed; state unknown' }] });
      },
    });
  });
  log.log('info', 'SafeShutdownSequence started', { reason: options.reason ?? 'stop', sessionAlive });
  // Events from here on (even those caused by the entry actions) go to the actor's mailbox.
  ref.actor = created;
  created.start();

  return {
    actor: created,
    settled,
    stop() {
      for (const s of subs) s.unsubscribe();
      created.stop();
    },
  };
}
