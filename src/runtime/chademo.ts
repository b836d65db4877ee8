// The CCS-to-CHAdeMO bridge in the runtime: the chademo-bridge actor between a
// CAN port + the CHAdeMO sequence signals and the CCS car stack.
//
//   CCS charger ⇄ [EV stack: v2g-ev] ⇄ (this glue) ⇄ [chademo-bridge] ⇄ CAN + d1/d2/k/lock ⇄ CHAdeMO car
//
// - bridgedEvHardware(): the EV hardware the CCS stack gets: the board's ports, with the battery
//   facts and a charge-parameter source taken from the CHAdeMO car (0x100/0x101/0x102).
// - onWire(): the CCS charger's responses (limits, present values, status codes) → CCS.* events.
// - onStatus(): the CCS session's end (SafeShutdown) → CCS.FAULT.
// - Once the CHAdeMO stop sequence has switched D2 and D1 off, the CCS session is asked to stop
//   (PowerDelivery(Stop), unlock) — the order of issue 11: CCS current to zero → CHAdeMO STOPPED →
//   car contactors open → D2, D1 off → CCS PowerDelivery stop → unlock both.
import { distinctUntilChanged, map, Observable } from 'rxjs';
import { createActor, type Actor } from 'xstate';
import { batteryStateOf, type ChademoBridgeContext, chargeParametersOf, chademoBridgeMachine, prechargeVoltageOf, type ChademoBridgeEvent, type ChademoBridgeOutput } from '../../machines/chademo-bridge/index.js';
import type { ChademoBridgeConfig } from '../domain/chademo/config.js';
import type { CanPort } from '../ports/can.js';
import type { Clock } from '../ports/clock.js';
import { realClock } from '../../drivers/clock/index.js';
import type { ChademoSignals } from '../ports/chademo.js';
import type { ChargeParameters } from '../ports/charge-parameters.js';
import type { BatteryState, EvHardware } from '../ports/hardware.js';
import type { Logger } from '../ports/log.js';
import type { StatusUpdate } from '../status.js';
import { dialectFor } from '../domain/v2g/dialects/index.js';
import type { WireRecord } from './v2g-transport.js';

export interface ChademoBridgeOptions {
  readonly config: ChademoBridgeConfig;
  readonly can: CanPort;
  readonly signals: ChademoSignals;
  /** The board's EV hardware (CCS inlet side). */
  readonly hw: EvHardware;
  readonly logger: Logger;
  /** The actor's clock (a SimulatedClock in tests); default: the real monotonic clock. Its now() times the CAN cycle. */
  readonly clock?: Clock;
  /** Status sink (the EV status bus). */
  readonly report: (u: StatusUpdate) => void;
  /** The CCS PreCharge delta (v2g-ev prechargeVoltageDelta): D2 once the CCS output is this close to the estimate. */
  readonly prechargeVoltageDelta: number;
  /** Asks the CCS stack to end its session (PowerDelivery(Stop) …); called once the CHAdeMO side is off. */
  readonly stopCcs: (reason: string) => void;
}

/** A broken bridge invariant (issue 11), witnessed in production as in tests. */
export interface ChademoInvariantViolation {
  readonly code: 'CURRENT_ASKED_CONTACTORS_OPEN' | 'D2_OFF_UNDER_CURRENT' | 'CHADEMO_UNLOCK_ABOVE_SAFE_VOLTAGE';
  readonly message: string;
}

export interface ChademoBridge {
  readonly actor: Actor<typeof chademoBridgeMachine>;
  /** Every invariant violation so far (each is also an error line and a chademo InvariantViolation status). */
  readonly violations: readonly ChademoInvariantViolation[];
  /** The EV hardware for the CCS stack (battery and charge parameters from the CHAdeMO car). */
  readonly evHardware: EvHardware;
  readonly done: Promise<ChademoBridgeOutput>;
  /** Give every CCS wire record (createEvStack onWire). */
  onWire(r: WireRecord): void;
  /** Give every EV status update. */
  onStatus(u: StatusUpdate): void;
  /** Starts the CHAdeMO sequence (D1). */
  start(): void;
  dispose(): void;
}

const sameJson = <T>(a: T, b: T): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Default clock: monotonic now() (times the CAN cycle); the timers keep the process alive like XState's own. */
const defaultClock: Clock = realClock({ time: 'monotonic', keepAlive: true });

