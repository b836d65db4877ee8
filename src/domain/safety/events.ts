// The vocabulary the safety monitor listens to: what was commanded to the
// hardware and what the hardware measured. Plain data, so a recorded session
// (or a test) can replay it through watchSafety() without any hardware.
import { merge, map, Subject, type Observable } from 'rxjs';
import type { BatteryState, CpState, EvHardware, LockState } from '../../ports/hardware.js';

/** A command given to a hardware port (recorded by boards that can report them, e.g. boards/sim). */
export type HardwareCommand =
  | { readonly port: 'contactors'; readonly command: 'close' | 'open' }
  | { readonly port: 'connectorLock'; readonly command: 'lock' | 'unlock' }
  | { readonly port: 'controlPilot'; readonly command: 'setState'; readonly state: CpState }
  | { readonly port: 'controlPilot'; readonly command: 'setDutyCycle'; readonly percent: number }
  | { readonly port: 'powerSupply'; readonly command: 'setTarget'; readonly voltage: number; readonly current: number }
  | { readonly port: 'powerSupply'; readonly command: 'off' }
  | { readonly port: 'powerSupply'; readonly command: 'isolationCheck'; readonly voltage: number }
  | { readonly port: 'display'; readonly command: 'show'; readonly text: readonly string[] };

/** Hardware that reports the commands it receives (boards/sim does; real drivers may). */
export interface CommandSource {
  readonly commands$: Observable<HardwareCommand>;
}

/**
 * A fault the SafeShutdownSequence logged when one of its deadlines ran out and
 * it went on anyway (machines/safe-shutdown). The safety rule allows exactly one
 * such step: "contactors never open while current is above the configured limit
 * (except after the deadline, logged as a fault)" — so the monitor has to hear
 * the fault to tell that sanctioned opening from a violation.
 */
export interface LoggedSafetyFault {
  /** The SafeShutdownSequence's fault code: 'CURRENT_DID_NOT_DROP', 'CONTACTORS_DID_NOT_OPEN', ... */
  readonly code: string;
  readonly message: string;
  /** Who logged it (the only sanctioned source today: 'safe-shutdown'). */
  readonly source: 'safe-shutdown';
}

export type HardwareEvent =
  | { readonly kind: 'command'; readonly command: HardwareCommand }
  | { readonly kind: 'cp'; readonly state: CpState }
  | { readonly kind: 'contactors'; readonly closed: boolean }
  | { readonly kind: 'lock'; readonly state: LockState }
  | { readonly kind: 'inletVoltage'; readonly volts: number }
  | { readonly kind: 'current'; readonly amps: number }
  | { readonly kind: 'battery'; readonly state: BatteryState }
  | { readonly kind: 'loggedFault'; readonly fault: LoggedSafetyFault };

// One channel per hardware instance: the SafeShutdownSequence and the monitor are
// both bound to the same EvHardware object (the runtime hands it to both), so the
// fault reaches every monitor watching that hardware, in order with the commands
// (it is emitted synchronously, before the command it excuses).
const faultChannels = new WeakMap<object, Subject<LoggedSafetyFault>>();

function faultChannel(hw: object): Subject<LoggedSafetyFault> {
  let ch = faultChannels.get(hw);
  if (!ch) {
    ch = new Subject<LoggedSafetyFault>();
    faultChannels.set(hw, ch);
  }
  return ch;
}

/** Publishes a logged fault for the monitors watching this hardware (called by startSafeShutdown). */
export function publishSafetyFault(hw: object, fault: LoggedSafetyFault): void {
  faultChannel(hw).next(fault);
}

/** The logged faults of this hardware, from now on. */
export function safetyFaults$(hw: object): Observable<LoggedSafetyFault> {
  return faultChannel(hw).asObservable();
}

export function hasCommandSource(x: unknown): x is CommandSource {
  return typeof x === 'object' && x !== null && 'commands$' in x && typeof (x as { commands$: unknown }).commands$ === 'object';
}

/** Every observable fact of an EV's hardware as one event stream (commands included when the board reports them). */
export function evHardwareEvents(hw: EvHardware): Observable<HardwareEvent> {
  const sources: Observable<HardwareEvent>[] = [
    hw.controlPilot.state$.pipe(map((state): HardwareEvent => ({ kind: 'cp', state }))),
    hw.contactors.closed$.pipe(map((closed): HardwareEvent => ({ kind: 'contactors', closed }))),
    hw.battery.state$.pipe(map((state): HardwareEvent => ({ kind: 'battery', state }))),
  ];
  if (hw.connectorLock) sources.push(hw.connectorLock.state$.pipe(map((state): HardwareEvent => ({ kind: 'lock', state }))));
  if (hw.inletVoltage) sources.push(hw.inletVoltage.volts$.pipe(map((volts): HardwareEvent => ({ kind: 'inletVoltage', volts }))));
  if (hw.current) sources.push(hw.current.amps$.pipe(map((amps): HardwareEvent => ({ kind: 'current', amps }))));
  if (hasCommandSource(hw)) sources.push(hw.commands$.pipe(map((command): HardwareEvent => ({ kind: 'command', command }))));
  sources.push(safetyFaults$(hw).pipe(map((fault): HardwareEvent => ({ kind: 'loggedFault', fault }))));
  return merge(...sources);
}
