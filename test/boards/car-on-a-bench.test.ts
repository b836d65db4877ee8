// A converted car on a bench (issue 10): the raspberry-pi, beaglebone, celeron55 and
// dieter board profiles — their production code, loaded through loadBoard() — run on
// the port twins (GPIO twin, in-memory serial line with a device emulator, MQTT twin
// broker as the BMS) wired to the sim plant, with tsplc pev's hardware composition
// (battery source, safety monitor) and the sim charger. Three sessions in a row with
// an unplug between, the middle one with a BMS that goes silent (→ 0 A, graceful stop).
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { loadBoard } from '../../boards/index.js';
import { memoryGpio, type MemoryGpio } from '../../boards/gpio/memory.js';
import type { SimPlant } from '../../boards/sim/index.js';
import { MemoryMqttBroker } from '../../drivers/mqtt/memory.js';
import { buildConfig, type TsplcConfig } from '../../src/config/index.js';
import { asciiBytes, LineSplitter } from '../../src/domain/hardware/celeron55.js';
import { memorySerialPair } from '../../drivers/serial/memory.js';
import type { SerialLink } from '../../src/ports/serial.js';
import { memoryLogger } from '../../src/ports/log.js';
import { prepareEvHardware } from '../../src/runtime/ev-hardware.js';
import type { Sim } from '../../src/runtime/sim.js';
import { StatusBus } from '../../src/status.js';
import { runStack } from '../stack/harness.js';
import { fakeAds1115 } from './ads1115-twin.js';

function config(raw: Record<string, Record<string, unknown>>): TsplcConfig {
  const c = buildConfig([{ raw, source: 'bench' }]);
  if (!c.ok) throw new Error(JSON.stringify(c.error));
  return c.value;
}

/** Every 250 ms (virtual), call fn, until stop(). */
function every(clock: SimulatedClock, ms: number, fn: () => void): { stop(): void } {
  let stopped = false;
  const tick = (): void => {
    clock.setTimeout(() => {
      if (stopped) return;
      fn();
      tick();
    }, ms);
  };
  tick();
  return { stop: () => (stopped = true) };
}

/** GPIO twin ↔ plant: outputs drive the plant, plant facts drive the inputs (pins as in the config below). */
function wireGpio(gpio: MemoryGpio, plant: SimPlant, pins: { cp: number; k: number; pp: number; lock?: number; unlock?: number; lockFb?: number; kFb?: number }): void {
  gpio.onWrite((pin, high) => {
    if (pin === pins.cp) plant.setEvCpLoad(high ? 'C' : 'B');
    else if (pin === pins.k) {
      if (high) plant.closeContactors();
      else plant.openContactors();
    }
    else if (pin === pins.lock && high) plant.lock();
    else if (pin === pins.unlock && high) plant.unlock();
  });
  // PP active low (a pull-up that the plug pulls down).
  plant.plugged$.subscribe((p) => gpio.drive(pins.pp, !p));
  if (pins.lockFb !== undefined) plant.lockState.$.subscribe((s) => gpio.drive(pins.lockFb as number, s === 'locked'));
  if (pins.kFb !== undefined) plant.contactorsFeedback.$.subscribe((c) => gpio.drive(pins.kFb as number, c));
}

/** A celeron55 device on the other end of the serial twin, reporting the plant (BMS lines can be silenced). */
function celeron55Device(dev: SerialLink, plant: SimPlant, clock: SimulatedClock, bms: { silent: boolean }): { stop(): void } {
  const split = new LineSplitter();
  let plugged = false;
  plant.plugged$.subscribe((p) => (plugged = p));
  dev.data$.subscribe((b) => {
    for (const line of split.push(b).lines) {
      if (line === 'cp=1') plant.setEvCpLoad('C');
      else if (line === 'cp=0') plant.setEvCpLoad('B');
      else if (line === 'contactor=1') plant.closeContactors();
      else if (line === 'contactor=0') plant.openContactors();
      else if (line === 'lock') plant.lock();
      else if (line === 'unlock') plant.unlock();
    }
  });
  return every(clock, 100, () => {
    const b = plant.battery.getValue();
    const lines = [`plugged_in=${plugged ? 1 : 0}`, `contactor_confirmed=${plant.contactorsFeedback.value ? 1 : 0}`, `inlet_v=${Math.round(plant.inletV.value)}`, `cp_pwm=${Math.round(plant.evDuty.value)}`];
    if (!bms.silent) lines.push(`dc_link_v=${Math.round(b.voltage)}`, `soc_percent=${Math.round(b.socPercent)}`, `max_charge_a=${Math.round(b.maxCurrent)}`);
    dev.write(asciiBytes(lines.map((l) => l + '\n').join('')));
  });
}

