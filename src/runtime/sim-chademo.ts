// `tsplc sim --chademo`: the whole bridge chain in one process —
//   sim CCS charger ⇄ tsplc CCS car (v2g-ev) ⇄ chademo-bridge ⇄ MemoryCanBus + wiring ⇄ sim CHAdeMO car
// The sim plant's battery and EV contactors are the CHAdeMO car's (the adapter passes the DC through).
import { MemoryCanBus, type MemoryCanBusOptions } from '../../drivers/can/memory.js';
import { createSimChademo, defaultSimChademoCar, type SimChademo, type SimChademoCarOptions } from '../../boards/sim/chademo-car.js';
import type { SimBoard, SimBatteryOptions } from '../../boards/sim/index.js';
import { chademoBridgeDefaults, type ChademoBridgeConfig } from '../domain/chademo/config.js';
import type { Logger } from '../ports/log.js';
import type { StatusBus } from '../status.js';
import { createChademoBridge, type ChademoBridge } from './chademo.js';
import { Checkpoint } from '../checkpoints.js';
import type { Clock } from '../ports/clock.js';
import type { StateValue } from 'xstate';

/** The innermost state of a state value, following the last region of a parallel state ('awaitLimits' in active.sequence.running.preparing). */
function innermost(v: StateValue): string {
  if (typeof v === 'string') return v;
  const keys = Object.keys(v);
  const last = keys[keys.length - 1];
  if (last === undefined) return '';
  const inner = v[last];
  return inner === undefined ? last : innermost(inner);
}

/**
 * The bridge's phase for the progress line: 'idle', 'done', or the innermost state of its charging sequence
 * (the sequence region, not the cycle or watchdog regions beside it in the parallel 'active' state).
 */
export function chademoPhase(s: { readonly status: string; readonly value: StateValue; matches(v: 'idle' | 'active'): boolean }): string {
  if (s.status === 'done') return 'done';
  if (s.matches('idle')) return 'idle';
  const active = typeof s.value === 'object' ? s.value.active : undefined;
  const sequence = active !== undefined && typeof active === 'object' ? active.sequence : undefined;
  return sequence === undefined ? innermost(s.value) : innermost(sequence);
}

export interface SimChademoOptions {
  readonly car?: Partial<SimChademoCarOptions>;
  readonly config?: Partial<ChademoBridgeConfig>;
  readonly bus?: Omit<MemoryCanBusOptions, 'scheduler'>;
  readonly initialSoc?: number;
}

export interface SimChademoChain {
  readonly bus: MemoryCanBus;
  readonly sim: SimChademo;
  readonly bridge: ChademoBridge;
  dispose(): void;
}

/** Plant battery options matching the CHAdeMO sim car (its OCV runs from 0x100 min voltage to the target). */
export function chademoPlantBattery(o: SimChademoOptions = {}): Partial<SimBatteryOptions> {
  const car = { ...defaultSimChademoCar, ...o.car };
  return {
    capacityWh: car.capacityKwh * 1000,
    initialSocPercent: o.initialSoc ?? 30,
    emptyVoltage: car.minVoltage + 10,
    fullVoltage: car.targetVoltage - 5,
    maxVoltage: car.maxBatteryVoltage,
    maxCurrent: car.maxCurrent,
  };
}

export function createSimChademoChain(o: {
  readonly options: SimChademoOptions;
  readonly board: SimBoard;
  readonly scheduler: Clock;
  readonly clock?: Clock;
  readonly logger: Logger;
  readonly status: StatusBus;
  readonly prechargeVoltageDelta: number;
  readonly stopCcs: (reason: string) => void;
}): SimChademoChain {
  const bus = new MemoryCanBus({ scheduler: o.scheduler, ...o.options.bus });
  const sim = createSimChademo(o.board.plant, bus.node('chademo-car'), o.scheduler, o.options.car ?? {});
  const config: ChademoBridgeConfig = { ...chademoBridgeDefaults, ...o.options.config, timeouts: { ...chademoBridgeDefaults.timeouts, ...o.options.config?.timeouts } };
  const bridge = createChademoBridge({
    config,
    can: bus.node('bridge'),
    signals: sim.signals,
    hw: o.board.ev,
    logger: o.logger,
    ...(o.clock ? { clock: o.clock } : {}),
    report: (u) => o.status.report(u),
    prechargeVoltageDelta: o.prechargeVoltageDelta,
    stopCcs: o.stopCcs,
  });
  // The CHAdeMO side starts with the CCS session (SupportedAppProtocol, checkpoint 400): by
  // ChargeParameterDiscovery the car has sent 0x100/0x102, and the 20 s from READY to D2 cover
  // CableCheck and PreCharge.
  const sub = o.status.updates$.subscribe((u) => {
    bridge.onStatus(u);
    if (u.checkpoint === Checkpoint.SupportedAppProtocolReq && bridge.actor.getSnapshot().matches('idle')) queueMicrotask(() => bridge.start());
  });
  return {
    bus,
    sim,
    bridge,
    dispose() {
      sub.unsubscribe();
      bridge.dispose();
      sim.car.close();
    },
  };
}

/** Live progress of the CHAdeMO side for `tsplc sim --chademo` (one line per phase change and every 5 s), and its summary. */
export function attachChademoProgress(chain: SimChademoChain, o: { now: () => number; write: (text: string) => void }): { stop(): void; summary(): string } {
  const t0 = o.now();
  let last = -Infinity;
  let lastPhase = '';
  let maxCurrent = 0;
  let socStart: number | undefined;
  const sub = chain.bridge.actor.subscribe((s) => {
    const c = s.context;
    const phase = chademoPhase(s);
    if (c.status && socStart === undefined) socStart = c.status.soc;
    maxCurrent = Math.max(maxCurrent, c.ccsPresentCurrent);
    const t = o.now();
    if (phase === lastPhase && t - last < 5000) return;
    last = t;
    lastPhase = phase;
    const st = c.status;
    o.write(
      `CHAdeMO ${((t - t0) / 1000).toFixed(1).padStart(6)} s  ${phase.padEnd(20)} d1=${c.d1 ? 1 : 0} d2=${c.d2 ? 1 : 0} k=${c.kClosed ? 1 : 0}  ` +
        `car: SOC ${st?.soc ?? '-'} %, target ${st?.targetVoltage ?? '-'} V, request ${st?.currentRequest ?? '-'} A, contactors ${c.contactorsClosed ? 'closed' : 'open'}  ` +
        `→ CCS ${c.targetCurrent.toFixed(0)} A | present ${c.ccsPresentVoltage.toFixed(0)} V / ${c.ccsPresentCurrent.toFixed(0)} A\n`,
    );
  });
  return {
    stop: () => sub.unsubscribe(),
    summary() {
      const s = chain.bridge.actor.getSnapshot();
      const out = s.status === 'done' ? s.output : undefined;
      return [
        '── CHAdeMO side summary ──',
        `end: ${out ? `${out.result} (${out.reason})` : `still running (${chademoPhase(s)})`}`,
        `SOC: ${socStart ?? '-'} % → ${s.context.status?.soc ?? '-'} %   max current ${maxCurrent.toFixed(0)} A   protocol ${s.context.status ? ['pre-0.9', '0.9', '1.0', '2.0'][s.context.status.protocol] : '-'}`,
        ...(out && out.stopFaults.length ? [`stop faults: ${out.stopFaults.join(', ')}`] : []),
        ...(out?.staysLocked ? ['the CHAdeMO plug stayed locked (connector voltage did not fall below safe_voltage)'] : []),
      ].join('\n');
    },
  };
}