export function createChademoBridge(o: ChademoBridgeOptions): ChademoBridge {
  const log = o.logger.child('chademo');
  const subs: { unsubscribe(): void }[] = [];
  let sendErrors = 0;
  let ccsStopAsked = false;
  let baseBattery: BatteryState = { socPercent: 0, voltage: 0, maxCurrent: 0, maxVoltage: 0, capacityWh: 0 };
  subs.push(o.hw.battery.state$.subscribe((b) => (baseBattery = b)));
  // The bridge's invariants, checked where it acts (the machine's guards are the design; this is the witness):
  //   - no current asked of the CCS session while the CHAdeMO car's contactors are not closed;
  //   - D2 never switched off while current flows (> stop_current_limit);
  //   - the CHAdeMO plug never unlocked at or above safe_voltage (60 V).
  const violations: ChademoInvariantViolation[] = [];
  const violate = (code: ChademoInvariantViolation['code'], message: string): void => {
    violations.push({ code, message });
    if (violations.length <= 20) log.log('error', `CHAdeMO invariant violation ${code}: ${message}`, { code });
    o.report({ layer: 'chademo', state: 'InvariantViolation', details: { code, message, fault: true } });
  };
  const flowingCurrent = (c: ChademoBridgeContext): number => Math.abs(c.measuredCurrent ?? c.ccsPresentCurrent);
  const connectorVoltage = (c: ChademoBridgeContext): number => c.outputVoltage ?? c.ccsPresentVoltage;
  const machine = chademoBridgeMachine.provide({
    actions: {
      sendFrame: (_, f) => {
        const r = o.can.send(f);
        if (!r.ok) {
          sendErrors += 1;
          if (sendErrors <= 5 || sendErrors % 100 === 0) log.log('warn', `CAN send failed: ${r.error.code} ${r.error.message}`, { count: sendErrors });
        }
      },
      setD1: (_, p) => o.signals.setD1(p.on),
      setD2: ({ context }, p) => {
        if (!p.on && flowingCurrent(context) > context.config.stopCurrentLimit) violate('D2_OFF_UNDER_CURRENT', `D2 off with ${flowingCurrent(context)} A flowing`);
        o.signals.setD2(p.on);
      },
      lockPlug: () => o.signals.lock?.lock(),
      unlockPlug: ({ context }) => {
        if (connectorVoltage(context) >= context.config.safeVoltage) violate('CHADEMO_UNLOCK_ABOVE_SAFE_VOLTAGE', `unlock at ${connectorVoltage(context)} V`);
        o.signals.lock?.unlock();
      },
      reportStatus: (_, u) => {
        // Each phase of the CHAdeMO sequence is a log line too (the CCS layers log theirs through the status bus).
        log.log(u.details?.fault ? 'error' : 'info', `chademo ${u.state}`, { state: u.state, ...(u.details ?? {}) });
        o.report(u);
      },
    },
  });
  const clock = o.clock ?? defaultClock;
  const actor = createActor(machine, { input: { config: o.config, logger: log, now: () => clock.now() }, clock });
  // Events reach the actor on the microtask queue: a port may emit inside one of the actor's own actions.
  const toBridge = (e: ChademoBridgeEvent): void => queueMicrotask(() => actor.getSnapshot().status === 'active' && actor.send(e));

  subs.push(o.can.frames$.subscribe((frame) => toBridge({ type: 'CAN.FRAME', frame })));
  subs.push(o.can.errors$.subscribe((error) => toBridge({ type: 'CAN.ERROR', error })));
  subs.push(o.signals.k$.subscribe((closed) => toBridge({ type: 'HW.K', closed })));
  if (o.signals.lock) subs.push(o.signals.lock.state$.subscribe((state) => toBridge({ type: 'HW.LOCK', state })));
  if (o.signals.outputVoltage) subs.push(o.signals.outputVoltage.volts$.subscribe((volts) => toBridge({ type: 'HW.OUTPUT_VOLTAGE', volts })));
  if (o.hw.current) subs.push(o.hw.current.amps$.subscribe((amps) => toBridge({ type: 'HW.CURRENT', amps })));

  const snap$ = new Observable<ReturnType<typeof actor.getSnapshot>>((sub) => {
    sub.next(actor.getSnapshot());
    const s = actor.subscribe((x) => sub.next(x));
    return () => s.unsubscribe();
  });
  const parameters$: Observable<ChargeParameters> = snap$.pipe(map(chargeParametersOf), distinctUntilChanged(sameJson));
  // One check per snapshot, reported once per episode (not every snapshot while it lasts).
  let askedWhileOpen = false;
  subs.push(
    actor.subscribe((s) => {
      const p = chargeParametersOf(s);
      const bad = p.targetCurrent > 0 && !s.context.contactorsClosed;
      if (bad && !askedWhileOpen) violate('CURRENT_ASKED_CONTACTORS_OPEN', `${p.targetCurrent} A asked of the CCS session with the CHAdeMO car's contactors open`);
      askedWhileOpen = bad;
    }),
  );
  const battery$: Observable<BatteryState> = snap$.pipe(
    map((s) => batteryStateOf(s.context, baseBattery)),
    distinctUntilChanged(sameJson),
  );

  subs.push(
    actor.subscribe((s) => {
      const stopped = s.matches({ active: { sequence: { stopping: 'awaitSafeVoltage' } } }) || s.matches({ active: { sequence: { stopping: 'unlock' } } }) || s.matches({ active: { sequence: 'done' } }) || s.status === 'done';
      if (stopped && !ccsStopAsked) {
        ccsStopAsked = true;
        const reason = `CHAdeMO: ${s.context.stopReason ?? 'stopped'}`;
        queueMicrotask(() => o.stopCcs(reason));
      }
    }),
  );

  const done = new Promise<ChademoBridgeOutput>((resolve) => {
    actor.subscribe((s) => {
      if (s.status === 'done') resolve(s.output);
    });
  });

  const onWire = (r: WireRecord): void => {
    if (r.direction !== 'rx' || !r.doc || r.schema === 'appHand') return;
    const d = dialectFor(r.schema).decodeResponse(r.doc);
    if (!d.ok) return;
    const res = d.value.body;
    if (res.kind === 'ChargeParameterDiscovery' && res.dc) toBridge({ type: 'CCS.LIMITS', maxVoltage: res.dc.maxVoltage, maxCurrent: res.dc.maxCurrent });
    if (res.kind === 'PreCharge') {
      toBridge({ type: 'CCS.PRESENT', voltage: res.presentVoltage, current: 0 });
      const est = prechargeVoltageOf(actor.getSnapshot().context);
      if (est > 0 && Math.abs(res.presentVoltage - est) < o.prechargeVoltageDelta) toBridge({ type: 'CCS.OUTPUT_READY' });
    }
    if (res.kind === 'CurrentDemand') {
      toBridge({ type: 'CCS.PRESENT', voltage: res.presentVoltage, current: res.presentCurrent });
      const ctx = actor.getSnapshot().context;
      if (res.maxCurrent !== undefined || res.maxVoltage !== undefined)
        toBridge({ type: 'CCS.LIMITS', maxVoltage: res.maxVoltage ?? ctx.ccsMaxVoltage ?? 0, maxCurrent: res.maxCurrent ?? ctx.ccsMaxCurrent ?? 0 });
    }
    const dc = 'dcStatus' in res ? res.dcStatus : undefined;
    if (dc?.statusCode === 'EVSE_Shutdown') toBridge({ type: 'CCS.SHUTDOWN', reason: 'EVSE_Shutdown' });
    if (dc?.statusCode === 'EVSE_EmergencyShutdown' || dc?.statusCode === 'EVSE_Malfunction') toBridge({ type: 'CCS.FAULT', reason: dc.statusCode });
  };

  const onStatus = (u: StatusUpdate): void => {
    if (u.layer === 'session' && u.state === 'SafeShutdown') toBridge({ type: 'CCS.FAULT', reason: String(u.details?.reason ?? 'SafeShutdown') });
    else if (u.layer === 'session' && u.state === 'ChargingFinished') toBridge({ type: 'CCS.SHUTDOWN', reason: String(u.details?.reason ?? 'SessionStop') });
  };

  const evHardware: EvHardware = {
    ...o.hw,
    battery: { state$: battery$ },
    chargeParameters: { parameters$ },
    close: async () => o.hw.close(),
  };

  actor.start();
  return {
    actor,
    violations,
    evHardware,
    done,
    onWire,
    onStatus,
    start: () => actor.send({ type: 'START' }),
    dispose() {
      for (const s of subs) s.unsubscribe();
      actor.stop();
    },
  };
}

