// A simulated CHAdeMO car for `tsplc sim --chademo` and the bridge tests. It
// sits on the sim plant's DC path (the plant's battery and EV contactors are
// this car's: the adapter passes the CCS charger's DC straight to the CHAdeMO
// pins, as ccs32clara-chademo adapters do), talks CAN on a MemoryCanBus node
// and reads d1/d2 / drives k through the wiring returned by createSimChademo().
//
// Behaviour, as the sequence in protocol-facts §7 expects of a car:
//   D1 → wakes (wakeMs), sends 0x100/0x101/0x102 every 100 ms, closes k and sets READY (readyMs)
//   D2 → closes its contactors (contactorCloseMs), clears 102.5.3
//   contactors closed → the BMS requests current by SOC (full current to taperSoc, then linear
//   down to 10 %), 0 at targetSoc; at 0 A it clears READY (normal end)
//   charger STOPPED/error, or D2 off → requests 0 A, opens its contactors once ≤ 5 A (or at once on D2 off)
//   D1 off → opens k, goes silent.
// Faults are injected per phase (SimChademoFaults).
import { BehaviorSubject, type Subscription } from 'rxjs';
import {
  decodeChargerLimits,
  decodeChargerStatus,
  encodeVehicleLimits,
  encodeVehicleStatus,
  encodeVehicleTimes,
  noVehicleFaults,
  protocolNumberOf,
  type ChademoProtocol,
  type ChargerLimits,
  type ChargerStatus,
  type VehicleFaults,
} from '../../src/domain/chademo/frames.js';
import type { CanPort } from '../../src/ports/can.js';
import type { ChademoSignals } from '../../src/ports/chademo.js';
import type { ConnectorLock, LockState } from '../../src/ports/hardware.js';
import type { SimPlant } from './plant.js';
import type { Clock } from '../../src/ports/clock.js';

export type SimChademoPhase = 'off' | 'ready' | 'd2' | 'charging' | 'stopping';

export interface SimChademoFaults {
  /** The car stops sending CAN from this phase on. */
  readonly silentFrom?: SimChademoPhase;
  /** In charging, after faultAfterMs: opens k / clears READY / sets a fault flag / sets 102.5.2 / asks to stop. */
  readonly kDrop?: boolean;
  readonly readyDrop?: boolean;
  readonly faultFlag?: keyof VehicleFaults;
  readonly systemFault?: boolean;
  readonly stopRequest?: boolean;
  /** When the charging faults above strike, ms after charging began. */
  readonly faultAfterMs?: number;
  /** The car never closes k. */
  readonly neverReady?: boolean;
  /** The contactors never close after D2. */
  readonly contactorsNeverClose?: boolean;
  /** The car never requests current. */
  readonly noCurrentRequest?: boolean;
  /** A fixed current request, A (e.g. above the limits). */
  readonly currentRequest?: number;
  /** The car's 0x102 target voltage, V (e.g. above what the charger has). */
  readonly targetVoltage?: number;
}

export interface SimChademoCarOptions {
  readonly protocol: ChademoProtocol;
  /** 0x100 max current / min voltage / max battery voltage. */
  readonly maxCurrent: number;
  readonly minVoltage: number;
  readonly maxBatteryVoltage: number;
  /** 0x102 target voltage (end-of-charge voltage). */
  readonly targetVoltage: number;
  readonly capacityKwh: number;
  readonly targetSoc: number;
  readonly taperSoc: number;
  readonly wakeMs: number;
  readonly readyMs: number;
  readonly contactorCloseMs: number;
  readonly cycleMs: number;
  readonly faults: SimChademoFaults;
}

export const defaultSimChademoCar: SimChademoCarOptions = {
  protocol: '1.0',
  maxCurrent: 120,
  minVoltage: 300,
  maxBatteryVoltage: 410,
  targetVoltage: 400,
  capacityKwh: 24,
  targetSoc: 80,
  taperSoc: 70,
  wakeMs: 200,
  readyMs: 500,
  contactorCloseMs: 400,
  cycleMs: 100,
  faults: {},
};

export interface SimChademoCar {
  readonly phase: SimChademoPhase;
  readonly kClosed: boolean;
  readonly d1: boolean;
  readonly d2: boolean;
  readonly currentRequest: number;
  /** The last 0x109 the car received. */
  readonly chargerStatus: ChargerStatus | undefined;
  readonly chargerLimits: ChargerLimits | undefined;
  /** Change the injected faults while running. */
  inject(f: SimChademoFaults): void;
  close(): void;
}

