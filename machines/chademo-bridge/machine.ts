// chademo-bridge: the charger side of a CHAdeMO session as an XState v5
// statechart, fed by and feeding a CCS car session (the bridge: CCS charger ⇄
// tsplc as CCS car ⇄ tsplc as CHAdeMO charger ⇄ CHAdeMO car). No I/O: CAN
// frames arrive as CAN.FRAME events and leave through the provided sendFrame
// action every CHA_Cycle; d1/d2/lock through provided actions; the CCS side's
// limits and present values arrive as CCS.* events. What the CCS session needs
// (target voltage/current, precharge estimate, contactors closed, stopping)
// is derived from the snapshot by chargeParametersOf() (src/domain/chademo/bridge.ts).
//
// Sequence (protocol-facts §7, OX chademoCharger.cpp):
//   D1 → k + 102.5.0 READY within 8 s → compatibility (target ≤ available voltage)
//   → lock → ENERGIZING → (CCS output at the estimated pack voltage) → D2, all within 20 s
//   → the car closes its contactors within 4 s (0.9: assumed after 2 s)
//   → current request > 0 within 4 s → CHARGING (STOPPED cleared)
//   stop on: no 0x102 for 1 s, k or READY dropping, a fault flag, bus-off, a CCS fault/stop, a user stop
//   stop: STOPPED, 0 A → present current ≤ 5 A → the car opens its contactors (≤ 4 s)
//         → D2 off (never while current flows) → D1 off → unlock (never at ≥ 60 V).
import { assign, enqueueActions, setup, stateIn } from 'xstate';
import {
  anyVehicleFault,
  decodeChademoFrame,
  encodeChargerLimits,
  encodeChargerStatus,
  encodeExtended,
  protocolName,
  protocolNumberOf,
  type ChademoProtocolNumber,
  type ChargerStatusFlags,
  type ExtendedFunctions,
  type VehicleLimits,
  type VehicleStatus,
  type VehicleTimes,
} from '../../src/domain/chademo/frames.js';
import { chademoTimeoutDefaults, type ChademoBridgeConfig, type ChademoTimeouts } from '../../src/domain/chademo/config.js';
import type { CanBusError, CanFrame } from '../../src/ports/can.js';
import type { LockState } from '../../src/ports/hardware.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';

export interface ChademoBridgeInput {
  readonly config: ChademoBridgeConfig;
  readonly logger?: Logger;
  /**
   * The time of the actor's clock (the clock port's now(), the same clock the actor runs on). With it
   * the 0x108/0x109 cycle is scheduled against absolute deadlines (start + n·CHA_Cycle), so a late
   * timer does not push every later frame back; without it each cycle is CHA_Cycle after the last.
   */
  readonly now?: () => number;
}

export type ChademoBridgeEvent =
  /** The runtime starts the CHAdeMO session (plug present / CCS session under way). */
  | { readonly type: 'START' }
  | { readonly type: 'CAN.FRAME'; readonly frame: CanFrame }
  | { readonly type: 'CAN.ERROR'; readonly error: CanBusError }
  | { readonly type: 'HW.K'; readonly closed: boolean }
  | { readonly type: 'HW.LOCK'; readonly state: LockState }
  | { readonly type: 'HW.OUTPUT_VOLTAGE'; readonly volts: number }
  /** Measured DC current on the bridge's power path (when the board has a sensor). */
  | { readonly type: 'HW.CURRENT'; readonly amps: number }
  /** The CCS charger's limits (ChargeParameterDiscoveryRes, updated by CurrentDemandRes). */
  | { readonly type: 'CCS.LIMITS'; readonly maxVoltage: number; readonly maxCurrent: number }
  /** The CCS charger's EVSEPresentVoltage/Current. */
  | { readonly type: 'CCS.PRESENT'; readonly voltage: number; readonly current: number }
  /** The CCS PreCharge reached the estimated pack voltage: D2 may be set. */
  | { readonly type: 'CCS.OUTPUT_READY' }
  /** The CCS side failed (EmergencyShutdown, TCP reset, timeout, ...): stop now. */
  | { readonly type: 'CCS.FAULT'; readonly reason: string }
  /** The CCS charger asks for a normal stop (EVSE_Shutdown, StopCharging). */
  | { readonly type: 'CCS.SHUTDOWN'; readonly reason: string }
  | { readonly type: 'STOP_REQUEST'; readonly reason?: string };

