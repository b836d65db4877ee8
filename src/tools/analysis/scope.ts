// Data of `tsplc scope`: the series, phase bands and markers of one capture, as plain JSON that the
// HTML page hands to uPlot. The rows are exactly those of `tsplc decode --values` (one per message
// that carries a value, same relative time), so the plot and the CSV show the same numbers; the
// charger's maxima and the power are extra columns on the same rows.
import type { V2gEvent, V2gMessageEvent } from './analyzer.js';
import { fieldText, fieldValue } from './fields.js';
import { VALUE_NAMES, type ValueName, type ValueSample } from './values.js';

export const SCOPE_COLUMNS = [...VALUE_NAMES, 'EVSEMaximumVoltageLimit', 'EVSEMaximumCurrentLimit', 'PowerKW'] as const;
export type ScopeColumn = (typeof SCOPE_COLUMNS)[number];

export interface ScopeBand {
  readonly name: 'SLAC' | 'CableCheck' | 'PreCharge' | 'charging' | 'stop';
  /** Seconds relative to the first value row's time origin (the same origin as --values). */
  readonly from: number;
  readonly to: number;
}

export interface ScopeMarker {
  readonly t: number;
  readonly frame: number;
  /** `CableCheckRes FAILED`, `CurrentDemandRes EVSE_Shutdown`. */
  readonly label: string;
}

export interface ScopeData {
  readonly title: string;
  /** Capture time (ms since the Unix epoch) of t = 0. */
  readonly t0: number;
  readonly t: readonly number[];
  readonly series: Readonly<Record<ScopeColumn, readonly (number | null)[]>>;
  readonly bands: readonly ScopeBand[];
  readonly markers: readonly ScopeMarker[];
}

const GOOD_STATUS = new Set(['EVSE_Ready', 'EVSE_NotReady', 'EVSE_IsolationMonitoringActive']);

/**
 * The scope data of a capture: `events` as the analyser produced them (SLAC events included for the
 * SLAC band), `samples` from extractValues(events) — the same samples valuesToCsv writes.
 */
export function scopeData(title: string, events: readonly V2gEvent[], samples: readonly ValueSample[]): ScopeData {
  const t0 = samples[0]?.timestamp ?? events.find((e) => Number.isFinite(e.timestamp))?.timestamp ?? 0;
  const rel = (ts: number): number => Number(((ts - t0) / 1000).toFixed(6));
  // Charger maxima per message frame (CurrentDemandRes and ChargeParameterDiscoveryRes carry them).
  const maxima = new Map<number, { u?: number; i?: number }>();
  for (const e of events) {
    if (e.kind !== 'v2g' || !e.decoded) continue;
    const u = fieldValue(e.decoded.body, 'EVSEMaximumVoltageLimit');
    const i = fieldValue(e.decoded.body, 'EVSEMaximumCurrentLimit') ?? fieldValue(e.decoded.body, 'EVSEMaxCurrent');
    if (u !== undefined || i !== undefined) maxima.set(e.frame, { ...(u !== undefined ? { u } : {}), ...(i !== undefined ? { i } : {}) });
  }
  const t: number[] = [];
  const series = Object.fromEntries(SCOPE_COLUMNS.map((c) => [c, [] as (number | null)[]])) as Record<ScopeColumn, (number | null)[]>;
  let k = 0;
  while (k < samples.length) {
    const first = samples[k] as ValueSample;
    const row: Partial<Record<ValueName, number>> = {};
    // Same grouping as valuesToCsv: consecutive samples of one frame and message form a row.
    while (k < samples.length && (samples[k] as ValueSample).frame === first.frame && (samples[k] as ValueSample).message === first.message) {
      const s = samples[k] as ValueSample;
      row[s.name] = s.value;
      k++;
    }
    t.push(rel(first.timestamp));
    for (const n of VALUE_NAMES) series[n].push(row[n] ?? null);
    const m = maxima.get(first.frame);
    series.EVSEMaximumVoltageLimit.push(m?.u ?? null);
    series.EVSEMaximumCurrentLimit.push(m?.i ?? null);
    const u = row.EVSEPresentVoltage;
    const i = row.EVSEPresentCurrent;
    series.PowerKW.push(u !== undefined && i !== undefined ? Number(((u * i) / 1000).toFixed(3)) : null);
  }
  return { title, t0, t, series, bands: bandsOf(events, rel), markers: markersOf(events, rel) };
}

function bandsOf(events: readonly V2gEvent[], rel: (ts: number) => number): ScopeBand[] {
  const span = new Map<ScopeBand['name'], { from: number; to: number }>();
  const widen = (name: ScopeBand['name'], ts: number): void => {
    if (!Number.isFinite(ts)) return;
    const s = span.get(name);
    if (!s) span.set(name, { from: ts, to: ts });
    else s.to = Math.max(s.to, ts);
  };
  let stopping = false;
  for (const e of events) {
    if (e.kind === 'slac') widen('SLAC', e.timestamp);
    if (e.kind !== 'v2g') continue;
    const n = e.name.replace(/^DC_/, '');
    if (/^CableCheck(Req|Res)$/.test(n)) widen('CableCheck', e.timestamp);
    else if (/^PreCharge(Req|Res)$/.test(n)) widen('PreCharge', e.timestamp);
    else if (/^(CurrentDemand|ChargingStatus|ChargeLoop|AC_ChargeLoop)(Req|Res)$/.test(n)) widen('charging', e.timestamp);
    if ((e.name === 'PowerDeliveryReq' && isStop(e)) || /^(WeldingDetection|SessionStop)(Req|Res)$/.test(n)) stopping = true;
    if (stopping) widen('stop', e.timestamp);
  }
  const order: ScopeBand['name'][] = ['SLAC', 'CableCheck', 'PreCharge', 'charging', 'stop'];
  return order.filter((n) => span.has(n)).map((n) => {
    const s = span.get(n) as { from: number; to: number };
    return { name: n, from: rel(s.from), to: rel(s.to) };
  });
}

function isStop(e: V2gMessageEvent): boolean {
  const p = fieldText(e.decoded?.body, 'ChargeProgress') ?? fieldText(e.decoded?.body, 'ReadyToChargeState');
  return p === 'Stop' || p === 'false';
}

/** A marker where a response code is not OK or the charger's status changes away from ready. */
function markersOf(events: readonly V2gEvent[], rel: (ts: number) => number): ScopeMarker[] {
  const out: ScopeMarker[] = [];
  let lastStatus: string | undefined;
  for (const e of events) {
    if (e.kind !== 'v2g' || !e.decoded || !e.name.endsWith('Res')) continue;
    const rc = fieldText(e.decoded.body, 'ResponseCode');
    const st = fieldText(e.decoded.body, 'EVSEStatusCode');
    if (rc && !/^OK/.test(rc)) out.push({ t: rel(e.timestamp), frame: e.frame, label: `${e.name} ${rc}` });
    if (st && st !== lastStatus && !GOOD_STATUS.has(st)) out.push({ t: rel(e.timestamp), frame: e.frame, label: `${e.name} ${st}` });
    if (st) lastStatus = st;
    if (out.length >= 200) break;
  }
  return out;
}
