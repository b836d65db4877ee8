// What the CCS car session gets from the CHAdeMO side (the charge-parameter
// source, src/ports/charge-parameters.ts) and the battery facts it reports to
// the CCS charger, derived from the bridge machine's context. Pure.
import { estimatePackVoltage } from '../../src/domain/chademo/config.js';
import type { ChargeParameters } from '../../src/ports/charge-parameters.js';
import type { BatteryState } from '../../src/ports/hardware.js';
import type { chademoBridgeMachine } from './machine.js';
import type { SnapshotFrom } from 'xstate';

type Ctx = SnapshotFrom<typeof chademoBridgeMachine>['context'];

/** The pack voltage the CCS PreCharge aims at: the estimate until the contactors closed, then the measured one. */
export function prechargeVoltageOf(ctx: Ctx): number {
  if (ctx.contactorsClosed && ctx.ccsPresentVoltage > 0) return ctx.ccsPresentVoltage;
  const s = ctx.status;
  if (!s) return 0;
  return estimatePackVoltage(s.targetVoltage, s.soc, ctx.limits?.minVoltage, ctx.config.emptyVoltageRatio);
}

export function chargeParametersOf(snap: SnapshotFrom<typeof chademoBridgeMachine>): ChargeParameters {
  const ctx = snap.context;
  const stopping = snap.matches({ active: { sequence: 'stopping' } }) || snap.matches({ active: { sequence: 'done' } }) || snap.status === 'done';
  const ready = ctx.contactorsClosed && !stopping && (snap.matches({ active: { sequence: { running: 'awaitCurrent' } } }) || snap.matches({ active: { sequence: { running: 'charging' } } }));
  return {
    targetVoltage: ctx.status?.targetVoltage ?? 0,
    targetCurrent: ready ? ctx.targetCurrent : 0,
    prechargeVoltage: prechargeVoltageOf(ctx),
    readyForPower: ready,
    stopping,
  };
}

/** Battery facts for the CCS session's ChargeParameterDiscoveryReq / DC_EVStatus, from 0x100/0x101/0x102. */
export function batteryStateOf(ctx: Ctx, fallback: BatteryState): BatteryState {
  const l = ctx.limits;
  const s = ctx.status;
  return {
    socPercent: s?.soc ?? fallback.socPercent,
    voltage: s ? prechargeVoltageOf(ctx) : fallback.voltage,
    maxCurrent: l ? Math.min(l.maxCurrent, ctx.config.maxCurrent > 0 ? ctx.config.maxCurrent : l.maxCurrent) : fallback.maxCurrent,
    maxVoltage: l?.maxBatteryVoltage || fallback.maxVoltage,
    capacityWh: ctx.times && ctx.times.batteryCapacityKwh > 0 ? ctx.times.batteryCapacityKwh * 1000 : fallback.capacityWh,
  };
}