export interface ChademoBridgeActionParams {
  sendFrame: CanFrame;
  setD1: { readonly on: boolean };
  setD2: { readonly on: boolean };
  lockPlug: undefined;
  unlockPlug: undefined;
  reportStatus: StatusUpdate;
}

export interface ChademoBridgeOutput {
  /** 'Finished': a normal stop; 'Fault': a stop forced by a fault on either side. */
  readonly result: 'Finished' | 'Fault';
  readonly reason: string;
  /** The plug stayed locked because the connector voltage did not fall below safe_voltage. */
  readonly staysLocked: boolean;
  readonly soc: number;
  /** Faults logged during the stop (current did not drop, contactors did not report open). */
  readonly stopFaults: readonly string[];
}

interface Ctx {
  readonly config: ChademoBridgeConfig;
  readonly t: ChademoTimeouts;
  readonly logger: Logger;
  limits: VehicleLimits | undefined;
  times: VehicleTimes | undefined;
  status: VehicleStatus | undefined;
  extended: ExtendedFunctions | undefined;
  kClosed: boolean;
  kSeen: boolean;
  readySeen: boolean;
  lock: LockState;
  outputVoltage: number | undefined;
  measuredCurrent: number | undefined;
  ccsMaxVoltage: number | undefined;
  ccsMaxCurrent: number | undefined;
  ccsPresentVoltage: number;
  ccsPresentCurrent: number;
  ccsOutputReady: boolean;
  flags: ChargerStatusFlags;
  d1: boolean;
  d2: boolean;
  /** The car's contactors are closed (reported, or assumed on protocol 0.9). */
  contactorsClosed: boolean;
  contactorsAssumed: boolean;
  /** The current handed to the CCS session, ramped. */
  targetCurrent: number;
  canSilent: boolean;
  busOff: boolean;
  ccsFault: string | undefined;
  ccsStop: string | undefined;
  userStop: string | undefined;
  stopReason: string | undefined;
  abnormal: boolean;
  stopFaults: string[];
  staysLocked: boolean;
  decodeErrors: number;
  clampWarned: boolean;
  readonly now: (() => number) | undefined;
  /** The CAN cycle: time of cycle 0 and the number of the current cycle (next deadline = start + (n+1)·CHA_Cycle). */
  cycleStart: number | undefined;
  cycleN: number;
  /** Cycles dropped because the event loop was late by a whole CHA_Cycle or more (no burst of frames to catch up). */
  cyclesSkipped: number;
}

/** The bridge's context, for the runtime's invariant witness and progress lines. */
export type ChademoBridgeContext = Readonly<Ctx>;

const noFlags: ChargerStatusFlags = { charging: false, chargerError: false, energizing: false, batteryIncompatible: false, systemError: false, stopped: true };

/** The protocol of the session: the lower of the car's and ours. */
export function sessionProtocol(ctx: Pick<Ctx, 'config' | 'status'>): ChademoProtocolNumber {
  const ours = protocolNumberOf(ctx.config.protocol);
  const car = ctx.status?.protocol ?? ours;
  return Math.min(ours, car) as ChademoProtocolNumber;
}

/** Available current for the car: the CCS charger's maximum and the bridge's cap. */
export function availableCurrent(ctx: Pick<Ctx, 'config' | 'ccsMaxCurrent'>): number {
  const caps = [ctx.ccsMaxCurrent ?? 0, 255];
  if (ctx.config.maxCurrent > 0) caps.push(ctx.config.maxCurrent);
  return Math.max(0, Math.floor(Math.min(...caps)));
}

