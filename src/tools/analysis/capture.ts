// Whole-capture convenience: bytes of a pcap/pcapng file → every V2G event,
// plus the per-session summaries and the value series.
import { readCapture } from '../../codecs/capture/reader.js';
import type { CodecError } from '../../result.js';
import { type AnalyzerOptions, V2gCaptureAnalyzer, type V2gEvent } from './analyzer.js';
import { type SessionSummary, summarizeSessions } from './summary.js';
import { type ValueSample, extractValues } from './values.js';

export interface CaptureAnalysis {
  readonly events: readonly V2gEvent[];
  readonly sessions: readonly SessionSummary[];
  readonly values: readonly ValueSample[];
  /** Set when the capture file itself is corrupt (events up to that point are kept). */
  readonly captureError?: CodecError;
  readonly records: number;
}

export function analyzeCapture(file: Uint8Array, options: AnalyzerOptions = {}): CaptureAnalysis {
  const a = new V2gCaptureAnalyzer(options);
  const events: V2gEvent[] = [];
  let captureError: CodecError | undefined;
  let records = 0;
  for (const r of readCapture(file)) {
    if (!r.ok) {
      captureError = r.error;
      break;
    }
    records++;
    for (const e of a.push(r.value)) events.push(e);
  }
  for (const e of a.finish()) events.push(e);
  return { events, sessions: summarizeSessions(events, a), values: extractValues(events), records, ...(captureError ? { captureError } : {}) };
}
