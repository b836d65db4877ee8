// Safety invariant monitor. It only observes: commands given to the hardware
// and the values the hardware measures. It never acts — the SafeShutdown
// machine acts; this monitor is the independent witness every session and
// fault test attaches, so that a bug in a session machine shows up as a named
// violation instead of a silently "passing" test.
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { BatteryState, CpState, EvHardware, LockState } from '../../ports/hardware.js';
import type { Clock } from '../../ports/clock.js';
import { evHardwareEvents, type HardwareEvent, type LoggedSafetyFault } from './events.js';

export type SafetyViolationCode =
  /** Contactors commanded open, or seen opening, while current flowed above the limit. */
  | 'CONTACTORS_OPENED_UNDER_LOAD'
  /** Connector unlock commanded, or the lock left 'locked', while the contactors were closed. */
  | 'UNLOCKED_WHILE_CONTACTORS_CLOSED'
  /** Connector unlock commanded, or the lock left 'locked', while the inlet carried more than the safe voltage. */
  | 'UNLOCKED_ABOVE_SAFE_VOLTAGE'
  /** CP in state C/D (energy transfer requested) with the connector not locked for longer than the grace time. */
  | 'CP_C_WITHOUT_LOCK'
  /** Contactors closed while the connector was not locked. */
  | 'CONTACTORS_CLOSED_WITHOUT_LOCK'
  /** Contactors closed while inlet and battery voltage differed by more than the precharge delta (inrush). */
  | 'CONTACTORS_CLOSED_WITHOUT_PRECHARGE'
  /** Inlet voltage above the battery's maximum voltage plus margin while the contactors were closed. */
  | 'VOLTAGE_ABOVE_EV_MAXIMUM'
  /** Charge current above the battery's maximum current plus margin. */
  | 'CURRENT_ABOVE_EV_MAXIMUM'
  /** EVSE: output above the safe voltage while the CP is not in state C/D, for longer than the discharge grace. */
  | 'EVSE_OUTPUT_LIVE_WITHOUT_STATE_C'
  /** EVSE: output current above the power supply's maximum current plus margin. */
  | 'EVSE_CURRENT_ABOVE_LIMIT'
  /** EVSE: output voltage above the power supply's maximum voltage plus margin. */
  | 'EVSE_VOLTAGE_ABOVE_LIMIT';

export interface SafetyViolation {
  readonly code: SafetyViolationCode;
  readonly message: string;
  readonly time: number;
  readonly facts: Readonly<Record<string, number | string | boolean>>;
}

/**
 * An invariant break the rule itself allows: "contactors never open while current
 * is above the configured limit (except after the deadline, logged as a fault)".
 * Not a violation, but kept on record with the fault that sanctioned it.
 */
export interface ExcusedBreak {
  readonly code: Extract<SafetyViolationCode, 'CONTACTORS_OPENED_UNDER_LOAD'>;
  readonly message: string;
  readonly time: number;
  readonly facts: Readonly<Record<string, number | string | boolean>>;
  /** The fault the SafeShutdownSequence logged before the step (CURRENT_DID_NOT_DROP). */
  readonly fault: LoggedSafetyFault;
}

export interface SafetyLimits {
  /** Contactors must not open above this current, in A. */
  readonly contactorOpenCurrentLimit: number;
  /** Touch-safe DC voltage, in V: unlocking is allowed only below it (IEC 61851-23 / IEC 60364-4-41: 60 V DC). */
  readonly safeVoltage: number;
  /** Maximum |inlet − battery| when contactors close, in V (ccs32clara ends precharge below 20 V; pyPLC 10 V). */
  readonly prechargeDelta: number;
  /** How long CP may stay in C/D before the lock must report 'locked', in ms (DIN flow: state C, then lock). */
  readonly lockGraceMs: number;
  /** Whether the connector must be locked at all (true when the hardware has a lock). */
  readonly requireLock: boolean;
  /** Tolerated excess over BatteryState.maxVoltage, in V. */
  readonly overVoltageMargin: number;
  /** Tolerated excess over BatteryState.maxCurrent, in A. */
  readonly overCurrentMargin: number;
}

export const defaultSafetyLimits: SafetyLimits = {
  contactorOpenCurrentLimit: 5,
  safeVoltage: 60,
  prechargeDelta: 20,
  lockGraceMs: 2000,
  requireLock: true,
  overVoltageMargin: 10,
  overCurrentMargin: 5,
};

export interface SafetyMonitor {
  /** Every violation seen so far, in order. */
  readonly violations: readonly SafetyViolation[];
  readonly violation$: Observable<SafetyViolation>;
  /** Breaks the rule allows (opening under load after the SafeShutdownSequence's logged deadline), in order. */
  readonly excused: readonly ExcusedBreak[];
  /** Stops observing (violations stay readable). */
  stop(): void;
}