/** Why the running session must stop now (undefined: go on). Checked after every event. */
function stopCause(ctx: Ctx): { reason: string; abnormal: boolean } | undefined {
  if (ctx.busOff) return { reason: 'CanBusOff', abnormal: true };
  if (ctx.ccsFault) return { reason: `CcsFault: ${ctx.ccsFault}`, abnormal: true };
  if (ctx.canSilent) return { reason: `CanSilence: no 0x102 for ${ctx.t.CHA_T_CanSilence} ms`, abnormal: true };
  if (ctx.kSeen && !ctx.kClosed) return { reason: 'kOpened', abnormal: true };
  const s = ctx.status;
  if (s) {
    const f = anyVehicleFault(s.faults);
    if (f) return { reason: `VehicleFault: ${f}`, abnormal: true };
    if (s.status.systemFault) return { reason: 'VehicleFault: systemFault', abnormal: true };
    if (ctx.limits && ctx.limits.maxCurrent > 0 && s.currentRequest > ctx.limits.maxCurrent)
      return { reason: `CurrentRequestAboveVehicleLimit: ${s.currentRequest} A > 0x100 max ${ctx.limits.maxCurrent} A`, abnormal: true };
    if (ctx.readySeen && !s.status.chargingEnabled) return { reason: 'VehicleChargingDisabled', abnormal: false };
    if (s.status.stopBeforeCharging) return { reason: 'VehicleStopRequest', abnormal: false };
  }
  if (ctx.ccsStop) return { reason: `CcsShutdown: ${ctx.ccsStop}`, abnormal: false };
  if (ctx.userStop) return { reason: ctx.userStop, abnormal: false };
  return undefined;
}

function report(state: string, details?: StatusUpdate['details'], level?: 'info' | 'error'): StatusUpdate {
  return { layer: 'chademo', state, ...(details || level ? { details: { ...details, ...(level === 'error' ? { fault: true } : {}) } } : {}) };
}

/** ms from now to the next CAN cycle deadline (start + (n+1)·CHA_Cycle); CHA_Cycle without a clock. */
export function nextCycleDelay(ctx: Pick<Ctx, 'now' | 'cycleStart' | 'cycleN' | 't'>): number {
  if (!ctx.now || ctx.cycleStart === undefined) return ctx.t.CHA_Cycle;
  return Math.max(0, ctx.cycleStart + (ctx.cycleN + 1) * ctx.t.CHA_Cycle - ctx.now());
}

const noop = () => {};
type ProvidedAction = {
  [K in keyof ChademoBridgeActionParams]: ChademoBridgeActionParams[K] extends undefined ? K : { type: K; params: ChademoBridgeActionParams[K] };
}[keyof ChademoBridgeActionParams];
function io(enqueue: unknown): (action: ProvidedAction) => void {
  return enqueue as (action: ProvidedAction) => void;
}

