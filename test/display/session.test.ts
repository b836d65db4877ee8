// The display on a whole sim session (in process, SimulatedClock): it follows
// every stage, shows a fault and the SafeShutdown, and never changes the
// session's timing — not with a display that takes 2 s per draw, not with one
// that throws on every write.
import { describe, it, expect } from 'vitest';
import type { SimulatedClock } from 'xstate';
import { runStack } from '../stack/harness.js';
import { attachDisplay, type AttachedDisplay } from '../../src/runtime/display.js';
import { defaultConfig } from '../../src/config/validate.js';
import type { TsplcConfig } from '../../src/config/schema.js';
import { memoryLogger } from '../../src/ports/log.js';
import type { PixelPanel } from '../../src/ports/display.js';
import type { PageId } from '../../src/outputs/display/pages.js';
import type { Sim } from '../../src/runtime/sim.js';
import { toHex } from '../../src/bytes.js';
import type { Framebuffer } from '../../src/outputs/display/framebuffer.js';
import { readRow } from './ocr.js';

function configWith(display: Partial<TsplcConfig['display']>): TsplcConfig {
  const c = defaultConfig();
  return { ...c, display: { ...c.display, ...display } };
}

interface Run {
  display?: AttachedDisplay;
  /** Every distinct first line the stage page was composed with, in order. */
  stages: string[];
  /** Every V2G message on the wire with its virtual time. */
  wire: string[];
  logs: ReturnType<typeof memoryLogger>;
  end: string;
  /** What the panel showed when the session was over (before close() switches it off). */
  final?: Framebuffer;
}

async function session(o: { pages?: PageId[]; faults?: string; panel?: (clock: SimulatedClock) => PixelPanel; noDisplay?: boolean; maxFps?: number }): Promise<Run> {
  const run: Run = { stages: [], wire: [], logs: memoryLogger(), end: '' };
  let clockRef: SimulatedClock | undefined;
  const { parseFaultScenario } = await import('../../src/domain/v2g/faults.js');
  const faults = o.faults ? parseFaultScenario(o.faults) : undefined;
  if (faults && !faults.ok) throw new Error(faults.error.message);
  const r = await runStack({
    ...(faults?.ok ? { faults: faults.value } : {}),
    onStart: (sim: Sim, clock: SimulatedClock) => {
      clockRef = clock;
      if (o.noDisplay) return;
      void attachDisplay({
        role: 'EV',
        config: configWith({ pages: o.pages ?? ['stage'], ...(o.maxFps ? { max_fps: o.maxFps } : {}) }),
        board: 'sim',
        status: sim.evStatus,
        hw: sim.board.ev,
        logger: run.logs,
        clock,
        link: { interface: 'sim-ev', mac: '02:00:00:ee:00:01', ipv6: 'fe80::ff:fe00:1' },
        ...(o.panel ? { panel: o.panel(clock) } : {}),
      }).then((d) => {
        run.display = d;
        d?.actor.subscribe((s) => {
          const l = s.context.wanted.id === 'stage' ? s.context.wanted.lines[0] : undefined;
          if (l?.kind === 'text' && run.stages[run.stages.length - 1] !== l.text) run.stages.push(l.text);
        });
      });
    },
    onWire: (role, rec) => {
      run.wire.push(`${clockRef?.now()} ${role} ${rec.direction} ${toHex(rec.bytes)}`);
      if (role === 'ev') run.display?.onWire(rec);
    },
  });
  run.end = r.sim.ev.actor.getSnapshot().status === 'done' ? (r.sim.ev.actor.getSnapshot().output as { end: string }).end : 'not done';
  const twin = run.display?.twin;
  if (twin) run.final = twin.snapshot();
  await run.display?.close();
  if (twin) expect(twin.displayOn).toBe(false); // close() switches the panel off (AEh)
  return run;
}

/** Indexes of `wanted` in `seen`, in order; -1 where one is missing. */
function inOrder(seen: readonly string[], wanted: readonly string[]): number[] {
  let from = 0;
  return wanted.map((w) => {
    const i = seen.indexOf(w, from);
    if (i >= 0) from = i + 1;
    return i;
  });
}

