// Live progress and the end-of-session summary for `tsplc pev|evse|sim`.
// Progress: one updating line on a terminal ('\r'), plain lines otherwise
// (on every stage change, and at most every `intervalMs` while charging).
// Summary: checkpoints reached with their times, stage durations, energy
// (∫ U·I dt from the EV's inlet voltage and current sensors), end reason.
import type { Observable, Subscription } from 'rxjs';
import type { EvHardware } from '../ports/hardware.js';
import type { StatusBus, StatusUpdate } from '../status.js';
import { Checkpoint } from '../checkpoints.js';

export interface ProgressOptions {
  readonly role: string;
  readonly status: StatusBus;
  readonly hw?: EvHardware;
  /** EVSE: the power supply's output instead of the EV's sensors. */
  readonly supply$?: Observable<{ readonly voltage: number; readonly current: number }>;
  readonly now: () => number;
  readonly write: (text: string) => void;
  readonly tty: boolean;
  /** Plain-line mode: at most one value line per interval while the stage stays the same. */
  readonly intervalMs?: number;
}

export interface SessionSummary {
  readonly role: string;
  /** Checkpoint → ms since start when first reached. */
  readonly checkpoints: ReadonlyArray<{ readonly checkpoint: number; readonly atMs: number }>;
  readonly durations: Readonly<Record<string, number>>;
  readonly energyWh: number;
  readonly maxCurrent: number;
  readonly maxVoltage: number;
  readonly soc?: { readonly start: number; readonly end: number };
  readonly chargeLoops: number;
}

export interface Progress {
  summary(): SessionSummary;
  stop(): void;
}

/** Stage durations from the first time each checkpoint was reached (pyPLC numbering). */
const spans: ReadonlyArray<[string, number, number]> = [
  ['SLAC (100→160)', 100, 160],
  ['modem join (170→190)', 170, 190],
  ['SDP (200→203)', 200, 203],
  ['TCP (301→303)', 301, 303],
  ['handshake+setup (400→540)', 400, 540],
  ['CableCheck (560→570)', 560, 570],
  ['PreCharge (570→600)', 570, 600],
  ['charging (700→800)', 700, 800],
  ['stop (800→905)', 800, 905],
  ['plug-in → first CurrentDemand (3/100→700)', 100, 700],
];

export function attachProgress(o: ProgressOptions): Progress {
  const t0 = o.now();
  const first = new Map<number, number>();
  const subs: Subscription[] = [];
  let stage = '';
  let volts = 0;
  let amps = 0;
  let soc: number | undefined;
  let socStart: number | undefined;
  let energyWs = 0;
  let lastT = o.now();
  let maxA = 0;
  let maxV = 0;
  let loops = 0;
  let lastLine = 0;
  let lastLen = 0;

  const integrate = (): void => {
    const t = o.now();
    energyWs += volts * amps * Math.max(0, (t - lastT) / 1000);
    lastT = t;
  };
  const line = (): string => {
    const soctext = soc !== undefined ? ` SOC ${soc.toFixed(1)} %` : '';
    const e = energyWs / 3600;
    return `[${o.role}] ${((o.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${stage.padEnd(24)} ${volts.toFixed(0).padStart(4)} V ${amps.toFixed(1).padStart(6)} A${soctext}  ${e.toFixed(1)} Wh`;
  };
  const show = (force: boolean): void => {
    if (o.tty) {
      const l = line();
      o.write('\r' + l + ' '.repeat(Math.max(0, lastLen - l.length)));
      lastLen = l.length;
      return;
    }
    const t = o.now();
    if (force || t - lastLine >= (o.intervalMs ?? 5000)) {
      lastLine = t;
      o.write(line() + '\n');
    }
  };
  subs.push(
    o.status.updates$.subscribe((u: StatusUpdate) => {
      if (u.checkpoint !== undefined && !first.has(u.checkpoint)) first.set(u.checkpoint, o.now() - t0);
      if (u.checkpoint === Checkpoint.CurrentDemandReq) loops++;
      const s = typeof u.details?.soc === 'number' ? u.details.soc : undefined;
      if (s !== undefined) {
        soc = s;
        socStart ??= s;
      }
      const name = u.layer === 'session' ? u.state : `${u.layer}:${u.state}`;
      if (name !== stage && !(u.layer === 'session' && /Res$/.test(u.state))) {
        stage = name;
        show(true);
      } else show(false);
    }),
  );
  if (o.hw?.inletVoltage)
    subs.push(
      o.hw.inletVoltage.volts$.subscribe((v) => {
        integrate();
        volts = v;
        maxV = Math.max(maxV, v);
      }),
    );
  if (o.hw?.current)
    subs.push(
      o.hw.current.amps$.subscribe((a) => {
        integrate();
        amps = a;
        maxA = Math.max(maxA, a);
      }),
    );
  if (o.supply$)
    subs.push(
      o.supply$.subscribe((r) => {
        integrate();
        volts = r.voltage;
        amps = r.current;
        maxV = Math.max(maxV, r.voltage);
        maxA = Math.max(maxA, r.current);
      }),
    );
  if (o.hw)
    subs.push(
      o.hw.battery.state$.subscribe((b) => {
        soc = b.socPercent;
        socStart ??= b.socPercent;
      }),
    );
  return {
    summary() {
      integrate();
      const durations: Record<string, number> = {};
      for (const [name, a, b] of spans) {
        const ta = first.get(a);
        const tb = first.get(b);
        if (ta !== undefined && tb !== undefined && tb >= ta) durations[name] = tb - ta;
      }
      return {
        role: o.role,
        checkpoints: [...first.entries()].sort((x, y) => x[1] - y[1] || x[0] - y[0]).map(([checkpoint, atMs]) => ({ checkpoint, atMs })),
        durations,
        energyWh: energyWs / 3600,
        maxCurrent: maxA,
        maxVoltage: maxV,
        ...(socStart !== undefined && soc !== undefined ? { soc: { start: socStart, end: soc } } : {}),
        chargeLoops: loops,
      };
    },
    stop() {
      for (const s of subs) s.unsubscribe();
      if (o.tty && lastLen > 0) o.write('\n');
    },
  };
}

export function formatSummary(s: SessionSummary, end: { end: string; reason: string }): string {
  const lines = [`── ${s.role} session summary ──`, `end: ${end.end}${end.reason ? ` (${end.reason})` : ''}`];
  lines.push(`checkpoints: ${s.checkpoints.map((c) => c.checkpoint).join(' ')}`);
  for (const [k, v] of Object.entries(s.durations)) lines.push(`  ${k.padEnd(44)} ${(v / 1000).toFixed(2).padStart(8)} s`);
  lines.push(`energy: ${s.energyWh.toFixed(1)} Wh   max ${s.maxVoltage.toFixed(0)} V / ${s.maxCurrent.toFixed(1)} A   charge loops: ${s.chargeLoops}`);
  if (s.soc) lines.push(`SOC: ${s.soc.start.toFixed(1)} % → ${s.soc.end.toFixed(1)} %`);
  return lines.join('\n');
}