export const chademoBridgeMachine = setup({
  types: { context: {} as Ctx, events: {} as ChademoBridgeEvent | { readonly type: 'VEHICLE.STATUS' }, input: {} as ChademoBridgeInput, output: {} as ChademoBridgeOutput },
  actions: {
    sendFrame: (_, _p: ChademoBridgeActionParams['sendFrame']) => {},
    setD1: (_, _p: ChademoBridgeActionParams['setD1']) => {},
    setD2: (_, _p: ChademoBridgeActionParams['setD2']) => {},
    lockPlug: noop,
    unlockPlug: noop,
    reportStatus: (_, _p: ChademoBridgeActionParams['reportStatus']) => {},
  },
  guards: {
    vehicleReady: ({ context }) => context.kClosed && context.status?.status.chargingEnabled === true && context.limits !== undefined,
    ccsLimitsKnown: ({ context }) => context.ccsMaxVoltage !== undefined && context.ccsMaxCurrent !== undefined,
    compatible: ({ context }) => (context.status?.targetVoltage ?? Infinity) <= (context.ccsMaxVoltage ?? 0) && (context.limits?.maxBatteryVoltage ?? 0) > 0,
    locked: ({ context }) => !context.config.lockHasFeedback || context.lock === 'locked',
    lockFault: ({ context }) => context.config.lockHasFeedback && context.lock === 'fault',
    outputReady: ({ context }) => context.ccsOutputReady,
    contactorsReportedClosed: ({ context }) => sessionProtocol(context) >= 2 && context.status?.status.contactorOpen === false,
    contactorsReportedOpen: ({ context }) => sessionProtocol(context) >= 2 && context.status?.status.contactorOpen !== false,
    isProtocol09: ({ context }) => sessionProtocol(context) < 2,
    currentRequested: ({ context }) => (context.status?.currentRequest ?? 0) > 0,
    contactorsOpenedDuringCharge: ({ context }) => sessionProtocol(context) >= 2 && context.status?.status.contactorOpen === true,
    // A measured current is the proof; without a sensor the CCS charger's EVSEPresentCurrent.
    currentLow: ({ context }) => Math.abs(context.measuredCurrent ?? context.ccsPresentCurrent) <= context.config.stopCurrentLimit,
    voltageSafe: ({ context }) => (context.outputVoltage ?? context.ccsPresentVoltage) < context.config.safeVoltage,
    mustStop: ({ context }) => stopCause(context) !== undefined,
  },
  delays: {
    ...(Object.fromEntries(Object.keys(chademoTimeoutDefaults).map((k) => [k, ({ context }: { context: Ctx }) => context.t[k as keyof ChademoTimeouts]])) as Record<
      keyof ChademoTimeouts,
      ({ context }: { context: Ctx }) => number
    >),
    // Absolute deadlines: the time left to cycle n+1 of the cycle that began at cycleStart.
    CHA_Cycle: ({ context }: { context: Ctx }) => nextCycleDelay(context),
  },
})
  .extend({
    actions: {
      storeFrame: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'CAN.FRAME') return;
        const { id, data } = event.frame;
        if (id !== 0x100 && id !== 0x101 && id !== 0x102 && id !== 0x110) return; // ours (0x108/0x109/0x118) or another node's
        const m = decodeChademoFrame(id, data);
        if (!m.ok) {
          // Bounded: the first few, then every 100th; a car that only sends garbage runs into CHA_T_CanSilence.
          const n = context.decodeErrors + 1;
          enqueue.assign({ decodeErrors: n });
          if (n <= 5 || n % 100 === 0) context.logger.log('warn', `undecodable CHAdeMO frame 0x${id.toString(16)}: ${m.error.code} ${m.error.message}`, { count: n });
          return;
        }
        const v = m.value;
        if (v.kind === 'VehicleLimits') enqueue.assign({ limits: v.value });
        else if (v.kind === 'VehicleTimes') enqueue.assign({ times: v.value });
        else if (v.kind === 'VehicleExtended') enqueue.assign({ extended: v.value });
        else if (v.kind === 'VehicleStatus') {
          enqueue.assign({ status: v.value, canSilent: false, readySeen: context.readySeen || (context.kClosed && v.value.status.chargingEnabled) });
          // Internal: re-arms the watchdog (the root keeps handling CAN.FRAME itself).
          enqueue.raise({ type: 'VEHICLE.STATUS' });
          if (context.limits && v.value.currentRequest > availableCurrent(context) && !context.clampWarned) {
            enqueue.assign({ clampWarned: true });
            context.logger.log('warn', `car requests ${v.value.currentRequest} A, more than the ${availableCurrent(context)} A available: clamped`, {});
          }
        }
      }),
      advanceCycle: enqueueActions(({ context, enqueue }) => {
        if (!context.now) return;
        const t = context.now();
        if (context.cycleStart === undefined) {
          enqueue.assign({ cycleStart: t, cycleN: 0 });
          return;
        }
        const P = context.t.CHA_Cycle;
        let n = context.cycleN + 1;
        // Woken a whole cycle or more late (a stalled event loop): go on at the current slot rather than
        // sending the missed frames in a burst; the car only needs the latest values every 100 ms.
        const behind = Math.floor((t - (context.cycleStart + n * P)) / P);
        if (behind >= 1) {
          n += behind;
          const skipped = context.cyclesSkipped + behind;
          enqueue.assign({ cyclesSkipped: skipped });
          if (context.cyclesSkipped === 0 || Math.floor(skipped / 100) > Math.floor(context.cyclesSkipped / 100)) context.logger.log('warn', `CAN cycle late by ${behind} × ${P} ms: ${behind} cycle(s) skipped`, { skipped });
        }
        enqueue.assign({ cycleN: n });
      }),
      sendCycleFrames: enqueueActions(({ context, enqueue }) => {
        // The current handed to the CCS session: the car's request, clamped to what is available, ramped up.
        const want = context.flags.charging && !context.flags.stopped ? Math.min(context.status?.currentRequest ?? 0, availableCurrent(context)) : 0;
        const step = (context.config.currentRamp * context.t.CHA_Cycle) / 1000;
        const target = want <= context.targetCurrent ? want : Math.min(want, context.targetCurrent + step);
        enqueue.assign({ targetCurrent: target });
        const avV = Math.max(0, Math.min(0xffff, Math.floor(context.ccsMaxVoltage ?? 0)));
        const threshold = Math.min(avV, context.limits?.maxBatteryVoltage ?? avV);
        const l = encodeChargerLimits({ weldingDetection: context.config.weldingDetection, availableVoltage: avV, availableCurrent: availableCurrent(context), thresholdVoltage: threshold });
        const est = context.times?.estimatedChargingTimeMin ?? 0;
        const s = encodeChargerStatus({
          protocol: sessionProtocol(context),
          presentVoltage: Math.max(0, Math.min(0xffff, Math.round(context.ccsPresentVoltage))),
          presentCurrent: Math.max(0, Math.min(255, Math.round(context.ccsPresentCurrent))),
          dischargeCompatible: false,
          status: context.flags,
          remaining10s: 0xff,
          remainingMin: Math.min(255, est),
        });
        if (l.ok) io(enqueue)({ type: 'sendFrame', params: { id: 0x108, data: l.value } });
        if (s.ok) io(enqueue)({ type: 'sendFrame', params: { id: 0x109, data: s.value } });
        if (sessionProtocol(context) >= 3) io(enqueue)({ type: 'sendFrame', params: { id: 0x118, data: encodeExtended({ dynamicControl: true, highCurrentControl: false, highVoltageControl: false }) } });
      }),
      beginStop: enqueueActions(({ context, enqueue }) => {
        const c = stopCause(context) ?? { reason: 'Stop', abnormal: false };
        enqueue.assign({
          stopReason: c.reason,
          abnormal: c.abnormal,
          targetCurrent: 0,
          flags: { ...context.flags, charging: false, stopped: true, ...(c.abnormal && !c.reason.startsWith('Vehicle') ? { chargerError: true } : {}) },
        });
        context.logger.log(c.abnormal ? 'error' : 'info', `CHAdeMO stop: ${c.reason}`, {});
        io(enqueue)({ type: 'reportStatus', params: report('Stopping', { reason: c.reason }, c.abnormal ? 'error' : 'info') });
      }),
      setStopCause: assign(({ context }, p: { reason: string; abnormal: boolean; flags?: Partial<ChargerStatusFlags> }) => ({
        stopReason: p.reason,
        abnormal: p.abnormal,
        targetCurrent: 0,
        flags: { ...context.flags, charging: false, stopped: true, ...(p.flags ?? {}) },
      })),
      stopFault: enqueueActions(({ context, enqueue }, p: { fault: string }) => {
        enqueue.assign({ stopFaults: [...context.stopFaults, p.fault] });
        context.logger.log('error', `CHAdeMO stop: ${p.fault}`, {});
      }),
      d1: enqueueActions(({ enqueue }, p: { on: boolean }) => {
        enqueue.assign({ d1: p.on });
        io(enqueue)({ type: 'setD1', params: { on: p.on } });
        io(enqueue)({ type: 'reportStatus', params: report(p.on ? 'D1On' : 'D1Off') });
      }),
      d2: enqueueActions(({ enqueue }, p: { on: boolean }) => {
        enqueue.assign({ d2: p.on });
        io(enqueue)({ type: 'setD2', params: { on: p.on } });
        io(enqueue)({ type: 'reportStatus', params: report(p.on ? 'D2On' : 'D2Off') });
      }),
      phase: enqueueActions(({ context, enqueue }, p: { state: string }) => {
        io(enqueue)({ type: 'reportStatus', params: report(p.state, { soc: context.status?.soc ?? 0, request: context.status?.currentRequest ?? 0 }) });
      }),
    },
  })
  .createMachine({
    id: 'chademo',
    context: ({ input }) => ({
      config: input.config,
      t: { ...chademoTimeoutDefaults, ...input.config.timeouts },
      logger: input.logger ?? nullLogger,
      limits: undefined,
      times: undefined,
      status: undefined,
      extended: undefined,
      kClosed: false,
      kSeen: false,
      readySeen: false,
      lock: 'unlocked',
      outputVoltage: undefined,
      measuredCurrent: undefined,
      ccsMaxVoltage: undefined,
      ccsMaxCurrent: undefined,
      ccsPresentVoltage: 0,
      ccsPresentCurrent: 0,
      ccsOutputReady: false,
      flags: noFlags,
      d1: false,
      d2: false,
      contactorsClosed: false,
      contactorsAssumed: false,
      targetCurrent: 0,
      canSilent: false,
      busOff: false,
      ccsFault: undefined,
      ccsStop: undefined,
      userStop: undefined,
      stopReason: undefined,
      abnormal: false,
      stopFaults: [],
      staysLocked: false,
      decodeErrors: 0,
      clampWarned: false,
      now: input.now,
      cycleStart: undefined,
      cycleN: 0,
      cyclesSkipped: 0,
    }),
    on: {
      'CAN.FRAME': { actions: 'storeFrame' },
      'CAN.ERROR': {
        actions: [
          assign({ busOff: ({ context, event }) => context.busOff || event.error.kind === 'bus-off' }),
          ({ context, event }) => context.logger.log(event.error.kind === 'bus-off' ? 'error' : 'warn', `CAN ${event.error.kind}: ${event.error.detail}`, {}),
        ],
      },
      'HW.K': { actions: assign({ kClosed: ({ event }) => event.closed, kSeen: ({ context, event }) => context.kSeen || event.closed }) },
      'HW.LOCK': { actions: assign({ lock: ({ event }) => event.state }) },
      'HW.OUTPUT_VOLTAGE': { actions: assign({ outputVoltage: ({ event }) => event.volts }) },
      'HW.CURRENT': { actions: assign({ measuredCurrent: ({ event }) => event.amps }) },
      'CCS.LIMITS': { actions: assign({ ccsMaxVoltage: ({ event }) => event.maxVoltage, ccsMaxCurrent: ({ event }) => event.maxCurrent }) },
      'CCS.PRESENT': { actions: assign({ ccsPresentVoltage: ({ event }) => event.voltage, ccsPresentCurrent: ({ event }) => event.current }) },
      'CCS.OUTPUT_READY': { actions: assign({ ccsOutputReady: true }) },
      'CCS.FAULT': { actions: assign({ ccsFault: ({ context, event }) => context.ccsFault ?? event.reason }) },
      'CCS.SHUTDOWN': { actions: assign({ ccsStop: ({ context, event }) => context.ccsStop ?? event.reason }) },
      STOP_REQUEST: { actions: assign({ userStop: ({ context, event }) => context.userStop ?? (event.reason ? `UserStop: ${event.reason}` : 'UserStop') }) },
    },
    initial: 'idle',
    states: {
      idle: { on: { START: 'active' } },
      active: {
        type: 'parallel',
        onDone: 'ended',
        states: {
          cycle: {
            initial: 'tick',
            states: {
              tick: {
                entry: ['advanceCycle', 'sendCycleFrames'],
                always: { guard: stateIn('#chademo.active.sequence.done'), target: 'off' },
                after: { CHA_Cycle: { target: 'tick', reenter: true } },
              },
              off: { type: 'final' },
            },
          },
          watchdog: {
            // CHA_T_CanSilence from the last valid 0x102 (armed by the first one).
            initial: 'waiting',
            states: {
              waiting: { on: { 'VEHICLE.STATUS': 'armed' }, always: { guard: stateIn('#chademo.active.sequence.done'), target: 'off' } },
              armed: {
                on: { 'VEHICLE.STATUS': { target: 'armed', reenter: true } },
                always: { guard: stateIn('#chademo.active.sequence.done'), target: 'off' },
                after: { CHA_T_CanSilence: { target: 'waiting', actions: assign({ canSilent: true }) } },
              },
              off: { type: 'final' },
            },
          },
          sequence: {
            initial: 'running',
            states: {
              running: {
                // Every stop condition, after every event, in every running phase (stopCause()).
                always: { guard: 'mustStop', target: 'stopping', actions: 'beginStop' },
                initial: 'd1',
                states: {
                  d1: {
                    entry: [{ type: 'd1', params: { on: true } }, assign({ flags: noFlags })],
                    always: { guard: 'vehicleReady', target: 'preparing', actions: { type: 'phase', params: { state: 'VehicleReady' } } },
                    after: {
                      CHA_T_VehicleReady: {
                        target: '#chademo.active.sequence.stopping',
                        actions: { type: 'setStopCause', params: { reason: 'Timeout:VehicleReady (k + 102.5.0 within 8 s of D1)', abnormal: true, flags: { chargerError: true } } },
                      },
                    },
                  },
                  preparing: {
                    after: {
                      CHA_T_D2: {
                        target: '#chademo.active.sequence.stopping',
                        actions: { type: 'setStopCause', params: { reason: 'Timeout:D2 (20 s after k + READY)', abnormal: true, flags: { chargerError: true } } },
                      },
                    },
                    initial: 'awaitLimits',
                    states: {
                      awaitLimits: { always: { guard: 'ccsLimitsKnown', target: 'compatibility' } },
                      compatibility: {
                        always: [
                          { guard: 'compatible', target: 'lock' },
                          {
                            target: '#chademo.active.sequence.stopping',
                            actions: {
                              type: 'setStopCause',
                              params: ({ context }) => ({
                                reason: `BatteryIncompatible: target ${context.status?.targetVoltage ?? '?'} V > available ${context.ccsMaxVoltage ?? '?'} V`,
                                abnormal: true,
                                flags: { batteryIncompatible: true },
                              }),
                            },
                          },
                        ],
                      },
                      lock: {
                        entry: ['lockPlug', { type: 'phase', params: { state: 'Lock' } }],
                        always: [
                          { guard: 'locked', target: 'energizing' },
                          { guard: 'lockFault', target: '#chademo.active.sequence.stopping', actions: { type: 'setStopCause', params: { reason: 'PlugLockFault', abnormal: true, flags: { chargerError: true } } } },
                        ],
                        after: { CHA_T_Lock: { target: '#chademo.active.sequence.stopping', actions: { type: 'setStopCause', params: { reason: 'Timeout:PlugLock', abnormal: true, flags: { chargerError: true } } } } },
                      },
                      energizing: {
                        // 109.5.2: connector locked, the charger is preparing energy. D2 waits for the CCS output at the estimate.
                        entry: [assign({ flags: ({ context }) => ({ ...context.flags, energizing: true }) }), { type: 'phase', params: { state: 'Energizing' } }],
                        always: { guard: 'outputReady', target: '#chademo.active.sequence.running.d2' },
                      },
                    },
                  },
                  d2: {
                    entry: { type: 'd2', params: { on: true } },
                    always: { guard: 'contactorsReportedClosed', target: 'awaitCurrent', actions: assign({ contactorsClosed: true }) },
                    after: {
                      CHA_T_Contactor09: { guard: 'isProtocol09', target: 'awaitCurrent', actions: assign({ contactorsClosed: true, contactorsAssumed: true }) },
                      CHA_T_ContactorClose: {
                        target: '#chademo.active.sequence.stopping',
                        actions: { type: 'setStopCause', params: { reason: 'Timeout:VehicleContactorsClose (4 s after D2)', abnormal: true, flags: { chargerError: true } } },
                      },
                    },
                  },
                  awaitCurrent: {
                    entry: { type: 'phase', params: { state: 'VehicleContactorsClosed' } },
                    always: [
                      { guard: 'contactorsOpenedDuringCharge', target: '#chademo.active.sequence.stopping', actions: { type: 'setStopCause', params: { reason: 'VehicleContactorsOpened', abnormal: true } } },
                      { guard: 'currentRequested', target: 'charging' },
                    ],
                    after: {
                      CHA_T_CurrentRequest: {
                        target: '#chademo.active.sequence.stopping',
                        actions: { type: 'setStopCause', params: { reason: 'Timeout:CurrentRequest (4 s after the contactors closed)', abnormal: true, flags: { chargerError: true } } },
                      },
                    },
                  },
                  charging: {
                    entry: [assign({ flags: ({ context }) => ({ ...context.flags, charging: true, stopped: false }) }), { type: 'phase', params: { state: 'Charging' } }],
                    always: {
                      guard: 'contactorsOpenedDuringCharge',
                      target: '#chademo.active.sequence.stopping',
                      actions: { type: 'setStopCause', params: { reason: 'VehicleContactorsOpened', abnormal: true } },
                    },
                  },
                },
              },
              stopping: {
                initial: 'currentDown',
                states: {
                  currentDown: {
                    always: { guard: 'currentLow', target: 'awaitContactorsOpen' },
                    after: { CHA_T_CurrentDown: { target: 'awaitContactorsOpen', actions: { type: 'stopFault', params: { fault: 'CURRENT_DID_NOT_DROP' } } } },
                  },
                  awaitContactorsOpen: {
                    always: [
                      // Never closed (stop before D2, or before they closed): nothing to wait for.
                      { guard: ({ context }) => !context.d2, target: 'd2Off' },
                      { guard: 'contactorsReportedOpen', target: 'd2Off', actions: assign({ contactorsClosed: false }) },
                    ],
                    after: {
                      CHA_T_Contactor09: { guard: 'isProtocol09', target: 'd2Off', actions: assign({ contactorsClosed: false }) },
                      CHA_T_ContactorOpen: { target: 'd2Off', actions: { type: 'stopFault', params: { fault: 'VEHICLE_CONTACTORS_NOT_REPORTED_OPEN' } } },
                    },
                  },
                  d2Off: {
                    // D2 never drops while current flows: wait here (the CCS side is told to stop) until it is low.
                    always: {
                      guard: 'currentLow',
                      target: 'd1Off',
                      actions: enqueueActions(({ context, enqueue }) => {
                        if (context.d2) enqueue({ type: 'd2', params: { on: false } });
                      }),
                    },
                  },
                  d1Off: {
                    entry: { type: 'd1', params: { on: false } },
                    always: 'awaitSafeVoltage',
                  },
                  awaitSafeVoltage: {
                    always: { guard: 'voltageSafe', target: 'unlock' },
                    after: {
                      CHA_T_SafeVoltage: {
                        target: '#chademo.active.sequence.done',
                        actions: [
                          assign({ staysLocked: true }),
                          { type: 'stopFault', params: ({ context }) => ({ fault: `UNLOCK_REFUSED: ${context.outputVoltage ?? context.ccsPresentVoltage} V on the CHAdeMO connector` }) },
                        ],
                      },
                    },
                  },
                  unlock: { entry: 'unlockPlug', always: '#chademo.active.sequence.done' },
                },
              },
              done: {
                type: 'final',
                entry: enqueueActions(({ context, enqueue }) =>
                  io(enqueue)({ type: 'reportStatus', params: report('Finished', { reason: context.stopReason ?? 'unknown' }, context.abnormal ? 'error' : 'info') }),
                ),
              },
            },
          },
        },
      },
      ended: { type: 'final' },
    },
    output: ({ context }) => ({
      result: context.abnormal ? 'Fault' : 'Finished',
      reason: context.stopReason ?? 'unknown',
      staysLocked: context.staysLocked,
      soc: context.status?.soc ?? 0,
      stopFaults: context.stopFaults,
    }),
  });

export { protocolName };
