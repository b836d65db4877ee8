// What a board can sense and actuate on the vehicle side, read from its ports,
// and what that means for the session. pyPLC's BeagleBone wiring has only a CP
// output and one relay: a session that waits for a lock confirmation there ends
// with Timeout:ConnectorLock 3 s after state C, so the session config must follow
// the hardware, not a constant. Pure: ports in, facts and streams out.
import { distinctUntilChanged, map, type Observable } from 'rxjs';
import type { EvHardware, PlugDetection } from '../../ports/hardware.js';
import type { V2gEvConfig } from '../v2g/config.js';

export type { PlugDetection } from '../../ports/hardware.js';

export interface EvCapabilities {
  /** none: no lock motor (no locking step); timed: a motor pulse without feedback; feedback: a lock switch reports the state. */
  readonly lock: 'none' | 'timed' | 'feedback';
  /** Whether the contactors report their state through an auxiliary contact (else the command is taken as done). */
  readonly contactorFeedback: boolean;
  readonly plugDetection: PlugDetection;
  readonly inletVoltage: boolean;
  readonly currentSensor: boolean;
}

export function evCapabilitiesOf(hw: EvHardware): EvCapabilities {
  return {
    lock: !hw.connectorLock ? 'none' : hw.connectorLock.hasFeedback ? 'feedback' : 'timed',
    contactorFeedback: hw.contactors.hasFeedback,
    plugDetection: hw.plugDetection ?? (hw.plug ? 'pp' : 'cp'),
    inletVoltage: hw.inletVoltage !== undefined,
    currentSensor: hw.current !== undefined,
  };
}

/**
 * The session config for this hardware: no lock → no locking step (the v2g-ev machine
 * skips lockConnector and never treats a missing lock as lost); contactors without
 * feedback → the close command counts as confirmation.
 */
export function v2gEvConfigForHardware(config: V2gEvConfig, caps: EvCapabilities): V2gEvConfig {
  return { ...config, hasConnectorLock: caps.lock !== 'none', contactorsHaveFeedback: caps.contactorFeedback };
}

/**
 * IEC 61851-1 Annex A: 5 % duty cycle asks for digital communication. Nominal 5 %;
 * the measurement of a GPIO comparator or a microcontroller is a few percent off,
 * so 3–7 % counts (the next defined band, AC current 6 A, starts at 10 %).
 */
export function isDigitalCommunicationDuty(percent: number): boolean {
  return percent >= 3 && percent <= 7;
}

/**
 * Plugged / unplugged as the board can tell it: the proximity pilot (PP) when it has one,
 * else the CP state it measures, else the 5 % PWM: the charger switches the PWM off when
 * the session is over or the cable leaves, and on again for the next car. A board that
 * senses none of these (plugDetection 'none') gives undefined: the runtime then assumes
 * the cable is in at start and one session per plug-in cannot be told apart.
 */
export function plugState$(hw: EvHardware, caps: EvCapabilities = evCapabilitiesOf(hw)): Observable<boolean> | undefined {
  switch (caps.plugDetection) {
    case 'pp':
      return hw.plug ? hw.plug.plugged$.pipe(distinctUntilChanged()) : undefined;
    case 'cp':
      return hw.controlPilot.state$.pipe(
        map((s) => s !== 'A' && s !== 'E' && s !== 'F'),
        distinctUntilChanged(),
      );
    case 'pwm':
      return hw.controlPilot.dutyCycle$.pipe(map(isDigitalCommunicationDuty), distinctUntilChanged());
    case 'none':
      return undefined;
  }
}