/** The dieter Arduino: output bits to the plant, A0 from the plant's inlet voltage. */
function dieterDevice(dev: SerialLink, plant: SimPlant, clock: SimulatedClock, voltsPerCount: number): { stop(): void } {
  const split = new LineSplitter();
  dev.data$.subscribe((b) => {
    for (const line of split.push(b).lines) {
      const m = /^do000(\d)$/.exec(line);
      if (!m) continue;
      const bits = Number(m[1]);
      plant.setEvCpLoad(bits & 1 ? 'C' : 'B');
      if (bits & 2) plant.closeContactors();
      else plant.openContactors();
    }
  });
  return every(clock, 100, () => dev.write(asciiBytes(`A0=${String(Math.min(1023, Math.round(plant.inletV.value / voltsPerCount))).padStart(4, '0')}\n`)));
}

interface BenchCase {
  readonly board: 'raspberry-pi' | 'beaglebone' | 'celeron55' | 'dieter';
  readonly lock: boolean;
  readonly sessions: number;
  /** Plug detection by the PP resistor on an ADS1115 input (hardware.pp_adc) instead of a PP comparator pin. */
  readonly ppAdc?: boolean;
}

/** PP voltage of the assumed divider (1 kΩ to 3.3 V) with a 32 A cable's Rc = 220 Ω in, or open. */
const ppVolts = (plugged: boolean): number => (plugged ? (3.3 * 220) / (220 + 1000) : 3.3);

async function runBench(k: BenchCase) {
  const clock = new SimulatedClock();
  const logger = memoryLogger();
  const gpio = memoryGpio();
  const pair = memorySerialPair();
  const broker = new MemoryMqttBroker();
  const bms = { silent: false };
  const gpioBoard = k.board === 'raspberry-pi' || k.board === 'beaglebone';
  // Pins as the user would write them: BCM numbers on the Pi, pyPLC's defaults (P9_41 = 20, P9_17 = 5) on the BeagleBone.
  const pins = k.board === 'raspberry-pi' ? { cp: 17, k: 27, pp: 24, ...(k.lock ? { lock: 22, unlock: 23, lockFb: 25, kFb: 6 } : {}) } : { cp: 20, k: 5, pp: 48 };
  const hardware: Record<string, unknown> =
    k.board === 'raspberry-pi'
      ? {
          pin_cp_state_c: 17,
          pin_contactor: 27,
          ...(k.ppAdc ? { pp_adc: 'ads1115', pp_adc_channel: 1 } : { pin_pp: 24, pp_active_low: true }),
          ...(k.lock ? { pin_lock: 22, pin_unlock: 23, pin_lock_feedback: 25, pin_contactor_feedback: 6 } : {}),
        }
      : k.board === 'beaglebone'
        ? { pin_pp: 48, pp_active_low: true }
        : {};
  const c = config({
    general: { board: k.board },
    ev: gpioBoard ? { battery_source: 'mqtt', battery_stale_timeout: 1500 } : k.board === 'celeron55' ? { battery_source: 'celeron55', battery_stale_timeout: 1500 } : { battery_voltage: 330, soc_simulation: true, soc_simulation_rate: 1 },
    mqtt: { topic: 'car' },
    hardware,
  });
  const ads = fakeAds1115();
  ads.set(1, ppVolts(false));
  const b = await loadBoard(k.board, { role: 'pev', config: c, logger, scheduler: clock }, { gpio, serial: pair.host, ...(k.ppAdc ? { i2c: ads.bus } : {}) });
  if (!b.ok) throw new Error(b.error.message);
  const board = b.value;
  const p = await prepareEvHardware({ board, config: c, logger, status: new StatusBus(), openMqtt: () => broker.link(), scheduler: clock });
  if (!p.ok) throw new Error(p.error.message);
  const rt = p.value;
  const devices: { stop(): void }[] = [];
  const ends: string[] = [];
  let phase: 'charging' | 'unplugged' = 'charging';
  let t = 0;
  const r = await runStack({
    clock,
    oneShot: k.sessions === 1,
    maxVirtualMs: k.sessions === 1 ? 200_000 : 900_000,
    plant: { lock: { present: k.lock, hasFeedback: true } },
    // The charger sees the plant; the car sees the board profile on its twins, wired to the same plant.
    evHardware: (sim) => {
      if (gpioBoard) wireGpio(gpio, sim.plant, pins);
      if (k.ppAdc) sim.plant.plugged$.subscribe((p) => ads.set(1, ppVolts(p)));
      if (k.board === 'celeron55') devices.push(celeron55Device(pair.device, sim.plant, clock, bms));
      if (k.board === 'dieter') devices.push(dieterDevice(pair.device, sim.plant, clock, c.hardware.dieter_volts_per_count));
      if (gpioBoard)
        devices.push(
          // The BMS on MQTT: pyPLC's car topics from the plant's battery.
          every(clock, 250, () => {
            if (bms.silent) return;
            const bat = sim.plant.battery.getValue();
            broker.publish('car/battery_voltage', String(bat.voltage));
            broker.publish('car/target_current', String(bat.maxCurrent));
            broker.publish('car/soc', String(bat.socPercent));
          }),
        );
      return rt.hw;
    },
    onStart: (sim: Sim) => rt.bind(sim.ev.actor),
    during: (sim, clk) => {
      const state = sim.ev.actor.getSnapshot().value;
      if (phase === 'charging' && state === 'waitForUnplug') {
        const out = sim.ev.actor.getSnapshot().context as { sessionOutput?: { reason?: string } };
        ends.push(String(out.sessionOutput?.reason ?? ''));
        if (ends.length >= k.sessions) {
          sim.ev.actor.send({ type: 'STOP', reason: 'bench done' });
          sim.evse.actor.send({ type: 'STOP', reason: 'bench done' });
          return;
        }
        phase = 'unplugged';
        t = clk.now();
        sim.board.plant.unplug();
      } else if (phase === 'unplugged' && clk.now() - t > 3000) {
        phase = 'charging';
        // The middle session: the BMS has gone silent (a crashed BMS controller); the third: it talks again.
        bms.silent = ends.length === 1;
        sim.board.plant.plug();
      }
    },
  });
  for (const d of devices) d.stop();
  const monitorViolations = rt.monitor.violations.map((v) => v.code);
  await rt.close();
  await board.close();
  r.sim.dispose();
  return { r, ends, logger, monitorViolations, gpio };
}