/** A simple CHAdeMO plug lock with a motor time (the charger locks the car's plug). */
class SimChademoLock implements ConnectorLock {
  readonly hasFeedback = true;
  private readonly s = new BehaviorSubject<LockState>('unlocked');
  readonly state$ = this.s.asObservable();
  private timer: unknown;
  constructor(
    private readonly scheduler: Clock,
    private readonly moveMs: number,
  ) {}
  get state(): LockState {
    return this.s.getValue();
  }
  private move(to: LockState): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.s.next('moving');
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.s.next(to);
    }, this.moveMs);
  }
  lock(): void {
    if (this.state !== 'locked') this.move('locked');
  }
  unlock(): void {
    if (this.state !== 'unlocked') this.move('unlocked');
  }
  dispose(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.s.complete();
  }
}

export interface SimChademo {
  readonly car: SimChademoCar;
  /** The bridge's side of the sequence wiring and lock. */
  readonly signals: ChademoSignals & { readonly lockState: () => LockState };
  /** Every D2 change with the plant current at that moment (for the invariant checks). */
  readonly d2Log: { readonly on: boolean; readonly amps: number; readonly at: number }[];
  /** Every unlock command with the connector voltage at that moment. */
  readonly unlockLog: { readonly volts: number; readonly at: number }[];
}

