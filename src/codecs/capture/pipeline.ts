// Frame-level decode pipeline used by `tsplc decode` and the offline listen mode: each record of a
// capture goes to a list of analysers (HomePlug MMEs today; IPv6/SDP/V2GTP/EXI are added as further
// analysers), and every analyser that claims the frame yields decoded items. Errors are items too.
import type { CodecError } from '../../result.js';
import { type CaptureRecord, readCapture } from './reader.js';

/** One decoded thing in a frame (an MME, a V2G message, ...) or one error. */
export interface DecodedItem {
  /** Analyser that produced it, e.g. 'homeplug'. */
  readonly layer: string;
  /** Message name in the field's words ('CM_SLAC_PARM.REQ', 'CurrentDemandReq'), or 'error'. */
  readonly name: string;
  /** Addresses as text (MACs, IPv6 + port), when the layer has them. */
  readonly src?: string;
  readonly dst?: string;
  /** Key fields on one line, for humans. */
  readonly summary: string;
  /** The whole message as JSON-safe data. */
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly error?: CodecError;
}

export interface FrameAnalyser {
  readonly layer: string;
  /** Items for this frame, or undefined when the frame is not for this analyser. Must not throw. */
  analyse(record: CaptureRecord): readonly DecodedItem[] | undefined;
}

export interface DecodedFrameItem extends DecodedItem {
  /** 1-based frame number, as Wireshark counts. */
  readonly frame: number;
  /** Capture time, ms since the epoch. */
  readonly timestamp: number;
  /** Seconds since the first record of the file. */
  readonly relative: number;
}

/**
 * Decodes a whole capture file lazily. A corrupt file ends with an item of layer 'capture'
 * carrying the reader's error. An analyser that throws despite its contract is reported as an error item.
 */
export function* decodeCapture(file: Uint8Array, analysers: readonly FrameAnalyser[]): Generator<DecodedFrameItem, void, undefined> {
  let first: number | undefined;
  let lastFrame = 0;
  for (const r of readCapture(file)) {
    if (!r.ok) {
      yield { layer: 'capture', name: 'error', summary: `${r.error.code}: ${r.error.message}`, error: r.error, frame: lastFrame + 1, timestamp: NaN, relative: NaN };
      return;
    }
    const rec = r.value;
    lastFrame = rec.index;
    first ??= rec.timestamp;
    const base = { frame: rec.index, timestamp: rec.timestamp, relative: (rec.timestamp - first) / 1000 };
    for (const a of analysers) {
      let items: readonly DecodedItem[] | undefined;
      try {
        items = a.analyse(rec);
      } catch (e) {
        items = [{ layer: a.layer, name: 'error', summary: `analyser threw: ${String(e)}`, error: { code: 'ANALYSER_EXCEPTION', message: String(e) } }];
      }
      if (items) for (const it of items) yield { ...it, ...base };
    }
  }
}
