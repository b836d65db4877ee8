// SimPlant: the physics between a simulated car and a simulated charger — the
// cable, the control pilot line, the DC power path — in one model, so that
// both sides of `tsplc sim` (and every test) see consistent values.
//
// DC power path, as on a real CCS inlet:
//   charger supply ──cable── inlet ──[EV contactors]── battery
// - The inlet always sees the charger's output (cable check and precharge
//   happen with the EV contactors open).
// - The battery joins the inlet only when the EV contactors are physically
//   closed; then the supply works as a CV/CC source into the battery's open
//   circuit voltage through the loop resistance, and only while its set
//   voltage exceeds the battery (a DC charger does not sink current).
// - Precharge is therefore just the supply ramping its output to the battery
//   voltage before the car closes its contactors.
//
// AC power path (IEC 61851-1 mode 3, ISO 15118-2 AC):
//   mains ──[EVSE output contactor]──cable── inlet ── onboard charger ── battery
// - The inlet carries the mains RMS voltage exactly while the charger's output
//   contactor is physically closed (and the cable is plugged in).
// - The car's onboard charger draws current only while, in addition, the CP
//   line is in state C or D (the car asks for energy), its charging is enabled
//   and the battery is not full; it draws the lower of its own AC maximum and
//   the charger's offer (from the PWM duty per IEC 61851-1, or, at 5 % duty,
//   the digitally communicated EVSEMaxCurrent).
// - Battery power = phases × U_mains × I_line × efficiency, integrated into the
//   SOC like the DC path. The EV contactors are not involved: the AC pins feed
//   the onboard charger directly (the v2g-ev machine never closes them in AC).
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { BatteryState, CpState, IsolationStatus, LockState, PowerSupplyLimits, PowerSupplyReading } from '../../src/ports/hardware.js';
import type { HardwareCommand } from '../../src/domain/safety/events.js';
import type { Clock } from '../../src/ports/clock.js';
import { wallClock } from '../../drivers/clock/index.js';

export interface SimBatteryOptions {
  /** Usable energy, Wh (pyPLC's default ChargeParameterDiscovery capacity: 28 kWh). */
  readonly capacityWh: number;
  readonly initialSocPercent: number;
  /** Open-circuit voltage at 0 % and 100 % SOC (linear in between), V. */
  readonly emptyVoltage: number;
  readonly fullVoltage: number;
  /** What the car reports as EVMaximumVoltageLimit (pyPLC default 398 V). */
  readonly maxVoltage: number;
  /** What the car reports as EVMaximumCurrentLimit (pyPLC default 100 A). */
  readonly maxCurrent: number;
  /** Battery + cable loop resistance, Ω: sets how much current a given voltage surplus drives. */
  readonly loopResistanceOhm: number;
}

export interface SimContactorOptions {
  /** Time from close() until the contacts (and the feedback) are closed, ms. */
  readonly closeDelayMs: number;
  /** Time from open() until the contacts (and the feedback) are open, ms. */
  readonly openDelayMs: number;
  /** Whether closed$ is a real feedback contact; without it closed$ echoes the command. */
  readonly hasFeedback: boolean;
}

export interface SimLockOptions {
  readonly present: boolean;
  /** Motor run time for lock/unlock, ms (typical lock actuators: 200–600 ms). */
  readonly moveMs: number;
  readonly hasFeedback: boolean;
}

export interface SimSupplyOptions extends PowerSupplyLimits {
  /** How fast the output follows a higher target, V/s. */
  readonly slewVoltsPerSecond: number;
  /** How fast the output falls when lowered or switched off (discharge circuit), V/s. */
  readonly dischargeVoltsPerSecond: number;
  /** Result and duration of isolationCheck() (the cable check's IMD measurement). */
  readonly isolationResult: IsolationStatus;
  readonly isolationCheckMs: number;
}

