// The V2G analyser of the frame pipeline (src/codecs/capture/pipeline.ts), used by
// `tsplc decode`: SDP, neighbour discovery, TCP connection events, and every
// V2GTP message with direction, schema, name, key fields and the full
// decoded document. Stateful (TCP streams span frames): create one per file,
// and call finish() after the last record for held data and the summaries.
// Streaming: no event or decoded document is kept once its items are returned. The
// summaries are folded as the events go by (a few values per TCP connection), and the
// value series is kept only when asked for (`values: true`), so memory does not grow
// with the length of a capture or of a live `tsplc listen`.
import type { DecodedItem, FrameAnalyser } from '../../codecs/capture/pipeline.js';
import type { CaptureRecord } from '../../codecs/capture/reader.js';
import type { SdpMessage } from '../../codecs/sdp/index.js';
import { payloadTypeName } from '../../codecs/v2gtp/header.js';
import { type AnalyzerOptions, V2gCaptureAnalyzer, type V2gEvent } from './analyzer.js';
import { SessionAccumulator, type SessionSummary } from './summary.js';
import { type ValueSample, addValues } from './values.js';
import { limitingText } from './limiting.js';

export interface V2gFrameAnalyser extends FrameAnalyser {
  /** Items that only the end of the capture produces (held TCP data, truncated messages). */
  finish(): readonly DecodedItem[];
  /** Per-session summaries of everything seen so far (call after finish()); [] with `summary: false`. */
  sessions(): readonly SessionSummary[];
  /** Voltage/current/SOC samples of everything seen so far; [] unless created with `values: true`. */
  values(): readonly ValueSample[];
  /** What the analyser holds that grows with the capture: value samples (summaries are per connection). */
  retained(): { readonly valueSamples: number; readonly sessions: number };
}

export interface V2gFrameAnalyserOptions extends AnalyzerOptions {
  /** Fold the per-session summaries (default true). */
  readonly summary?: boolean;
  /** Keep the value series for values() (default true; a few numbers per message). */
  readonly values?: boolean;
}

export function createV2gAnalyser(options: V2gFrameAnalyserOptions = {}): V2gFrameAnalyser {
  const analyzer = new V2gCaptureAnalyzer(options);
  const summary = options.summary === false ? undefined : new SessionAccumulator();
  const samples: ValueSample[] = [];
  const keepValues = options.values !== false;
  const toItems = (events: readonly V2gEvent[]): DecodedItem[] => {
    const items: DecodedItem[] = [];
    for (const e of events) {
      summary?.add(e);
      if (keepValues) addValues(e, samples);
      const item = eventToItem(e);
      if (item) items.push(item);
    }
    return items;
  };
  return {
    layer: 'v2g',
    analyse(record: CaptureRecord): readonly DecodedItem[] | undefined {
      const items = toItems(analyzer.push(record));
      return items.length > 0 ? items : undefined;
    },
    finish: () => toItems(analyzer.finish()),
    sessions: () => (summary ? summary.summaries(analyzer) : []),
    values: () => samples,
    retained: () => ({ valueSamples: samples.length, sessions: analyzer.sessionConnections.length }),
  };
}

