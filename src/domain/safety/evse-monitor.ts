// Safety invariants of the charger side: the cable is live only while the car
// asks for energy (CP state C/D, IEC 61851-1/-23), and the output stays within
// the power supply's limits. Same shape as the EV monitor: observe, record.
import { Subject, map, merge, type Observable, type Subscription } from 'rxjs';
import type { CpState, EvseHardware, PowerSupplyLimits } from '../../ports/hardware.js';
import type { SafetyMonitor, SafetyMonitorOptions, SafetyViolation, SafetyViolationCode } from './monitor.js';

export type EvseHardwareEvent = { readonly kind: 'cp'; readonly state: CpState } | { readonly kind: 'output'; readonly voltage: number; readonly current: number };

export interface EvseSafetyLimits {
  /** Touch-safe DC voltage, V. */
  readonly safeVoltage: number;
  /** After the CP leaves C/D the output must be below safeVoltage within this, ms (discharge time). */
  readonly dischargeGraceMs: number;
  readonly supply: PowerSupplyLimits;
  readonly overCurrentMargin: number;
  readonly overVoltageMargin: number;
}

export function watchEvseSafety(events$: Observable<EvseHardwareEvent>, limits: Partial<EvseSafetyLimits> & { supply: PowerSupplyLimits }, options: SafetyMonitorOptions): SafetyMonitor {
  const lim: EvseSafetyLimits = { safeVoltage: 60, dischargeGraceMs: 2000, overCurrentMargin: 5, overVoltageMargin: 10, ...limits };
  const clock = options.clock;
  const now = (): number => clock.now();
  const violations: SafetyViolation[] = [];
  const violation$ = new Subject<SafetyViolation>();
  const latched = new Set<SafetyViolationCode>();
  let cp: CpState | undefined;
  let volts = 0;
  let amps = 0;
  let liveSince: number | undefined;
  let timer: unknown;

  const report = (code: SafetyViolationCode, message: string): void => {
    if (latched.has(code)) return;
    latched.add(code);
    const v: SafetyViolation = { code, message, time: now(), facts: { cp: cp ?? 'unknown', outputVolts: volts, outputAmps: amps } };
    violations.push(v);
    violation$.next(v);
  };
  const check = (): void => {
    const t = now();
    const energyRequested = cp === 'C' || cp === 'D';
    if (!energyRequested && volts > lim.safeVoltage) {
      if (liveSince === undefined) {
        liveSince = t;
        timer = clock.setTimeout(() => check(), lim.dischargeGraceMs + 1);
      }
      if (t - liveSince > lim.dischargeGraceMs)
        report('EVSE_OUTPUT_LIVE_WITHOUT_STATE_C', `output ${volts} V for ${t - liveSince} ms with CP state ${cp ?? 'unknown'} (safe below ${lim.safeVoltage} V)`);
    } else {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      liveSince = undefined;
      latched.delete('EVSE_OUTPUT_LIVE_WITHOUT_STATE_C');
    }
    if (amps > lim.supply.maxCurrent + lim.overCurrentMargin) report('EVSE_CURRENT_ABOVE_LIMIT', `output ${amps} A above the supply maximum ${lim.supply.maxCurrent} A`);
    else latched.delete('EVSE_CURRENT_ABOVE_LIMIT');
    if (volts > lim.supply.maxVoltage + lim.overVoltageMargin) report('EVSE_VOLTAGE_ABOVE_LIMIT', `output ${volts} V above the supply maximum ${lim.supply.maxVoltage} V`);
    else latched.delete('EVSE_VOLTAGE_ABOVE_LIMIT');
  };
  const sub: Subscription = events$.subscribe({
    next: (e) => {
      if (e.kind === 'cp') cp = e.state;
      else {
        volts = e.voltage;
        amps = e.current;
      }
      check();
    },
    error: () => {},
  });
  return {
    violations,
    violation$: violation$.asObservable(),
    // The charger side has no deadline exception: every break is a violation.
    excused: [],
    stop() {
      sub.unsubscribe();
      if (timer !== undefined) clock.clearTimeout(timer);
      violation$.complete();
    },
  };
}

/** `const monitor = attachEvseSafetyMonitor(sim.evse, {}, { clock }); ... expect(monitor.violations).toEqual([])`. */
export function attachEvseSafetyMonitor(hw: EvseHardware, limits: Partial<EvseSafetyLimits>, options: SafetyMonitorOptions): SafetyMonitor {
  const events$ = merge(
    hw.controlPilot.state$.pipe(map((state): EvseHardwareEvent => ({ kind: 'cp', state }))),
    hw.powerSupply.reading$.pipe(map((r): EvseHardwareEvent => ({ kind: 'output', voltage: r.voltage, current: r.current }))),
  );
  return watchEvseSafety(events$, { supply: hw.powerSupply.limits, ...limits }, options);
}