export interface SimAcOptions {
  /** Mains RMS voltage per phase (line to neutral) behind the charger's output contactor, V. */
  readonly nominalVoltage: number;
  /** Number of phases the charger supplies and the onboard charger uses. */
  readonly phases: 1 | 3;
  /** The onboard charger's maximum input current per phase, A (v2g-ev's default EVMaxCurrent: 16 A). */
  readonly evMaxCurrent: number;
  /** Onboard charger efficiency, AC input → battery. */
  readonly efficiency: number;
  /**
   * The current the charger offers digitally (ISO 15118-2 EVSEMaxCurrent), per phase, A. It applies
   * while the PWM duty is 5 % (IEC 61851-1: 3–7 % = digital communication, the limit comes over
   * the protocol). v2g-evse's default acMaxCurrent is 16 A, hence the same default.
   */
  readonly evseMaxCurrent: number;
  /** Whether the car's onboard charger is enabled (the car's own decision to take energy) at start. */
  readonly evChargingEnabled: boolean;
}

export interface SimPlantOptions {
  readonly scheduler?: Clock;
  /** Physics integration step, ms. */
  readonly stepMs?: number;
  /** Whether the cable is plugged in at start. */
  readonly plugged?: boolean;
  readonly battery?: Partial<SimBatteryOptions>;
  readonly contactors?: Partial<SimContactorOptions>;
  /** The charger's output contactor (switches the AC mains to the cable). */
  readonly evseContactor?: Partial<SimContactorOptions>;
  readonly ac?: Partial<SimAcOptions>;
  readonly lock?: Partial<SimLockOptions>;
  readonly supply?: Partial<SimSupplyOptions>;
  readonly faults?: Partial<SimFaults>;
}

export interface SimFaults {
  /** 'never-confirms': the coil never pulls in (no contact, no feedback). 'welded': once closed, never opens. */
  readonly contactors: 'none' | 'never-confirms' | 'welded';
  /** The same faults for the charger's output contactor. */
  readonly evseContactor: 'none' | 'never-confirms' | 'welded';
  /** 'fails-to-lock': the lock ends in 'fault' instead of 'locked'. 'fails-to-unlock': stays locked, reports 'fault'. */
  readonly lock: 'none' | 'fails-to-lock' | 'fails-to-unlock';
  /** 'current': the supply ignores every new setpoint and off() (current never drops). 'voltage': its output never falls. */
  readonly supply: 'none' | 'current' | 'voltage';
}

export const defaultSimBattery: SimBatteryOptions = {
  capacityWh: 28_000,
  initialSocPercent: 20,
  emptyVoltage: 330,
  fullVoltage: 395,
  maxVoltage: 398,
  maxCurrent: 100,
  loopResistanceOhm: 0.05,
};
export const defaultSimContactors: SimContactorOptions = { closeDelayMs: 80, openDelayMs: 40, hasFeedback: true };
export const defaultSimLock: SimLockOptions = { present: true, moveMs: 300, hasFeedback: true };
export const defaultSimSupply: SimSupplyOptions = {
  maxVoltage: 500,
  minVoltage: 0,
  maxCurrent: 200,
  maxPower: 100_000,
  slewVoltsPerSecond: 400,
  dischargeVoltsPerSecond: 500,
  isolationResult: 'Valid',
  isolationCheckMs: 2000,
};
export const defaultSimAc: SimAcOptions = { nominalVoltage: 230, phases: 3, evMaxCurrent: 16, efficiency: 0.92, evseMaxCurrent: 16, evChargingEnabled: true };
const noFaults: SimFaults = { contactors: 'none', evseContactor: 'none', lock: 'none', supply: 'none' };

/**
 * The current a charger offers by its PWM duty cycle, per phase (IEC 61851-1 Annex A, table A.8):
 * 3–7 % (nominally 5 %) = digital communication, the limit is the digitally sent one;
 * 8–10 % = 6 A; 10–85 % = duty × 0.6 A; 85–96 % = (duty − 64) × 2.5 A; 96–97 % = 80 A;
 * anything else (0 %, 100 % = no PWM, < 3 %, 7–8 %, > 97 %) = no charging allowed.
 */
export function acCurrentFromDuty(dutyPercent: number, digitalMaxCurrent: number): number {
  const d = dutyPercent;
  if (d >= 3 && d <= 7) return Math.max(0, digitalMaxCurrent);
  if (d >= 8 && d < 10) return 6;
  if (d >= 10 && d <= 85) return d * 0.6;
  if (d > 85 && d <= 97) return Math.min(80, (d - 64) * 2.5);
  return 0;
}