export function createSimChademo(plant: SimPlant, can: CanPort, scheduler: Clock, options: Partial<SimChademoCarOptions> = {}): SimChademo {
  const o: SimChademoCarOptions = { ...defaultSimChademoCar, ...options, faults: { ...defaultSimChademoCar.faults, ...options.faults } };
  let faults: SimChademoFaults = o.faults;
  let phase: SimChademoPhase = 'off';
  let d1 = false;
  let d2 = false;
  const k = new BehaviorSubject<boolean>(false);
  let ready = false;
  let readyLatched = false;
  let flagFault: keyof VehicleFaults | undefined;
  let systemFault = false;
  let stopRequest = false;
  let request = 0;
  let chargingSince = -1;
  let chargerStarted = false;
  let chargerStatus: ChargerStatus | undefined;
  let chargerLimits: ChargerLimits | undefined;
  let cycleTimer: unknown;
  const timers = new Set<unknown>();
  let closed = false;
  const later = (ms: number, fn: () => void): void => {
    const h = scheduler.setTimeout(() => {
      timers.delete(h);
      if (!closed) fn();
    }, ms);
    timers.add(h);
  };
  const lock = new SimChademoLock(scheduler, 300);
  const d2Log: SimChademo['d2Log'] = [];
  const unlockLog: SimChademo['unlockLog'] = [];
  const soc = (): number => plant.battery.getValue().socPercent;
  const contactorsClosed = (): boolean => plant.contactorsFeedback.value;

  const silent = (): boolean => {
    const from = faults.silentFrom;
    if (!from) return false;
    const order: SimChademoPhase[] = ['off', 'ready', 'd2', 'charging', 'stopping'];
    return order.indexOf(phase) >= order.indexOf(from) && phase !== 'off';
  };

  /** BMS: full current up to taperSoc, then linear down to 10 % at 100 %; 0 at the target. */
  const bms = (): number => {
    if (faults.noCurrentRequest) return 0;
    if (faults.currentRequest !== undefined) return faults.currentRequest;
    const s = soc();
    if (s >= o.targetSoc) return 0;
    if (s <= o.taperSoc) return o.maxCurrent;
    return Math.max(1, Math.round(o.maxCurrent * (1 - (0.9 * (s - o.taperSoc)) / (100 - o.taperSoc))));
  };

  const openContactors = (): void => {
    if (plant.contactorsFeedback.value || phase === 'charging' || phase === 'd2') plant.openContactors();
  };

  const step = (): void => {
    const now = scheduler.now();
    const stopped = chargerStatus?.status.stopped === true || chargerStatus?.status.chargerError === true;
    if (phase === 'charging') {
      if (chargingSince < 0) chargingSince = now;
      const since = now - chargingSince;
      if (since >= (faults.faultAfterMs ?? 3000)) {
        if (faults.kDrop) k.next(false);
        if (faults.readyDrop) ready = false;
        if (faults.faultFlag) flagFault = faults.faultFlag;
        if (faults.systemFault) systemFault = true;
        if (faults.stopRequest) stopRequest = true;
      }
      // Charging ends when the charger stops after it had started (109.5.5 set again), or reports an error.
      if (chargerStatus?.status.charging === true) chargerStarted = true;
      request = bms();
      if ((stopped && chargerStarted) || chargerStatus?.status.chargerError === true) phase = 'stopping';
      if (request === 0 && soc() >= o.targetSoc && plant.currentA.value <= 5) {
        // Normal end: done, READY cleared; the charger stops.
        ready = false;
      }
    }
    if (phase === 'd2' && contactorsClosed()) {
      request = bms();
      if (request > 0) phase = 'charging';
    }
    if (phase === 'stopping') {
      request = 0;
      if (plant.currentA.value <= 5 && contactorsClosed()) plant.openContactors();
    }
    if (phase !== 'off' && !silent()) send();
  };

  const send = (): void => {
    const proto = protocolNumberOf(o.protocol);
    const l = encodeVehicleLimits({ minCurrent: proto >= 2 ? 0 : 0, maxCurrent: o.maxCurrent, minVoltage: o.minVoltage, maxBatteryVoltage: o.maxBatteryVoltage, chargedRateConstant: 100 });
    const t = encodeVehicleTimes({ maxChargingTime10s: 0xff, maxChargingTimeMin: 90, estimatedChargingTimeMin: 60, batteryCapacityKwh: o.capacityKwh });
    const f: VehicleFaults = flagFault ? { ...noVehicleFaults, [flagFault]: true } : noVehicleFaults;
    const s = encodeVehicleStatus({
      protocol: proto,
      targetVoltage: faults.targetVoltage ?? o.targetVoltage,
      currentRequest: Math.max(0, Math.min(255, Math.round(request))),
      faults: f,
      status: {
        chargingEnabled: ready,
        notInPark: false,
        systemFault,
        // Protocol 0.9 has no contactor flag (always 0).
        contactorOpen: proto >= 2 ? !contactorsClosed() : false,
        stopBeforeCharging: stopRequest,
        dischargeCapable: false,
      },
      soc: Math.max(0, Math.min(100, Math.floor(soc()))),
    });
    if (l.ok) can.send({ id: 0x100, data: l.value });
    if (t.ok) can.send({ id: 0x101, data: t.value });
    if (s.ok) can.send({ id: 0x102, data: s.value });
  };

  const cycle = (): void => {
    cycleTimer = scheduler.setTimeout(() => {
      if (closed) return;
      step();
      cycle();
    }, o.cycleMs);
  };

  const subs: Subscription[] = [];
  subs.push(
    can.frames$.subscribe((fr) => {
      if (fr.id === 0x109) {
        const r = decodeChargerStatus(fr.data);
        if (r.ok) chargerStatus = r.value;
      } else if (fr.id === 0x108) {
        const r = decodeChargerLimits(fr.data);
        if (r.ok) chargerLimits = r.value;
      }
    }),
  );

  const onD1 = (on: boolean): void => {
    if (on === d1) return;
    d1 = on;
    if (on) {
      later(o.wakeMs, () => {
        if (!d1) return;
        phase = 'ready';
        readyLatched = false;
      });
      later(o.readyMs, () => {
        if (!d1 || faults.neverReady) return;
        k.next(true);
        ready = true;
        readyLatched = true;
      });
    } else {
      openContactors();
      k.next(false);
      ready = false;
      phase = 'off';
    }
  };
  const onD2 = (on: boolean): void => {
    if (on === d2) return;
    d2 = on;
    d2Log.push({ on, amps: plant.currentA.value, at: scheduler.now() });
    if (on) {
      if (phase === 'ready') phase = 'd2';
      later(o.contactorCloseMs, () => {
        if (!d2 || faults.contactorsNeverClose || !k.getValue()) return;
        plant.closeContactors();
      });
    } else if (contactorsClosed() || phase === 'charging' || phase === 'd2' || phase === 'stopping') {
      // D2 off: the charger ends the session, the contactors open whatever the current.
      plant.openContactors();
      if (phase !== 'off') phase = 'stopping';
    }
  };
  cycle();
  void readyLatched;

  const car: SimChademoCar = {
    get phase() {
      return phase;
    },
    get kClosed() {
      return k.getValue();
    },
    get d1() {
      return d1;
    },
    get d2() {
      return d2;
    },
    get currentRequest() {
      return request;
    },
    get chargerStatus() {
      return chargerStatus;
    },
    get chargerLimits() {
      return chargerLimits;
    },
    inject(f) {
      faults = { ...faults, ...f };
    },
    close() {
      closed = true;
      if (cycleTimer !== undefined) scheduler.clearTimeout(cycleTimer);
      for (const h of timers) scheduler.clearTimeout(h);
      for (const s of subs) s.unsubscribe();
      lock.dispose();
      k.complete();
    },
  };
  return {
    car,
    d2Log,
    unlockLog,
    signals: {
      setD1: onD1,
      setD2: onD2,
      k$: k.asObservable(),
      lock: {
        state$: lock.state$,
        hasFeedback: true,
        lock: () => lock.lock(),
        unlock: () => {
          unlockLog.push({ volts: plant.inletV.value, at: scheduler.now() });
          lock.unlock();
        },
      },
      outputVoltage: { volts$: plant.inletV.$ },
      lockState: () => lock.state,
      close: async () => car.close(),
    },
  };
}
