// One statistics row per V2G session of a capture, for `tsplc decode <folder>`: what pyPLC's
// pcapConverter collects in pcap_statistics.txt (charger MAC and vendor, CableCheck and PreCharge
// time) plus the vehicle, the protocol, the maximum power, the limiting side and the end reason.
import type { SessionSummary } from './summary.js';
import type { ValueSample } from './values.js';
import type { V2gEvent } from './analyzer.js';
import { guessChargerVendor } from './vendor.js';

export interface StatisticsRow {
  readonly file: string;
  /** 1-based session number within the capture. */
  readonly session: number;
  readonly evMac?: string;
  /** Vendor from the EV's MAC prefix (same prefix table as the charger's: Tesla cars and chargers share dc:44:27). */
  readonly vehicleVendor?: string;
  readonly chargerMac?: string;
  readonly chargerVendor?: string;
  /** Short protocol name: DIN, ISO-2, ISO-20, or the namespace; ` (TLS)` appended when the session was decrypted with a key log. */
  readonly protocol?: string;
  /** Where the key log of a decrypted session came from. */
  readonly keyLog?: TlsKeySource;
  readonly cableCheckSeconds?: number;
  readonly preChargeSeconds?: number;
  /** Largest EVSEPresentVoltage × EVSEPresentCurrent of one response, W. */
  readonly maxPowerW?: number;
  readonly limiting?: string;
  readonly endReason: string;
}

const PROTOCOL_NAMES: readonly (readonly [RegExp, string])[] = [
  [/^urn:din:70121/, 'DIN'],
  [/^urn:iso:15118:2:2013/, 'ISO-2'],
  [/^urn:iso:15118:2:2010/, 'ISO-2 (2010)'],
  [/^urn:iso:std:iso:15118:-20:(\w+)/, 'ISO-20'],
];

function protocolName(ns: string | undefined): string | undefined {
  if (ns === undefined) return undefined;
  for (const [re, name] of PROTOCOL_NAMES) {
    const m = re.exec(ns);
    if (m) return m[1] ? `${name} ${m[1]}` : name;
  }
  return ns;
}

/** Where a capture's TLS key log came from: its own UDP 52345 frames (dSPACE benches), a file next to it, or both. */
export type TlsKeySource = 'capture' | 'file' | 'capture+file';

/** What a capture's TLS streams came to, for its statistics rows. */
export interface CaptureTlsFacts {
  /** TCP connections that started with a TLS record. */
  readonly streams: number;
  /** The connections whose V2G messages were decrypted with the key log. */
  readonly decrypted: ReadonlySet<number>;
  /** The key log used (absent: none found). */
  readonly keys?: TlsKeySource;
  /** The first decryption failure (wrong or incomplete key log), code: message. */
  readonly error?: string;
}

/** The TLS facts of a capture's events. */
export function tlsFactsOf(events: readonly V2gEvent[], keys?: TlsKeySource): CaptureTlsFacts {
  const streams = new Set<number>();
  const decrypted = new Set<number>();
  let error: string | undefined;
  for (const e of events) {
    if (e.kind === 'tcp' && e.what === 'TLS') streams.add(e.connection);
    else if (e.kind === 'v2g' && e.decrypted) decrypted.add(e.connection);
    else if (e.kind === 'error' && e.layer === 'tls' && error === undefined) error = `${e.error.code}: ${e.error.message}`;
  }
  return { streams: streams.size, decrypted, ...(keys ? { keys } : {}), ...(error ? { error } : {}) };
}