const cases: BenchCase[] = [
  { board: 'raspberry-pi', lock: true, sessions: 3 },
  { board: 'raspberry-pi', lock: false, sessions: 3 },
  { board: 'raspberry-pi', lock: false, sessions: 3, ppAdc: true },
  { board: 'beaglebone', lock: false, sessions: 3 },
  { board: 'celeron55', lock: true, sessions: 3 },
];

describe('car on a bench: board profiles on their twins against the sim charger (virtual time)', () => {
  for (const k of cases) {
    it(`${k.board} ${k.lock ? 'with' : 'without'} lock pins${k.ppAdc ? ', PP on the ADC' : ''}: three sessions with unplug between, the middle one with a silent BMS`, async () => {
      const { r, ends, logger, monitorViolations } = await runBench(k);
      expect(ends.length, logger.lines.filter((l) => l.level !== 'debug').slice(-20).map((l) => `${l.component} ${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n')).toBe(3);
      // First and last: to the SOC target; the middle: started with a silent BMS, stopped gracefully (no charge).
      expect(ends[0]).toMatch(/SocTargetReached|ChargingFinished|SessionStop/);
      expect(ends[1]).toMatch(/BatteryDataStale/);
      expect(ends[2]).toMatch(/SocTargetReached|ChargingFinished|SessionStop/);
      expect(logger.lines.some((l) => l.level === 'error' && l.message.includes('stale'))).toBe(true);
      expect(r.logs.lines.some((l) => l.message.includes('Timeout:ConnectorLock'))).toBe(false);
      expect(monitorViolations).toEqual([]);
      expect(r.violations.map((v) => `${v.code}: ${v.message}`)).toEqual([]);
      // PP on the ADC: each of the three plug-ins (and the unplugs between) was seen through the ADS1115 twin.
      if (k.ppAdc) {
        const pp = logger.lines.filter((l) => l.component === 'board.pp').map((l) => l.message);
        expect(pp.filter((m) => m === 'PP 220 Ω: plug in, cable rated 32 A').length).toBe(3);
        expect(pp.filter((m) => m === 'PP open: no plug').length).toBeGreaterThanOrEqual(2);
      }
    }, 120_000);
  }

  it('dieter (no plug detection, no lock): one session to the SOC target, as pyPLC runs it', async () => {
    const { r, ends, monitorViolations, logger } = await runBench({ board: 'dieter', lock: false, sessions: 1 });
    if (r.tookMs < 0) console.log(logger.lines.concat(r.logs.lines).filter((l) => l.level !== 'debug').slice(-30).map((l) => `${l.component} ${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n'));
    const out = await r.sim.done;
    expect(out.ev.end, JSON.stringify(out.ev)).toBe('ChargingFinished');
    expect(ends.length).toBe(0);
    expect(monitorViolations).toEqual([]);
  }, 120_000);
});
