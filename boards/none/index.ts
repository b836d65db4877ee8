// The `none` board: a PC with only a modem. There is no CP circuit, relay,
// lock or meter, so every command is logged and echoed as its own feedback
// (hasFeedback = false everywhere, which the machines treat as "no
// confirmation available"). Useful on a desk against a simulated peer, and
// for pyPLC setups whose output device had no tsplc driver (e.g. "dieter").
import { BehaviorSubject } from 'rxjs';
import type { CpState, Display, EvHardware, EvseHardware, IsolationStatus, LockState, PowerSupplyReading, BatteryState } from '../../src/ports/hardware.js';
import { nullLogger } from '../../src/ports/log.js';
import { ok, type Result } from '../../src/result.js';
import { defaultConfig } from '../../src/config/validate.js';
import { boardBattery } from '../../src/domain/ev-source/static.js';
import type { Board, BoardError, BoardOptions } from '../types.js';

export async function load(options: BoardOptions): Promise<Result<Board, BoardError>> {
  const log = (options.logger ?? nullLogger).child('board.none');
  const config = options.config ?? defaultConfig();
  let ev = options.role === 'pev' ? noneEv(config, log) : undefined;
  // A PC with a SerialToOLED display (pyPLC display_via_serial): open it here too.
  let display: (Display & { close(): Promise<void> }) | undefined;
  if (ev && config.hardware.display === 'serial') {
    const { openSerialPort } = await import('../../drivers/serial/serialport.js');
    const link = await openSerialPort(config.hardware.display_serial_port || config.hardware.serial_port, config.hardware.serial_baud);
    if (!link.ok) log.log('warn', `serial display unavailable: ${link.error}`);
    else {
      const { createSerialOledDisplay } = await import('../../src/domain/hardware/serial-oled.js');
      display = createSerialOledDisplay(link.value);
      ev = { ...ev, display };
    }
  }
  const evse = options.role === 'evse' ? noneEvse(config, log) : undefined;
  return ok({
    name: 'none',
    ...(ev ? { ev } : {}),
    ...(evse ? { evse } : {}),
    close: async () => {
      await display?.close();
      await ev?.close();
      await evse?.close();
    },
  });
}

type Log = ReturnType<typeof nullLogger.child>;

function noneEv(config: ReturnType<typeof defaultConfig>, log: Log): EvHardware {
  // Without a CP circuit we cannot measure the pilot: assume the cable is in
  // and the charger asks for digital communication (5 %), as a desk setup with
  // a simulated or pyPLC charger expects.
  const cp = new BehaviorSubject<CpState>('B');
  const duty = new BehaviorSubject<number>(5);
  const closed = new BehaviorSubject(false);
  const lock = new BehaviorSubject<LockState>('unlocked');
  // No BMS: the battery source (ev.battery_source) supplies the pack facts.
  const battery = new BehaviorSubject<BatteryState>(boardBattery(config.ev));
  return {
    // Nothing is sensed: the cable is assumed in at start (one session per start).
    plugDetection: 'none',
    controlPilot: {
      state$: cp.asObservable(),
      dutyCycle$: duty.asObservable(),
      setState: (s) => {
        log.log('info', `CP state ${s} (no CP hardware: logged only)`);
        cp.next(s);
      },
    },
    contactors: {
      closed$: closed.asObservable(),
      hasFeedback: false,
      close: () => {
        log.log('info', 'contactors close (no relay: logged only)');
        closed.next(true);
      },
      open: () => {
        log.log('info', 'contactors open (no relay: logged only)');
        closed.next(false);
      },
    },
    connectorLock: {
      state$: lock.asObservable(),
      hasFeedback: false,
      lock: () => {
        log.log('info', 'connector lock (no lock motor: logged only)');
        lock.next('locked');
      },
      unlock: () => {
        log.log('info', 'connector unlock (no lock motor: logged only)');
        lock.next('unlocked');
      },
    },
    battery: { state$: battery.asObservable() },
    close: async () => {
      for (const s of [cp, duty, closed, lock, battery] as BehaviorSubject<unknown>[]) s.complete();
    },
  };
}

function noneEvse(config: ReturnType<typeof defaultConfig>, log: Log): EvseHardware {
  const cp = new BehaviorSubject<CpState>('B');
  const duty = new BehaviorSubject<number>(100);
  const reading = new BehaviorSubject<PowerSupplyReading>({ voltage: 0, current: 0 });
  const e = config.evse;
  return {
    controlPilot: {
      state$: cp.asObservable(),
      dutyCycle$: duty.asObservable(),
      setState: (s) => log.log('info', `CP output ${s} (no CP hardware: logged only)`),
      setDutyCycle: (p) => {
        log.log('info', `CP PWM ${p} % (no CP hardware: logged only)`);
        duty.next(p);
      },
    },
    powerSupply: {
      limits: { maxVoltage: e.max_voltage, minVoltage: e.min_voltage, maxCurrent: e.max_current, maxPower: e.max_power },
      reading$: reading.asObservable(),
      // No supply: the "measured" output is the target, and no current flows.
      setTarget: (voltage, current) => {
        log.log('info', `power supply target ${voltage} V / ${current} A (no supply: echoed)`);
        reading.next({ voltage, current: 0 });
      },
      off: () => {
        log.log('info', 'power supply off (no supply: echoed)');
        reading.next({ voltage: 0, current: 0 });
      },
      isolationCheck: async (voltage): Promise<IsolationStatus> => {
        log.log('warn', `isolation check at ${voltage} V: no IMD on board "none", reporting Valid`);
        return 'Valid';
      },
    },
    close: async () => {
      cp.complete();
      duty.complete();
      reading.complete();
    },
  };
}