/** A value that emits only on change (numbers compared with a small tolerance). */
class Value<T> {
  private readonly subject: BehaviorSubject<T>;
  constructor(initial: T) {
    this.subject = new BehaviorSubject(initial);
  }
  get value(): T {
    return this.subject.getValue();
  }
  get $(): Observable<T> {
    return this.subject.asObservable();
  }
  set(v: T): void {
    const old = this.subject.getValue();
    if (typeof v === 'number' && typeof old === 'number' ? Math.abs(v - old) < 1e-6 : v === old) return;
    this.subject.next(v);
  }
  complete(): void {
    this.subject.complete();
  }
}

/**
 * A contactor with a coil delay and an auxiliary (feedback) contact. The
 * plant integrates up to the switching moment before the contacts move, so
 * observers see the feedback change while the interrupted current is still
 * the present one.
 */
class SimContactor {
  commanded = false;
  physical = false;
  readonly feedback = new Value<boolean>(false);
  private timer: unknown;
  constructor(
    readonly options: SimContactorOptions,
    private readonly scheduler: Clock,
    private readonly fault: () => SimFaults['contactors'],
    /** Integrates up to now (before the contacts move). */
    private readonly sync: () => void,
    /** Recomputes the operating point (after the contacts moved). */
    private readonly recompute: () => void,
    private readonly isDisposed: () => boolean,
  ) {}

