// Reads the SLAC exchange of a real capture as machine events (for replays).
import { readFileSync } from 'node:fs';
import { bytesEqual } from '../../src/bytes.js';
import { readCapture } from '../../src/codecs/capture/index.js';
import { decodeFrame } from '../../src/domain/slac/bridge.js';
import type { HomePlugMessage, Mac } from '../../src/domain/slac/messages.js';

export interface CapturedMme {
  readonly index: number;
  readonly t: number;
  readonly from: Mac;
  readonly to: Mac;
  readonly msg: HomePlugMessage;
  readonly data: Uint8Array;
}

/** Every decodable SLAC/modem MME, duplicates (same bytes within 2 ms: captured on two interfaces) removed. */
export function capturedMmes(file: string): CapturedMme[] {
  const out: CapturedMme[] = [];
  for (const r of readCapture(readFileSync(file))) {
    if (!r.ok) continue;
    const d = decodeFrame(r.value.data, r.value.timestamp);
    if (!d.ok || !d.event) continue;
    const prev = out[out.length - 1];
    if (prev && r.value.timestamp - prev.t < 2 && bytesEqual(prev.data, r.value.data)) continue;
    out.push({ index: r.value.index, t: r.value.timestamp, from: d.event.from, to: d.event.to ?? new Uint8Array(6), msg: d.event.msg, data: r.value.data });
  }
  return out;
}

export interface SlacSession {
  readonly evMac: Mac;
  readonly evseMac: Mac;
  readonly runId: Uint8Array;
  readonly nid: Uint8Array;
  readonly nmk: Uint8Array;
  /** The frames of this session (RunID-bearing ones of this RunID, plus profiles naming the EV). */
  readonly frames: CapturedMme[];
}

/** The first session that reached CM_SLAC_MATCH.CNF. */
export function firstMatchedSession(mmes: readonly CapturedMme[]): SlacSession | undefined {
  const cnf = mmes.find((m) => m.msg.type === 'CM_SLAC_MATCH.CNF');
  if (!cnf || cnf.msg.type !== 'CM_SLAC_MATCH.CNF') return undefined;
  const { runId, nid, nmk, pevMac } = cnf.msg;
  const frames = mmes.filter((m) => {
    if ('runId' in m.msg) return bytesEqual(m.msg.runId, runId) && m.t <= cnf.t;
    if (m.msg.type === 'CM_ATTEN_PROFILE.IND') return bytesEqual(m.msg.pevMac, pevMac) && m.t <= cnf.t;
    return false;
  });
  return { evMac: pevMac, evseMac: cnf.from, runId, nid, nmk, frames };
}