export interface SafetyMonitorOptions {
  /**
   * Time of violation timestamps and of the time-based invariants (CP C without lock after the
   * grace time): a SimulatedClock in tests and replays, the real clock in the runtime.
   */
  readonly clock: Clock;
}

interface Facts {
  cp: CpState | undefined;
  contactorsClosed: boolean;
  contactorsCommandedClosed: boolean;
  lock: LockState | undefined;
  inletVolts: number;
  /** Whether the hardware reports an inlet voltage at all (no sensor: voltage checks cannot apply). */
  hasInlet: boolean;
  amps: number;
  battery: BatteryState | undefined;
  cpCSince: number | undefined;
  /**
   * Set by a logged CURRENT_DID_NOT_DROP while the contactors may be closed: the
   * next opening of this closed episode is the sanctioned one. Cleared when the
   * contactors close again, so it never covers a later episode.
   */
  openingExcuse: { readonly fault: LoggedSafetyFault; recorded: boolean } | undefined;
}

/** Observes a stream of hardware events and records every broken invariant. */
export function watchSafety(events$: Observable<HardwareEvent>, limits: Partial<SafetyLimits>, options: SafetyMonitorOptions): SafetyMonitor {
  const lim: SafetyLimits = { ...defaultSafetyLimits, ...limits };
  const clock = options.clock;
  const now = (): number => clock.now();
  let graceTimer: unknown;
  const violations: SafetyViolation[] = [];
  const violation$ = new Subject<SafetyViolation>();
  const f: Facts = {
    cp: undefined,
    contactorsClosed: false,
    contactorsCommandedClosed: false,
    lock: undefined,
    inletVolts: 0,
    hasInlet: false,
    amps: 0,
    battery: undefined,
    cpCSince: undefined,
    openingExcuse: undefined,
  };
  const excused: ExcusedBreak[] = [];
  // One report per episode: a latched code is re-armed when its condition clears.
  const latched = new Set<SafetyViolationCode>();

  const factsNow = (): SafetyViolation['facts'] => ({
    cp: f.cp ?? 'unknown',
    contactorsClosed: f.contactorsClosed,
    lock: f.lock ?? 'none',
    inletVolts: round(f.inletVolts),
    amps: round(f.amps),
    batteryVolts: round(f.battery?.voltage ?? NaN),
  });
  const report = (code: SafetyViolationCode, message: string): void => {
    if (latched.has(code)) return;
    latched.add(code);
    const v: SafetyViolation = { code, message, time: now(), facts: factsNow() };
    violations.push(v);
    violation$.next(v);
  };

  const contactorsMayBeClosed = (): boolean => f.contactorsClosed || f.contactorsCommandedClosed;
  const locked = (): boolean => f.lock === 'locked';

  const checkOpening = (): void => {
    if (!(Math.abs(f.amps) > lim.contactorOpenCurrentLimit)) return;
    const message = `contactors opened at ${round(f.amps)} A (limit ${lim.contactorOpenCurrentLimit} A)`;
    // The deadline exception, and only it: the SafeShutdownSequence logged that the current did
    // not drop in time, and the CP no longer requests energy (state B — the hardware-level stop
    // IEC 61851-1 obliges the charger to obey — was given before the opening).
    const excuse = f.openingExcuse;
    if (excuse && f.cp !== 'C' && f.cp !== 'D') {
      if (!excuse.recorded) {
        excuse.recorded = true;
        excused.push({ code: 'CONTACTORS_OPENED_UNDER_LOAD', message, time: now(), facts: factsNow(), fault: excuse.fault });
      }
      return;
    }
    report('CONTACTORS_OPENED_UNDER_LOAD', message);
  };
  const checkUnlocking = (): void => {
    if (contactorsMayBeClosed()) report('UNLOCKED_WHILE_CONTACTORS_CLOSED', 'connector unlocked while the contactors were closed');
    // NaN (a sensor that cannot read) counts as not safe.
    if (f.hasInlet && !(f.inletVolts <= lim.safeVoltage))
      report('UNLOCKED_ABOVE_SAFE_VOLTAGE', `connector unlocked at ${round(f.inletVolts)} V inlet voltage (safe below ${lim.safeVoltage} V)`);
  };
  const checkClosing = (): void => {
    if (lim.requireLock && f.lock !== undefined && !locked())
      report('CONTACTORS_CLOSED_WITHOUT_LOCK', `contactors closed with the connector ${f.lock}`);
    if (f.battery && f.hasInlet && !(Math.abs(f.inletVolts - f.battery.voltage) <= lim.prechargeDelta))
      report(
        'CONTACTORS_CLOSED_WITHOUT_PRECHARGE',
        `contactors closed with inlet ${round(f.inletVolts)} V vs battery ${round(f.battery.voltage)} V (delta limit ${lim.prechargeDelta} V)`,
      );
  };
  const clearClosingLatches = (): void => {
    latched.delete('CONTACTORS_CLOSED_WITHOUT_LOCK');
    latched.delete('CONTACTORS_CLOSED_WITHOUT_PRECHARGE');
  };
  const checkContinuous = (): void => {
    const t = now();
    if (lim.requireLock && f.lock !== undefined && (f.cp === 'C' || f.cp === 'D') && !locked()) {
      if (f.cpCSince === undefined) {
        f.cpCSince = t;
        // Re-check just after the grace time even if nothing else changes meanwhile.
        graceTimer = clock.setTimeout(() => checkContinuous(), lim.lockGraceMs + 1);
      }
      if (t - f.cpCSince > lim.lockGraceMs) report('CP_C_WITHOUT_LOCK', `CP state ${f.cp} for ${t - f.cpCSince} ms with the connector ${f.lock}`);
    } else {
      if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
      graceTimer = undefined;
      f.cpCSince = undefined;
      latched.delete('CP_C_WITHOUT_LOCK');
    }
    if (f.battery) {
      if (f.contactorsClosed && f.inletVolts > f.battery.maxVoltage + lim.overVoltageMargin)
        report('VOLTAGE_ABOVE_EV_MAXIMUM', `inlet ${round(f.inletVolts)} V above the battery maximum ${f.battery.maxVoltage} V`);
      else latched.delete('VOLTAGE_ABOVE_EV_MAXIMUM');
      if (f.amps > f.battery.maxCurrent + lim.overCurrentMargin)
        report('CURRENT_ABOVE_EV_MAXIMUM', `current ${round(f.amps)} A above the battery maximum ${f.battery.maxCurrent} A`);
      else latched.delete('CURRENT_ABOVE_EV_MAXIMUM');
    }
  };

  const onEvent = (e: HardwareEvent): void => {
    switch (e.kind) {
      case 'command': {
        const c = e.command;
        if (c.port === 'contactors') {
          if (c.command === 'open' && contactorsMayBeClosed()) {
            checkOpening();
            clearClosingLatches();
          }
          if (c.command === 'close' && !f.contactorsCommandedClosed) {
            latched.delete('CONTACTORS_OPENED_UNDER_LOAD');
            f.openingExcuse = undefined;
            checkClosing();
          }
          f.contactorsCommandedClosed = c.command === 'close';
        } else if (c.port === 'connectorLock' && c.command === 'unlock') {
          checkUnlocking();
        } else if (c.port === 'connectorLock' && c.command === 'lock') {
          latched.delete('UNLOCKED_WHILE_CONTACTORS_CLOSED');
          latched.delete('UNLOCKED_ABOVE_SAFE_VOLTAGE');
        }
        break;
      }
      case 'contactors':
        if (f.contactorsClosed && !e.closed) {
          checkOpening();
          clearClosingLatches();
        }
        if (!f.contactorsClosed && e.closed) {
          latched.delete('CONTACTORS_OPENED_UNDER_LOAD');
          f.openingExcuse = undefined;
          // Checked again on the measured edge: a board without command reporting is still covered.
          checkClosing();
        }
        f.contactorsClosed = e.closed;
        break;
      case 'lock':
        if (f.lock === 'locked' && e.state !== 'locked') checkUnlocking();
        if (e.state === 'locked') {
          latched.delete('UNLOCKED_WHILE_CONTACTORS_CLOSED');
          latched.delete('UNLOCKED_ABOVE_SAFE_VOLTAGE');
        }
        f.lock = e.state;
        break;
      case 'cp':
        f.cp = e.state;
        break;
      case 'inletVoltage':
        f.inletVolts = e.volts;
        f.hasInlet = true;
        break;
      case 'current':
        f.amps = e.amps;
        break;
      case 'battery':
        f.battery = e.state;
        break;
      case 'loggedFault':
        // Only a current-deadline fault, only from the SafeShutdownSequence, only while there is
        // something to open: a stale or unrelated fault excuses nothing.
        if (e.fault.source === 'safe-shutdown' && e.fault.code === 'CURRENT_DID_NOT_DROP' && contactorsMayBeClosed())
          f.openingExcuse = { fault: e.fault, recorded: false };
        break;
    }
    checkContinuous();
  };

  const sub: Subscription = events$.subscribe({ next: onEvent, error: () => {} });
  return {
    violations,
    violation$: violation$.asObservable(),
    excused,
    stop() {
      sub.unsubscribe();
      if (graceTimer !== undefined) clock.clearTimeout(graceTimer);
      violation$.complete();
    },
  };
}

/**
 * Attaches a monitor to an EV's hardware (e.g. a boards/sim EV):
 * `const monitor = attachSafetyMonitor(ev, {}, { clock }); ... expect(monitor.violations).toEqual([])`.
 */
export function attachSafetyMonitor(hw: EvHardware, limits: Partial<SafetyLimits>, options: SafetyMonitorOptions): SafetyMonitor {
  return watchSafety(evHardwareEvents(hw), { requireLock: hw.connectorLock !== undefined, ...limits }, options);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