  close(): void {
    this.sync();
    this.commanded = true;
    if (!this.options.hasFeedback) this.feedback.set(true);
    this.clear();
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      if (this.isDisposed() || !this.commanded) return;
      if (this.fault() === 'never-confirms') return;
      this.sync();
      this.physical = true;
      if (this.options.hasFeedback) this.feedback.set(true);
      this.recompute();
    }, this.options.closeDelayMs);
  }

  open(): void {
    this.sync();
    this.commanded = false;
    if (!this.options.hasFeedback) this.feedback.set(false);
    this.clear();
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      if (this.isDisposed() || this.commanded) return;
      if (this.fault() === 'welded' && this.physical) return;
      this.sync();
      this.physical = false;
      if (this.options.hasFeedback) this.feedback.set(false);
      this.recompute();
    }, this.options.openDelayMs);
  }

  dispose(): void {
    this.clear();
    this.feedback.complete();
  }

  private clear(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export class SimPlant {
  readonly scheduler: Clock;
  readonly stepMs: number;
  readonly batteryOptions: SimBatteryOptions;
  readonly contactorOptions: SimContactorOptions;
  readonly lockOptions: SimLockOptions;
  readonly supplyOptions: SimSupplyOptions;
  readonly evseContactorOptions: SimContactorOptions;
  readonly acOptions: SimAcOptions;
  private faultsNow: SimFaults;

  // Control pilot line.
  private readonly pluggedV: Value<boolean>;
  private evCpLoad: CpState = 'B';
  private evseCpOutput: CpState = 'A';
  private evseDuty = 100;
  readonly evCpState = new Value<CpState>('A');
  readonly evseCpState = new Value<CpState>('A');
  readonly evDuty = new Value<number>(0);
  readonly evseDutyV = new Value<number>(100);

  // EV contactors, the charger's output contactor, and the lock.
  private readonly evContactor: SimContactor;
  private readonly evseContactor: SimContactor;
  readonly contactorsFeedback: Value<boolean>;
  readonly evseContactorFeedback: Value<boolean>;
  readonly lockState = new Value<LockState>('unlocked');
  private lockTimer: unknown;

  // Power path.
  private supplyEnabled = false;
  private supplyTargetV = 0;
  private supplyLimitA = 0;
  private supplySetV = 0;
  private isolationTimer: unknown;
  private isolationResolve: ((r: IsolationStatus) => void) | undefined;
  private soc: number;
  readonly inletV = new Value<number>(0);
  readonly supplyReading = new BehaviorSubject<PowerSupplyReading>({ voltage: 0, current: 0 });
  readonly currentA = new Value<number>(0);
  readonly battery: BehaviorSubject<BatteryState>;

  // AC path.
  private evseAcMaxCurrent: number;
  private evAcEnabled: boolean;
  /** Per-phase RMS line current the onboard charger draws, A. */
  readonly acLineCurrentA = new Value<number>(0);

  readonly evCommands = new Subject<HardwareCommand>();
  readonly evseCommands = new Subject<HardwareCommand>();

  private lastStep: number;
  private tickTimer: unknown;
  private closed = false;

  constructor(options: SimPlantOptions = {}) {
    this.scheduler = options.scheduler ?? wallClock;
    this.stepMs = options.stepMs ?? 50;
    this.batteryOptions = { ...defaultSimBattery, ...options.battery };
    this.contactorOptions = { ...defaultSimContactors, ...options.contactors };
    this.lockOptions = { ...defaultSimLock, ...options.lock };
    this.supplyOptions = { ...defaultSimSupply, ...options.supply };
    this.evseContactorOptions = { ...defaultSimContactors, ...options.evseContactor };
    this.acOptions = { ...defaultSimAc, ...options.ac };
    this.evseAcMaxCurrent = Math.max(0, this.acOptions.evseMaxCurrent);
    this.evAcEnabled = this.acOptions.evChargingEnabled;
    this.faultsNow = { ...noFaults, ...options.faults };
    const sync = (): void => this.sync();
    const recompute = (): void => this.recompute();
    const disposed = (): boolean => this.closed;
    this.evContactor = new SimContactor(this.contactorOptions, this.scheduler, () => this.faultsNow.contactors, sync, recompute, disposed);
    this.evseContactor = new SimContactor(this.evseContactorOptions, this.scheduler, () => this.faultsNow.evseContactor, sync, recompute, disposed);
    this.contactorsFeedback = this.evContactor.feedback;
    this.evseContactorFeedback = this.evseContactor.feedback;
    this.soc = clamp(this.batteryOptions.initialSocPercent, 0, 100);
    this.pluggedV = new Value(options.plugged ?? true);
    this.battery = new BehaviorSubject<BatteryState>(this.batteryState());
    this.lastStep = this.scheduler.now();
    this.updateCp();
    this.recompute();
    this.armTick();
  }

  // ---- facts and fault injection -------------------------------------------------

  get plugged$(): Observable<boolean> {
    return this.pluggedV.$;
  }
  get isPlugged(): boolean {
    return this.pluggedV.value;
  }
  get faults(): SimFaults {
    return this.faultsNow;
  }
  get socPercent(): number {
    return this.soc;
  }
  /** Whether the EV contactors' contacts are physically closed (differs from feedback when faulted). */
  get contactorsPhysicallyClosed(): boolean {
    return this.evContactor.physical;
  }
  /** Whether the charger's output contactor is physically closed (mains on the cable). */
  get evseContactorPhysicallyClosed(): boolean {
    return this.evseContactor.physical;
  }
  /** The current the charger offers now, per phase, A: from its PWM duty, or the digital limit at 5 %. */
  get acOfferedCurrent(): number {
    return acCurrentFromDuty(this.evseDutyV.value, this.evseAcMaxCurrent);
  }
  /** Whether the car's onboard charger is enabled. */
  get evAcChargingEnabled(): boolean {
    return this.evAcEnabled;
  }
  /** The supply's internal (pre-cable) output voltage. */
  get supplyVoltage(): number {
    return this.supplySetV;
  }

  injectFault(faults: Partial<SimFaults>): void {
    this.faultsNow = { ...this.faultsNow, ...faults };
  }

  plug(): void {
    this.sync();
    this.pluggedV.set(true);
    this.updateCp();
    this.recompute();
  }

  /** Pulls the plug (also mid-charge: the model then simply breaks the circuit). */
  unplug(): void {
    this.sync();
    this.pluggedV.set(false);
    this.updateCp();
    this.recompute();
  }

  // ---- control pilot -------------------------------------------------------------

  setEvCpLoad(state: CpState): void {
    this.evCommands.next({ port: 'controlPilot', command: 'setState', state });
    // The EV can only switch its resistors: B (2.74 kΩ), C (+1.3 kΩ) or D (+270 Ω).
    this.sync();
    if (state === 'B' || state === 'C' || state === 'D') this.evCpLoad = state;
    this.updateCp();
    this.recompute();
  }

  setEvseCpOutput(state: CpState): void {
    this.evseCommands.next({ port: 'controlPilot', command: 'setState', state });
    this.sync();
    this.evseCpOutput = state;
    this.updateCp();
    this.recompute();
  }

  setEvseDuty(percent: number): void {
    this.evseCommands.next({ port: 'controlPilot', command: 'setDutyCycle', percent });
    this.sync();
    this.evseDuty = clamp(percent, 0, 100);
    this.updateCp();
    this.recompute();
  }

  private updateCp(): void {
    // What both ends measure on the one CP wire.
    let state: CpState;
    if (this.evseCpOutput === 'F' || this.evseCpOutput === 'E') state = this.evseCpOutput;
    else if (!this.pluggedV.value) state = 'A';
    else state = this.evCpLoad;
    this.evseCpState.set(state);
    // Unplugged, the EV sees no pilot at all; we report that as state A with 0 % duty.
    this.evCpState.set(this.pluggedV.value ? state : 'A');
    const oscillating = this.evseCpOutput !== 'F' && this.evseCpOutput !== 'E';
    this.evseDutyV.set(oscillating ? this.evseDuty : 0);
    this.evDuty.set(this.pluggedV.value && oscillating ? this.evseDuty : 0);
  }

  // ---- EV contactors -------------------------------------------------------------

  closeContactors(): void {
    this.evCommands.next({ port: 'contactors', command: 'close' });
    this.evContactor.close();
  }

  openContactors(): void {
    this.evCommands.next({ port: 'contactors', command: 'open' });
    this.evContactor.open();
  }

  // ---- charger output contactor and AC offer -----------------------------------------

  /** The charger closes its output contactor: mains onto the cable (after closeDelayMs). */
  closeEvseContactor(): void {
    this.evseCommands.next({ port: 'contactors', command: 'close' });
    this.evseContactor.close();
  }

  openEvseContactor(): void {
    this.evseCommands.next({ port: 'contactors', command: 'open' });
    this.evseContactor.open();
  }

  /**
   * The charger's digitally communicated maximum AC current per phase (ISO 15118-2 EVSEMaxCurrent),
   * in force while the PWM duty is 5 %. With an analog duty (8–97 %) the duty sets the offer.
   */
  setEvseAcMaxCurrent(amps: number): void {
    this.sync();
    this.evseAcMaxCurrent = Number.isFinite(amps) ? Math.max(0, amps) : 0;
    this.recompute();
  }

  /** The car enables or disables its onboard charger (e.g. its BMS pauses charging). */
  setEvAcChargingEnabled(enabled: boolean): void {
    this.sync();
    this.evAcEnabled = enabled;
    this.recompute();
  }

  // ---- connector lock ------------------------------------------------------------

  lock(): void {
    this.evCommands.next({ port: 'connectorLock', command: 'lock' });
    this.moveLock('locked');
  }

  unlock(): void {
    this.evCommands.next({ port: 'connectorLock', command: 'unlock' });
    this.moveLock('unlocked');
  }

  private moveLock(goal: 'locked' | 'unlocked'): void {
    if (this.lockState.value === goal) return;
    this.clearTimer(this.lockTimer);
    const fb = this.lockOptions.hasFeedback;
    if (fb) this.lockState.set('moving');
    this.lockTimer = this.scheduler.setTimeout(() => {
      this.lockTimer = undefined;
      if (this.closed) return;
      const fault = this.faultsNow.lock;
      if (goal === 'locked' && fault === 'fails-to-lock') this.lockState.set(fb ? 'fault' : 'locked');
      else if (goal === 'unlocked' && fault === 'fails-to-unlock') this.lockState.set(fb ? 'fault' : 'unlocked');
      else this.lockState.set(goal);
    }, this.lockOptions.moveMs);
    if (!fb) this.lockState.set(goal);
  }

  // ---- charger power supply --------------------------------------------------------

  setSupplyTarget(voltage: number, current: number): void {
    this.evseCommands.next({ port: 'powerSupply', command: 'setTarget', voltage, current });
    this.sync();
    if (this.faultsNow.supply === 'current') return;
    const s = this.supplyOptions;
    this.supplyEnabled = true;
    this.supplyTargetV = clamp(voltage, s.minVoltage, s.maxVoltage);
    this.supplyLimitA = clamp(current, 0, s.maxCurrent);
    this.recompute();
  }

  supplyOff(): void {
    this.evseCommands.next({ port: 'powerSupply', command: 'off' });
    this.sync();
    if (this.faultsNow.supply === 'current') return;
    this.supplyEnabled = false;
    this.supplyTargetV = 0;
    this.supplyLimitA = 0;
    this.recompute();
  }

  /** Applies the test voltage (no load: the EV contactors are open during cable check), then reports the IMD result. */
  isolationCheck(voltage: number): Promise<IsolationStatus> {
    this.evseCommands.next({ port: 'powerSupply', command: 'isolationCheck', voltage });
    if (this.closed) return Promise.resolve('Invalid');
    this.sync();
    if (this.faultsNow.supply !== 'current') {
      this.supplyEnabled = true;
      this.supplyTargetV = clamp(voltage, this.supplyOptions.minVoltage, this.supplyOptions.maxVoltage);
      // A cable check drives the voltage through a current-limited source.
      this.supplyLimitA = Math.min(this.supplyLimitA, 1);
      this.recompute();
    }
    this.clearTimer(this.isolationTimer);
    // A new check supersedes a running one; the old caller learns it did not complete.
    this.isolationResolve?.('Invalid');
    return new Promise((resolve) => {
      this.isolationResolve = resolve;
      this.isolationTimer = this.scheduler.setTimeout(() => {
        this.isolationTimer = undefined;
        this.isolationResolve = undefined;
        this.sync();
        // IEC 61851-23:2023: the output is below 60 V at the end of CableCheck, so discharge.
        if (this.faultsNow.supply === 'none') {
          this.supplyEnabled = false;
          this.supplyTargetV = 0;
          this.supplyLimitA = 0;
        }
        this.recompute();
        resolve(this.pluggedV.value ? this.supplyOptions.isolationResult : 'Invalid');
      }, this.supplyOptions.isolationCheckMs);
    });
  }

  // ---- physics -------------------------------------------------------------------

  private ocv(): number {
    const b = this.batteryOptions;
    return b.emptyVoltage + ((b.fullVoltage - b.emptyVoltage) * this.soc) / 100;
  }

  private batteryState(): BatteryState {
    const b = this.batteryOptions;
    const connected = this.evContactor.physical && this.pluggedV.value;
    const ac = this.acFlow();
    return {
      socPercent: Math.round(this.soc * 100) / 100,
      voltage: round2(connected ? this.flow().volts : ac.batteryVolts),
      maxCurrent: b.maxCurrent,
      maxVoltage: b.maxVoltage,
      capacityWh: b.capacityWh,
    };
  }

  /** Integrates from the last step up to now in steps of at most stepMs. */
  sync(): void {
    if (this.closed) return;
    const now = this.scheduler.now();
    let dt = now - this.lastStep;
    if (dt <= 0) return;
    while (dt > 0) {
      const h = Math.min(dt, this.stepMs);
      this.integrate(h / 1000);
      dt -= h;
    }
    this.lastStep = now;
    this.recompute();
  }

  private integrate(seconds: number): void {
    const s = this.supplyOptions;
    let goal = this.supplyEnabled ? this.supplyTargetV : 0;
    if (this.faultsNow.supply === 'voltage' && goal < this.supplySetV) goal = this.supplySetV;
    const rate = goal > this.supplySetV ? s.slewVoltsPerSecond : s.dischargeVoltsPerSecond;
    this.supplySetV = approach(this.supplySetV, goal, rate * seconds);
    const { amps, volts } = this.flow();
    let wh = amps > 0 ? (volts * amps * seconds) / 3600 : 0;
    wh += (this.acFlow().batteryWatts * seconds) / 3600;
    if (wh > 0) this.soc = Math.min(100, this.soc + (wh / this.batteryOptions.capacityWh) * 100);
  }

  /** The mains RMS voltage at the inlet: present while the charger's contactor is closed and the cable plugged in. */
  private acInletVolts(): number {
    return this.evseContactor.physical && this.pluggedV.value ? this.acOptions.nominalVoltage : 0;
  }

  /**
   * The AC operating point: the onboard charger draws min(its maximum, the charger's offer) per
   * phase while mains is present, CP is C/D, it is enabled and the battery is not full. On the
   * battery side it delivers P = phases × U × I × efficiency into the OCV through loopResistanceOhm:
   * R·I² + U_ocv·I − P = 0, so U_battery·I_battery equals P exactly.
   */
  private acFlow(): { lineAmps: number; batteryWatts: number; batteryAmps: number; batteryVolts: number } {
    const ocv = this.ocv();
    const a = this.acOptions;
    const mains = this.acInletVolts();
    const cp = this.evseCpState.value;
    const drawing = mains > 0 && (cp === 'C' || cp === 'D') && this.evAcEnabled && this.soc < 100;
    const lineAmps = drawing ? Math.max(0, Math.min(a.evMaxCurrent, this.acOfferedCurrent)) : 0;
    const batteryWatts = a.phases * mains * lineAmps * clamp(a.efficiency, 0, 1);
    if (batteryWatts <= 0) return { lineAmps, batteryWatts: 0, batteryAmps: 0, batteryVolts: ocv };
    const r = this.batteryOptions.loopResistanceOhm;
    const batteryAmps = r > 0 ? (Math.sqrt(ocv * ocv + 4 * r * batteryWatts) - ocv) / (2 * r) : batteryWatts / Math.max(ocv, 1);
    return { lineAmps, batteryWatts, batteryAmps, batteryVolts: ocv + batteryAmps * r };
  }

  /** The DC operating point for the present state. */
  private flow(): { amps: number; volts: number } {
    if (!this.pluggedV.value) return { amps: 0, volts: 0 };
    const ocv = this.ocv();
    if (!this.evContactor.physical) return { amps: 0, volts: this.supplySetV };
    const s = this.supplyOptions;
    const r = this.batteryOptions.loopResistanceOhm;
    const limit = this.supplyEnabled || this.faultsNow.supply === 'current' ? Math.min(this.supplyLimitA, s.maxCurrent, s.maxPower / Math.max(ocv, 1)) : 0;
    const cv = (this.supplySetV - ocv) / r;
    // Constant voltage while the surplus drives less than the limit, constant current beyond it, nothing below the battery.
    const amps = clamp(cv, 0, limit);
    return { amps, volts: ocv + amps * r };
  }

  private recompute(): void {
    const { amps, volts } = this.flow();
    const ac = this.acFlow();
    const mains = this.acInletVolts();
    // The EV's current sensor measures what flows into the battery (DC side of the onboard charger in AC).
    this.currentA.set(round2(amps + ac.batteryAmps));
    this.acLineCurrentA.set(round2(ac.lineAmps));
    // With the charger's contactor closed the inlet carries mains (RMS); otherwise the DC path's voltage.
    this.inletV.set(round2(mains > 0 ? mains : volts));
    // The charger's output reading: mains and the line current while its contactor is closed (live even unplugged).
    const reading = this.evseContactor.physical
      ? { voltage: round2(this.acOptions.nominalVoltage), current: round2(ac.lineAmps) }
      : { voltage: round2(this.pluggedV.value ? volts : this.supplySetV), current: round2(amps) };
    const prev = this.supplyReading.getValue();
    if (prev.voltage !== reading.voltage || prev.current !== reading.current) this.supplyReading.next(reading);
    const b = this.batteryState();
    const pb = this.battery.getValue();
    if (pb.socPercent !== b.socPercent || pb.voltage !== b.voltage) this.battery.next(b);
  }

  private armTick(): void {
    if (this.closed) return;
    this.tickTimer = this.scheduler.setTimeout(() => {
      this.tickTimer = undefined;
      this.sync();
      this.armTick();
    }, this.stepMs);
  }

  private clearTimer(t: unknown): void {
    if (t !== undefined) this.scheduler.clearTimeout(t);
  }

  /** Stops the physics clock and every pending timer; observables complete. */
  close(): void {
    if (this.closed) return;
    this.sync();
    this.closed = true;
    for (const t of [this.tickTimer, this.lockTimer, this.isolationTimer]) this.clearTimer(t);
    this.evContactor.dispose();
    this.evseContactor.dispose();
    this.isolationResolve?.('Invalid');
    this.isolationResolve = undefined;
    for (const v of [this.evCpState, this.evseCpState, this.evDuty, this.evseDutyV, this.lockState, this.inletV, this.currentA, this.acLineCurrentA, this.pluggedV])
      v.complete();
    this.supplyReading.complete();
    this.battery.complete();
    this.evCommands.complete();
    this.evseCommands.complete();
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function approach(x: number, goal: number, maxStep: number): number {
  return x < goal ? Math.min(goal, x + maxStep) : Math.max(goal, x - maxStep);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
