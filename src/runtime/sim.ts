// `tsplc sim` in one process: both roles over in-memory twins of every port.
//
//   EV stack ── MemorySegment ── ModemSim (two emulated Green PHY modems) ── MemorySegment ── EVSE stack
//   EV stack ── MemoryIpv6Link (reachable only while both modems share an AVLN) ── EVSE stack
//   EV hardware ── SimPlant (CP line, DC power path, battery) ── EVSE hardware
//
// Time: pass a SimulatedClock and everything (machine delays, modem restart,
// link latency, plant physics) runs on virtual time; without one it runs on
// the wall clock. The IPv6 link follows the modem emulator's view of who is
// connected, so SDP/TCP work only after SLAC + SET_KEY formed the AVLN, and a
// modem restart mid-session really cuts the link.
import { MemorySegment } from '../../drivers/ethernet/memory.js';
import { wallClock } from '../../drivers/clock/index.js';
import { MemoryIpv6Link } from '../../drivers/udp/memory-link.js';
import { createSimBoard, type SimBoard, type SimPlantOptions } from '../../boards/sim/index.js';
import { ModemSim } from '../../drivers/modem-sim/index.js';
import type { Clock } from '../ports/clock.js';
import { bytesEqual } from '../bytes.js';
import type { Logger } from '../ports/log.js';
import type { EvHardware } from '../ports/hardware.js';
import { StatusBus } from '../status.js';
import { v2gEvDefaults, v2gEvseDefaults, type V2gEvConfig, type V2gEvseConfig } from '../domain/v2g/config.js';
import type { FaultScenario } from '../domain/v2g/faults.js';
import type { EnergyTransferMode, Protocol } from '../domain/v2g/model.js';
import type { EvConnectionManagerOutput } from '../../machines/connection-manager/ev.js';
import type { EvseConnectionManagerOutput } from '../../machines/connection-manager/evse.js';
import type { SafeShutdownTimings } from '../../machines/safe-shutdown/index.js';
import type { v2gEvMachine } from '../../machines/v2g-ev/index.js';
import type { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { exiCodec } from './exi-codec.js';
import { createEvStack, createEvseStack, type EvRoleStack, type EvseRoleStack } from './stack.js';
import type { V2gCodec, WireRecord } from './v2g-transport.js';
import { chademoPlantBattery, createSimChademoChain, type SimChademoChain, type SimChademoOptions } from './sim-chademo.js';

export const SIM_EV_MAC = new Uint8Array([0x02, 0x00, 0x00, 0xee, 0x00, 0x01]);
export const SIM_EVSE_MAC = new Uint8Array([0x02, 0x00, 0x00, 0xee, 0x00, 0x02]);

export interface SimOptions {
  /** One clock for everything in the sim (a SimulatedClock in tests); default: the wall clock, and XState's own timers for the actors. */
  readonly clock?: Clock;
  readonly logger: Logger;
  readonly protocol?: Protocol;
  readonly mode?: 'dc' | 'ac';
  readonly faults?: FaultScenario;
  readonly socTarget?: number;
  /** Modem restart after CM_SET_KEY, ms (real modems ≈ 5000; 0 for speed). */
  readonly modemRestartMs?: number;
  readonly plant?: SimPlantOptions;
  readonly ev?: Partial<V2gEvConfig>;
  readonly evse?: Partial<V2gEvseConfig>;
  readonly sdpFaults?: { readonly announcePort?: number; readonly silent?: boolean };
  readonly safeShutdown?: Partial<SafeShutdownTimings>;
  /** End after one session (default true); false: the car waits for the next plug-in, the charger for the next car. */
  readonly oneShot?: boolean;
  /** Connection-manager limits (tests: give up after n attempts). */
  readonly maxAttempts?: number;
  readonly codec?: V2gCodec;
  readonly sessions: { readonly ev: typeof v2gEvMachine; readonly evse: typeof v2gEvseMachine };
  readonly onWire?: (role: 'ev' | 'evse', r: WireRecord) => void;
  /** Random source (seeded in tests). */
  readonly randomBytes?: (n: number) => Uint8Array;
  /**
   * Called with the board before any stack subscribes to it. Observers that must see
   * hardware events in causal order (the safety monitor) attach here: the ports emit
   * synchronously, and a later subscriber would see a reaction (unlock) before its cause
   * (contactor feedback falling) when the reaction happens inside an earlier subscriber.
   */
  readonly onBoard?: (board: SimBoard) => void;
  /** CCS-to-CHAdeMO bridge: the tsplc car drives a simulated CHAdeMO car over an in-memory CAN bus. */
  readonly chademo?: SimChademoOptions;
  /**
   * The car's hardware instead of the sim board's EV side: a real board profile running on the
   * port twins, wired to the same plant (the car-on-a-bench tests). Default: board.ev.
   */
  readonly evHardware?: (board: SimBoard) => EvHardware;
}

export interface Sim {
  readonly board: SimBoard;
  readonly modems: ModemSim;
  readonly link: MemoryIpv6Link;
  readonly evStatus: StatusBus;
  readonly evseStatus: StatusBus;
  readonly ev: EvRoleStack;
  readonly evse: EvseRoleStack;
  readonly chademo?: SimChademoChain;
  /** The EV's end (the EVSE is stopped once the EV is done). */
  readonly done: Promise<{ ev: EvConnectionManagerOutput; evse: EvseConnectionManagerOutput | undefined }>;
  dispose(): void;
}

function defaultRandomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

export function energyTransferModeFor(protocol: Protocol, mode: 'dc' | 'ac'): EnergyTransferMode {
  if (mode === 'ac') return 'AC_three_phase_core';
  return protocol === 'din' ? 'DC_extended' : 'DC_extended';
}

export function createSim(o: SimOptions): Sim {
  const clock = o.clock;
  // The twins, the modem emulator and the plant run on one clock; the stacks get o.clock only when given.
  const time: Clock = clock ?? wallClock;
  const now = (): number => time.now();
  const protocol = o.protocol ?? 'din';
  const mode = o.mode ?? 'dc';
  const log = o.logger;

  // Ethernet: each host's cable to its modem is a segment; the ModemSim is the powerline.
  const modems = new ModemSim({ clock: time, logger: log.child('modem-sim') });
  const evSeg = new MemorySegment({ clock: time });
  const evseSeg = new MemorySegment({ clock: time });
  const evPort = evSeg.attach('sim-ev', SIM_EV_MAC);
  const evsePort = evseSeg.attach('sim-evse', SIM_EVSE_MAC);
  const restart = o.modemRestartMs ?? 0;
  modems.addStation(evSeg.attach('sim-ev-modem', new Uint8Array([0x00, 0xb0, 0x52, 0x00, 0xee, 0x01])), { name: 'ev', restartDelayMs: restart, attenuation: 20 });
  modems.addStation(evseSeg.attach('sim-evse-modem', new Uint8Array([0x00, 0xb0, 0x52, 0x00, 0xee, 0x02])), { name: 'evse', restartDelayMs: restart, attenuation: 20 });

  // IPv6: reachable while both modems are up and in the same AVLN (same NMK).
  const link = new MemoryIpv6Link({ clock: time });
  const evNet = link.addHost('sim-ev', SIM_EV_MAC);
  const evseNet = link.addHost('sim-evse', SIM_EVSE_MAC);
  const station = (ifname: string) => modems.station(ifname === 'sim-ev' ? 'ev' : 'evse');
  link.setReachable((a, b) => {
    const sa = station(a);
    const sb = station(b);
    return !!sa && !!sb && sa.up && sb.up && bytesEqual(sa.nmk, sb.nmk);
  });

  const plantOptions = o.chademo ? { ...o.plant, battery: { ...chademoPlantBattery(o.chademo), ...o.plant?.battery } } : o.plant;
  const board = createSimBoard({ scheduler: time, plugged: true, ...plantOptions });
  o.onBoard?.(board);
  const evStatus = new StatusBus(now);
  const evseStatus = new StatusBus(now);
  const codec = o.codec ?? exiCodec;
  const randomBytes = o.randomBytes ?? defaultRandomBytes;
  const transferMode = energyTransferModeFor(protocol, mode);
  // Fast modem timings when the emulated restart is fast: nothing to wait for.
  const modemInput = { timings: { restartPause: Math.max(restart, 50), confirmInterval: Math.max(Math.min(restart, 1000), 50), discoveryWindow: 100 } };
  const connection = { backoffInitial: 500, backoffMax: 5000, ...(o.maxAttempts ? { maxAttempts: o.maxAttempts } : {}) };

  const evse = createEvseStack({
    ...(clock ? { clock } : {}),
    logger: log.child('evse'),
    status: evseStatus,
    net: evseNet,
    ethernet: evsePort,
    codec,
    hw: board.evse,
    session: o.sessions.evse,
    // One session per sim run: the EVSE ends after SessionStop instead of waiting for the next car.
    v2g: { ...v2gEvseDefaults, protocolPreference: [protocol], energyTransferModes: [transferMode], allowNewSessionAfterStop: false, ...o.evse },
    ...(o.faults ? { faults: o.faults } : {}),
    randomBytes,
    oneShot: o.oneShot ?? true,
    modem: modemInput,
    connection,
    ...(o.sdpFaults ? { sdpFaults: o.sdpFaults } : {}),
    ...(o.onWire ? { onWire: (r: WireRecord) => o.onWire?.('evse', r) } : {}),
  });
  const battery = board.plant.battery.getValue();
  const evRef: { stack?: EvRoleStack } = {};
  const chademo = o.chademo
    ? createSimChademoChain({
        options: o.chademo,
        board,
        scheduler: time,
        ...(clock ? { clock } : {}),
        logger: log.child('ev'),
        status: evStatus,
        prechargeVoltageDelta: o.ev?.prechargeVoltageDelta ?? v2gEvDefaults.prechargeVoltageDelta,
        stopCcs: (reason) => evRef.stack?.actor.getSnapshot().status === 'active' && evRef.stack.actor.send({ type: 'STOP', reason }),
      })
    : undefined;
  const ev = createEvStack({
    ...(clock ? { clock } : {}),
    logger: log.child('ev'),
    status: evStatus,
    net: evNet,
    ethernet: evPort,
    codec,
    hw: chademo ? chademo.bridge.evHardware : o.evHardware ? o.evHardware(board) : board.ev,
    session: o.sessions.ev,
    v2g: {
      ...v2gEvDefaults,
      evccId: SIM_EV_MAC,
      protocols: [protocol],
      energyTransferMode: transferMode,
      chargeTargetVoltage: battery.maxVoltage,
      ...(o.socTarget !== undefined ? { socTarget: o.socTarget } : {}),
      // Bridged: the CHAdeMO car decides the end of the charge, not the CCS session's SOC target.
      ...(chademo ? { socTarget: 100 } : {}),
      ...o.ev,
    },
    oneShot: o.oneShot ?? true,
    modem: modemInput,
    connection,
    ...(o.safeShutdown ? { safeShutdown: o.safeShutdown } : {}),
    ...(o.onWire || chademo
      ? {
          onWire: (r: WireRecord) => {
            chademo?.bridge.onWire(r);
            o.onWire?.('ev', r);
          },
        }
      : {}),
  });
  evRef.stack = ev;

  const done = ev.done.then(async (evOut) => {
    // The EV decides the end of a sim run; give the EVSE a moment to see SessionStop, then stop it.
    const evseOut = await Promise.race([
      evse.done,
      new Promise<undefined>((resolve) => {
        const fire = (): void => {
          if (evse.actor.getSnapshot().status === 'active') evse.actor.send({ type: 'STOP', reason: 'sim: EV finished' });
          resolve(undefined);
        };
        if (clock) clock.setTimeout(fire, 500);
        else setTimeout(fire, 500);
      }),
    ]);
    return { ev: evOut, evse: evseOut ?? (evse.actor.getSnapshot().status === 'done' ? evse.actor.getSnapshot().output : undefined) };
  });

  return {
    board,
    modems,
    link,
    evStatus,
    evseStatus,
    ev,
    evse,
    ...(chademo ? { chademo } : {}),
    done,
    dispose() {
      chademo?.dispose();
      ev.dispose();
      evse.dispose();
      modems.close();
      void board.close();
    },
  };
}
