// CP replication through the board (tsplc relay --board sim): two sim plants, one per leg. The
// car's CP state measured on the car side is switched towards the charger; the charger's duty
// cycle measured on the charger side is generated towards the car.
import { BehaviorSubject, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../boards/index.js';
import { memoryLogger } from '../../src/ports/log.js';
import type { ControlPilot, CpState } from '../../src/ports/hardware.js';
import { replicateControlPilot } from '../../src/runtime/relay.js';

describe('relay CP replication (sim board)', () => {
  it('car B/C → charger B/C, charger 5 % → car 5 %; nothing after the teardown', async () => {
    const carBoard = await loadBoard('sim', { role: 'evse', logger: memoryLogger() });
    const chargerBoard = await loadBoard('sim', { role: 'pev', logger: memoryLogger() });
    if (!carBoard.ok || !chargerBoard.ok) throw new Error('sim board did not load');
    const carSide = carBoard.value.evse!.controlPilot; // the relay as the car's EVSE
    const theCar = carBoard.value.ev!.controlPilot; // the car's CP switch on that plant
    const chargerSide = chargerBoard.value.ev!.controlPilot; // the relay as the charger's EV
    const theCharger = chargerBoard.value.evse!.controlPilot; // the charger's PWM on that plant
    const log = memoryLogger();
    const stop = replicateControlPilot(carSide, chargerSide, log);
    theCar.setState('B');
    expect(await firstValueFrom(theCharger.state$)).toBe('B');
    theCar.setState('C');
    expect(await firstValueFrom(theCharger.state$)).toBe('C');
    theCharger.setDutyCycle?.(5);
    expect(await firstValueFrom(theCar.dutyCycle$)).toBe(5);
    stop();
    theCar.setState('B');
    expect(await firstValueFrom(theCharger.state$)).toBe('C');
    await carBoard.value.close();
    await chargerBoard.value.close();
  });

  it('an unplugged car (A) or E/F becomes B towards the charger, with a warning: an EV can present only B, C, D', () => {
    const carState = new BehaviorSubject<CpState>('B');
    const carSide: ControlPilot = { state$: carState, dutyCycle$: new BehaviorSubject(100), setState: () => {}, setDutyCycle: () => {} };
    const switched: CpState[] = [];
    const chargerSide: ControlPilot = { state$: new BehaviorSubject<CpState>('B'), dutyCycle$: new BehaviorSubject(100), setState: (s) => switched.push(s) };
    const log = memoryLogger();
    const stop = replicateControlPilot(carSide, chargerSide, log);
    for (const s of ['C', 'A', 'F', 'D'] as const) carState.next(s);
    stop();
    expect(switched).toEqual(['B', 'C', 'B', 'B', 'D']);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'car CP state A cannot be presented by an EV: state B towards the charger',
      'car CP state F cannot be presented by an EV: state B towards the charger',
    ]);
  });
});