/** One pipeline item per event; SLAC events are left to the HomePlug analyser (it prints every MME). */
export function eventToItem(e: V2gEvent): DecodedItem | undefined {
  switch (e.kind) {
    case 'slac':
      return undefined;
    case 'sdp':
      return { layer: 'sdp', name: e.message.kind === 'request' ? 'SDP request' : 'SDP response', src: e.src, dst: e.dst, summary: `${e.direction} ${e.summary} (checkpoint ${e.checkpoint})`, fields: { direction: e.direction, checkpoint: e.checkpoint, ...sdpFields(e.message) } };
    case 'ndp':
      return { layer: 'ndp', name: e.name, src: e.src, dst: e.dst, summary: `target ${e.target} (checkpoint ${e.checkpoint})`, fields: { target: e.target, checkpoint: e.checkpoint } };
    case 'tcp': {
      const tls = e.tlsDetail
        ? `${e.tlsDetail}: decrypting with the key log`
        : e.decrypting
          ? 'TLS: decrypting with the key log'
          : 'TLS: encrypted, not decoded (hint: tsplc decode --keylog <NSS key log file>; dSPACE benches send it in the capture on UDP 52345)';
      const what = e.what === 'gap' ? `gap: ${e.missing} bytes missing` : e.what === 'TLS' ? tls : e.what === 'not-V2GTP' ? 'not V2GTP: ignored' : e.what;
      return {
        layer: 'tcp',
        name: `TCP ${e.what}`,
        src: e.src,
        dst: e.dst,
        summary: `${e.direction} connection ${e.connection} ${what}`,
        fields: {
          connection: e.connection,
          direction: e.direction,
          event: e.what,
          ...(e.checkpoint !== undefined ? { checkpoint: e.checkpoint } : {}),
          ...(e.missing !== undefined ? { missing: e.missing } : {}),
          ...(e.what === 'TLS' ? { decrypting: e.decrypting === true } : {}),
          ...(e.tlsDetail ? { tls: e.tlsDetail } : {}),
        },
      };
    }
    case 'error':
      return { layer: e.layer, name: 'error', summary: `${e.error.code}${e.error.offset !== undefined ? ` at offset ${e.error.offset}` : ''}: ${e.error.message}`, error: e.error };
    case 'v2g': {
      const fields: Record<string, unknown> = {
        connection: e.connection,
        direction: e.direction,
        schema: e.schema ?? null,
        payloadType: payloadTypeName(e.payloadType),
        ...(e.checkpoint !== undefined ? { checkpoint: e.checkpoint } : {}),
        exi: e.exiHex,
        ...(e.decoded ? { document: e.decoded.document } : {}),
        ...(e.decoded?.trailingZeroBytes ? { trailingZeroBytes: e.decoded.trailingZeroBytes } : {}),
        ...(e.decrypted ? { decrypted: true } : {}),
      };
      const item: DecodedItem = {
        layer: 'v2g',
        name: e.name,
        ...(e.src !== undefined ? { src: e.src } : {}),
        ...(e.dst !== undefined ? { dst: e.dst } : {}),
        summary: `${e.direction}${e.decrypted ? ' (TLS, decrypted)' : ''} ${e.schema ?? '-'}${e.checkpoint !== undefined ? ` [${e.checkpoint}]` : ''} ${e.summary}`.trimEnd(),
        fields,
        ...(e.error ? { error: e.error } : {}),
      };
      return item;
    }
  }
}

function sdpFields(m: SdpMessage): Record<string, unknown> {
  if (m.kind === 'request') return { security: m.security, transport: m.transport };
  return { port: m.port, security: m.security, transport: m.transport, address: Array.from(m.address, (b) => b.toString(16).padStart(2, '0')).join('') };
}

/** Summary of one session on a few lines, for the end of `tsplc decode`. */
export function sessionSummaryText(s: SessionSummary, index?: number): string {
  const secs = ((s.end - s.start) / 1000).toFixed(1);
  const lines = [`session ${index !== undefined ? `${index + 1} (TCP connection ${s.connection})` : s.connection}: EV ${s.ev} → EVSE ${s.evse}, ${new Date(s.start).toISOString()} + ${secs} s, ${s.messages} messages${s.protocol ? `, ${s.protocol}` : ''}`];
  const charger = s.chargerMac ? `charger ${s.chargerMac}${s.chargerVendor ? ` (${s.chargerVendor})` : ''}` : 'charger MAC unknown';
  const slac = [s.slac.runId ? `RunID ${s.slac.runId}` : '', s.slac.nid ? `NID ${s.slac.nid}` : '', s.evMac ? `EV ${s.evMac}` : ''].filter(Boolean).join(', ');
  lines.push(`  ${charger}${slac ? `; SLAC ${slac}` : ''}`);
  const dur = [s.cableCheckDuration !== undefined ? `CableCheck ${s.cableCheckDuration} s` : '', s.preChargeDuration !== undefined ? `PreCharge ${s.preChargeDuration} s` : ''].filter(Boolean).join(', ');
  const soc = s.socFirst !== undefined ? `SOC ${s.socFirst}→${s.socLast} %` : '';
  const maxes = [s.maxEVSEPresentVoltage !== undefined ? `max ${s.maxEVSEPresentVoltage} V` : '', s.maxEVSEPresentCurrent !== undefined ? `max ${s.maxEVSEPresentCurrent} A` : ''].filter(Boolean).join(', ');
  const facts = [dur, soc, maxes].filter(Boolean).join('; ');
  if (facts) lines.push(`  ${facts}`);
  if (s.limiting) lines.push(`  ${limitingText(s.limiting)}`);
  lines.push(`  counts: ${Object.entries(s.messageCounts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const lr = s.lastResponse ? `last ${s.lastResponse.name}${s.lastResponse.responseCode ? ` ${s.lastResponse.responseCode}` : ''}${s.lastResponse.evseStatusCode ? ` ${s.lastResponse.evseStatusCode}` : ''}` : '';
  lines.push(`  end: ${s.stopReason}${lr ? `; ${lr}` : ''}${s.lastCheckpoint !== undefined ? `; checkpoint ${s.lastCheckpoint}` : ''}${s.errors ? `; ${s.errors} errors` : ''}${s.undecoded ? `; ${s.undecoded} undecoded` : ''}`);
  return lines.join('\n');
}