/** Rows of one capture: its sessions (or one row saying there was none) with the value series for the power. */
export function captureStatistics(file: string, sessions: readonly SessionSummary[], values: readonly ValueSample[], captureError?: string, tls: CaptureTlsFacts = { streams: 0, decrypted: new Set() }): StatisticsRow[] {
  const tlsStreams = tls.streams;
  // Max power per connection: voltage and current of the same message (frame).
  const maxPower = new Map<number, number>();
  let frame = -1;
  let conn = -1;
  let u: number | undefined;
  let i: number | undefined;
  const flush = (): void => {
    if (u !== undefined && i !== undefined) maxPower.set(conn, Math.max(maxPower.get(conn) ?? 0, u * i));
    u = i = undefined;
  };
  for (const s of values) {
    if (s.frame !== frame || s.connection !== conn) {
      flush();
      frame = s.frame;
      conn = s.connection;
    }
    if (s.name === 'EVSEPresentVoltage') u = s.value;
    else if (s.name === 'EVSEPresentCurrent') i = s.value;
  }
  flush();
  if (sessions.length === 0) {
    const why = captureError
      ? `not decoded: ${captureError}`
      : tlsStreams > 0
        ? `no V2G session decoded: ${tlsStreams} TLS stream(s), not decrypted${tls.error ? ` (key log from ${tls.keys ?? 'nowhere'}: ${tls.error})` : tls.keys ? ` (key log from ${tls.keys} has no secrets for them)` : ''}`
        : 'no V2G session';
    return [{ file, session: 0, endReason: why }];
  }
  return sessions.map((s, k) => {
    const vehicleVendor = s.evMac ? guessChargerVendor(s.evMac) : undefined;
    const p = maxPower.get(s.connection);
    const overTls = tls.decrypted.has(s.connection);
    const name = protocolName(s.protocol);
    const protocol = name !== undefined && overTls ? `${name} (TLS)` : name;
    const lim = s.limiting;
    return {
      file,
      session: k + 1,
      ...(s.evMac ? { evMac: s.evMac } : {}),
      ...(vehicleVendor ? { vehicleVendor } : {}),
      ...(s.chargerMac ? { chargerMac: s.chargerMac } : {}),
      ...(s.chargerVendor ? { chargerVendor: s.chargerVendor } : {}),
      ...(protocol ? { protocol } : {}),
      ...(overTls && tls.keys ? { keyLog: tls.keys } : {}),
      ...(s.cableCheckDuration !== undefined ? { cableCheckSeconds: s.cableCheckDuration } : {}),
      ...(s.preChargeDuration !== undefined ? { preChargeSeconds: s.preChargeDuration } : {}),
      ...(p !== undefined ? { maxPowerW: Math.round(p) } : {}),
      ...(lim ? { limiting: `${lim.verdict} ${lim.verdict === 'charger' ? pct(lim.charger.share) : lim.verdict === 'car' ? pct(lim.car.share) : pct(lim.neither.share)}` } : {}),
      endReason: s.stopReason,
    };
  });
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

const COLUMNS: readonly (readonly [string, (r: StatisticsRow) => string])[] = [
  ['file', (r) => r.file],
  ['#', (r) => (r.session ? String(r.session) : '-')],
  ['vehicle', (r) => (r.evMac ? `${r.evMac}${r.vehicleVendor ? ` ${r.vehicleVendor}` : ''}` : '-')],
  ['charger', (r) => (r.chargerMac ? `${r.chargerMac}${r.chargerVendor ? ` ${r.chargerVendor}` : ''}` : '-')],
  ['protocol', (r) => r.protocol ?? '-'],
  ['CableCheck s', (r) => (r.cableCheckSeconds !== undefined ? r.cableCheckSeconds.toFixed(1) : '-')],
  ['PreCharge s', (r) => (r.preChargeSeconds !== undefined ? r.preChargeSeconds.toFixed(1) : '-')],
  ['max kW', (r) => (r.maxPowerW !== undefined ? (r.maxPowerW / 1000).toFixed(1) : '-')],
  ['limiting', (r) => r.limiting ?? '-'],
  ['end', (r) => r.endReason],
];

/** A fixed-width text table, one line per row, the header first. */
export function statisticsTable(rows: readonly StatisticsRow[]): string {
  const cells = rows.map((r) => COLUMNS.map(([, f]) => f(r)));
  const widths = COLUMNS.map(([h], c) => Math.max(h.length, ...cells.map((row) => (row[c] as string).length)));
  const line = (row: readonly string[]): string => row.map((x, c) => (c === row.length - 1 ? x : x.padEnd(widths[c] as number))).join('  ');
  return [line(COLUMNS.map(([h]) => h)), ...cells.map(line)].join('\n') + '\n';
}
