// The `none` board: a PC with only a modem. There is no CP circuit, relay,
// lock or meter, so every command is logged and echoed as its own feedback
// (hasFeedback = false everywhere, which the machines treat as "no
// confirmation available"). Useful on a desk against a simulated peer, and
// for pyPLC setups whose output device had no tsplc driver (e.g. "dieter").
import { BehaviorSubject } from 'rxjs';
import type { CpState, EvHardware, EvseHardware, IsolationStatus, LockState, PowerSupplyReading, BatteryState } from '../../src/ports/hardware.js';
import { nullLogger } from '../../src/ports/log.js';
import { ok, type Result } from '../../src/result.js';
import { defaultConfig } from '../../src/config/validate.js';
import type { Board, BoardError, BoardOptions } from '../types.js';

export async function load(options: BoardOptions): Promise<Result<Board, BoardError>> {
  const log = (options.logger ?? nullLogger).child('board.none');
  const config = options.config ?? defaultConfig();
  const ev = options.role === 'pev' ? noneEv(config, log) : undefined;
  const evse = options.role === 'evse' ? noneEvse(config, log) : undefined;
  return ok({
    name: 'none',
    ...(ev ? { ev } : {}),
    ...(evse ? { evse } : {}),
    close: async () => {
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
  const full = Math.min(395, config.ev.max_voltage - 3);
  const battery = new BehaviorSubject<BatteryState>({
    socPercent: config.ev.initial_soc,
    voltage: Math.round(((full * 330) / 395 + ((full - (full * 330) / 395) * config.ev.initial_soc) / 100) * 10) / 10,
    maxCurrent: config.ev.max_current,
    maxVoltage: config.ev.max_voltage,
    capacityWh: config.ev.battery_capacity_wh,
  });
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
