// The two sides of the sim board: an EV's and an EVSE's hardware ports, both
// views onto one SimPlant. They implement src/ports/hardware.ts exactly like a
// real board does, plus commands$ (every command given, for the safety monitor).
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { Contactors, Display, EvHardware, EvseHardware, ConnectorLock } from '../../src/ports/hardware.js';
import type { CommandSource, HardwareCommand } from '../../src/domain/safety/events.js';
import type { SimPlant } from './plant.js';

/** A text display kept in memory (what an OLED would show). */
export class SimDisplay implements Display {
  readonly lines = 3;
  private readonly text = new BehaviorSubject<readonly string[]>([]);
  readonly text$: Observable<readonly string[]> = this.text.asObservable();
  constructor(private readonly onShow: (c: HardwareCommand) => void) {}
  show(text: readonly string[]): void {
    const t = text.slice(0, this.lines);
    this.onShow({ port: 'display', command: 'show', text: t });
    this.text.next(t);
  }
  get shown(): readonly string[] {
    return this.text.getValue();
  }
}

/** The display's page button as a twin: press() is a press. */
export class SimButton {
  private readonly presses = new Subject<void>();
  readonly presses$: Observable<void> = this.presses.asObservable();
  press(): void {
    this.presses.next();
  }
}

export interface SimEvHardware extends EvHardware, CommandSource {
  readonly plant: SimPlant;
  readonly display: SimDisplay;
  readonly displayButton: SimButton;
}

export interface SimEvseHardware extends EvseHardware, CommandSource {
  readonly plant: SimPlant;
  readonly contactors: Contactors;
  readonly display: SimDisplay;
}

export function createSimEvHardware(plant: SimPlant): SimEvHardware {
  const lock: ConnectorLock | undefined = plant.lockOptions.present
    ? {
        state$: plant.lockState.$,
        hasFeedback: plant.lockOptions.hasFeedback,
        lock: () => plant.lock(),
        unlock: () => plant.unlock(),
      }
    : undefined;
  return {
    plant,
    commands$: plant.evCommands.asObservable(),
    controlPilot: {
      state$: plant.evCpState.$,
      dutyCycle$: plant.evDuty.$,
      setState: (s) => plant.setEvCpLoad(s),
    },
    contactors: {
      closed$: plant.contactorsFeedback.$,
      hasFeedback: plant.contactorOptions.hasFeedback,
      close: () => plant.closeContactors(),
      open: () => plant.openContactors(),
    },
    ...(lock ? { connectorLock: lock } : {}),
    inletVoltage: { volts$: plant.inletV.$ },
    current: { amps$: plant.currentA.$ },
    battery: { state$: plant.battery.asObservable() },
    plug: { plugged$: plant.plugged$ },
    display: new SimDisplay((c) => plant.evCommands.next(c)),
    displayButton: new SimButton(),
    close: async () => plant.close(),
  };
}

export function createSimEvseHardware(plant: SimPlant): SimEvseHardware {
  const o = plant.supplyOptions;
  return {
    plant,
    commands$: plant.evseCommands.asObservable(),
    controlPilot: {
      state$: plant.evseCpState.$,
      dutyCycle$: plant.evseDutyV.$,
      setState: (s) => plant.setEvseCpOutput(s),
      setDutyCycle: (p) => plant.setEvseDuty(p),
    },
    // The output contactor switches the AC mains onto the cable (the DC supply is switched by setTarget/off).
    contactors: {
      closed$: plant.evseContactorFeedback.$,
      hasFeedback: plant.evseContactorOptions.hasFeedback,
      close: () => plant.closeEvseContactor(),
      open: () => plant.openEvseContactor(),
    },
    powerSupply: {
      limits: { maxVoltage: o.maxVoltage, minVoltage: o.minVoltage, maxCurrent: o.maxCurrent, maxPower: o.maxPower },
      reading$: plant.supplyReading.asObservable(),
      setTarget: (v, i) => plant.setSupplyTarget(v, i),
      off: () => plant.supplyOff(),
      isolationCheck: (v) => plant.isolationCheck(v),
    },
    display: new SimDisplay((c) => plant.evseCommands.next(c)),
    close: async () => plant.close(),
  };
}
