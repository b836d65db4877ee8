// The charger's safety monitor in production (`tsplc evse`): the cable is live only
// while the car asks for energy (IEC 61851-1/-23) and the output stays within the
// supply's limits. A violation is an error line and the charger's SafeShutdown:
// output off, output contactor open, and the session told to stop (EVSE_Shutdown).
import { map, merge, type Observable } from 'rxjs';
import type { Actor, AnyStateMachine } from 'xstate';
import type { TsplcConfig } from '../config/schema.js';
import type { EvseHardware } from '../ports/hardware.js';
import type { Logger } from '../ports/log.js';
import { watchEvseSafety, type EvseHardwareEvent, type SafetyMonitor } from '../domain/safety/index.js';
import type { Clock } from '../ports/clock.js';
import { wallClock } from '../../drivers/clock/index.js';
import { errorMessage } from '../errors.js';

export function evseHardwareEvents(hw: EvseHardware): Observable<EvseHardwareEvent> {
  return merge(
    hw.controlPilot.state$.pipe(map((state): EvseHardwareEvent => ({ kind: 'cp', state }))),
    hw.powerSupply.reading$.pipe(map((r): EvseHardwareEvent => ({ kind: 'output', voltage: r.voltage, current: r.current }))),
  );
}

export function attachEvseSafety(o: { hw: EvseHardware; config: TsplcConfig; logger: Logger; actor: Actor<AnyStateMachine>; clock?: Clock }): SafetyMonitor {
  const log = o.logger.child('safety');
  const monitor = watchEvseSafety(evseHardwareEvents(o.hw), { safeVoltage: o.config.safety.safe_voltage, supply: o.hw.powerSupply.limits }, { clock: o.clock ?? wallClock });
  monitor.violation$.subscribe((v) => {
    log.log('error', `safety violation ${v.code}: ${v.message}`, { code: v.code });
    try {
      o.hw.powerSupply.off();
      o.hw.contactors?.open();
    } catch (e) {
      log.log('error', 'switching the output off failed', { error: errorMessage(e) });
    }
    queueMicrotask(() => o.actor.getSnapshot().status === 'active' && o.actor.send({ type: 'TO_SESSION', event: { type: 'STOP_REQUEST', reason: `SafetyViolation:${v.code}` } }));
  });
  return monitor;
}
