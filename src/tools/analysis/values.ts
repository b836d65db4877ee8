// Value series of a session (what pyPLC's pcapConverter writes as
// `[time] Name=value` and its scope plots): present voltage/current of the
// charger, target voltage/current and SOC of the car, multipliers applied.
import type { V2gEvent } from './analyzer.js';
import { fieldValue } from './fields.js';

export const VALUE_NAMES = ['EVSEPresentVoltage', 'EVSEPresentCurrent', 'EVTargetVoltage', 'EVTargetCurrent', 'EVRESSSOC'] as const;
export type ValueName = (typeof VALUE_NAMES)[number];

export interface ValueSample {
  /** ms since the Unix epoch. */
  readonly timestamp: number;
  readonly frame: number;
  readonly connection: number;
  /** Message the value came from ('CurrentDemandRes'). */
  readonly message: string;
  readonly name: ValueName;
  readonly value: number;
}

/** Every value in every decoded message, in event order. ISO-20 SOC is `PresentSOC`. */
export function extractValues(events: readonly V2gEvent[]): ValueSample[] {
  const out: ValueSample[] = [];
  for (const e of events) addValues(e, out);
  return out;
}

/** Appends the values of one event to `out` (for callers that stream the events). */
export function addValues(e: V2gEvent, out: ValueSample[]): void {
  if (e.kind !== 'v2g' || !e.decoded) return;
  const body = e.decoded.body;
  for (const name of VALUE_NAMES) {
    let v = fieldValue(body, name);
    if (v === undefined && name === 'EVRESSSOC') v = fieldValue(body, 'PresentSOC');
    if (v !== undefined) out.push({ timestamp: e.timestamp, frame: e.frame, connection: e.connection, message: e.name, name, value: v });
  }
}

/**
 * CSV, one row per message that carries at least one value:
 * `time,relative_s,frame,message,EVSEPresentVoltage,EVSEPresentCurrent,EVTargetVoltage,EVTargetCurrent,SOC`.
 * Empty cells where a message does not carry that value.
 */
export function valuesToCsv(samples: readonly ValueSample[]): string {
  const header = 'time,relative_s,frame,connection,message,EVSEPresentVoltage,EVSEPresentCurrent,EVTargetVoltage,EVTargetCurrent,SOC';
  const lines = [header];
  const t0 = samples[0]?.timestamp ?? 0;
  let i = 0;
  while (i < samples.length) {
    const first = samples[i] as ValueSample;
    const row: Partial<Record<ValueName, number>> = {};
    while (i < samples.length && (samples[i] as ValueSample).frame === first.frame && (samples[i] as ValueSample).message === first.message) {
      const s = samples[i] as ValueSample;
      row[s.name] = s.value;
      i++;
    }
    const cell = (n: ValueName): string => (row[n] === undefined ? '' : String(row[n]));
    lines.push(
      [new Date(first.timestamp).toISOString(), ((first.timestamp - t0) / 1000).toFixed(6), first.frame, first.connection, first.message, ...VALUE_NAMES.map(cell)].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