describe('display on a whole sim session', () => {
  it('goes through every stage of a DIN DC session and ends on ChargingFinished / checkpoint 905', async () => {
    const run = await session({ pages: ['stage'] });
    expect(run.end).toBe('ChargingFinished');
    // The modem answers at once and SLAC starts within the same millisecond (the discovery window ends at
    // the modem's answer), so the first SLAC stage the panel shows is whichever is current at its next frame.
    expect(run.stages.some((t) => t.startsWith('slac:')), run.stages.join(' | ')).toBe(true);
    const stages = ['SupportedAppProtocol', 'SessionSetup', 'ServiceDiscovery', 'PaymentServiceSelecti', 'Authorization', 'ChargeParameterDiscov', 'CableCheck', 'PreCharge', 'PowerDeliveryStart', 'CurrentDemand', 'PowerDeliveryStop', 'WeldingDetection', 'SessionStop', 'ChargingFinished'];
    expect(inOrder(run.stages, stages).every((i) => i >= 0), run.stages.join(' | ')).toBe(true);
    const snap = run.final!;
    expect(readRow(snap, 0, { x: 1, inverted: true, cells: 15 })).toBe('EV DIN');
    // The clock stopped at the session's end (checkpoint 905), right-aligned in the header.
    expect(readRow(snap, 0, { x: 98, inverted: true })).toMatch(/^01:0\d$/);
    expect(readRow(snap, 1)).toBe('ChargingFinished');
    expect(readRow(snap, 2)).toBe('checkpoint 905');
    expect(run.display!.actor.getSnapshot().context.stats.failures).toBe(0);
  }, 120_000);

  it('shows the FAILED response and the SafeShutdown sequence to its end', async () => {
    const run = await session({ pages: ['faults'], faults: 'CurrentDemand#11:responseCode=FAILED' });
    const f = run.display!.facts();
    expect(f.fault?.code).toBe('SafeShutdown');
    expect(f.shutdown).toBeDefined();
    const snap = run.final!;
    expect(readRow(snap, 0, { x: 1, inverted: true, cells: 15 })).toBe('Faults');
    expect(readRow(snap, 1)).toBe('! SafeShutdown');
    expect(readRow(snap, 2)).toMatch(/FAILED/);
    expect(readRow(snap, 2 + (f.fault!.detail.length > 21 ? 2 : 1))).toBe(`shutdown ${f.shutdown}`);
  }, 120_000);
});

describe('a bad display never changes the session', () => {
  it('message timing is identical with no display, a display taking 2 s per draw, and one that throws on every write', async () => {
    const base = await session({ noDisplay: true });
    const stalled = await session({
      pages: ['stage', 'power'],
      maxFps: 30,
      panel: (clock) => ({ width: 128, height: 64, bytesWritten: 0, draw: () => new Promise<void>((r) => clock.setTimeout(r, 2000)), close: async () => {} }),
    });
    const throwing = await session({
      pages: ['stage', 'power'],
      maxFps: 30,
      panel: () => ({ width: 128, height: 64, bytesWritten: 0, draw: async () => Promise.reject(new Error('EIO: i/o error')), close: async () => {} }),
    });
    expect(base.end).toBe('ChargingFinished');
    expect(base.wire.length).toBeGreaterThan(100);
    expect(stalled.wire).toEqual(base.wire);
    expect(throwing.wire).toEqual(base.wire);
    // Logged once per outage, retried with back-off (a 60 s session: far fewer than one try per frame).
    for (const [run, code] of [
      [stalled, 'STALLED'],
      [throwing, 'WRITE_FAILED'],
    ] as const) {
      const warns = run.logs.lines.filter((l) => l.level === 'warn' && l.message.startsWith('display failed'));
      expect(warns.map((l) => l.fields?.code)).toEqual([code]);
      const failures = run.display!.actor.getSnapshot().context.stats.failures;
      expect(failures).toBeGreaterThan(2);
      expect(failures).toBeLessThan(12);
    }
  }, 240_000);
});
