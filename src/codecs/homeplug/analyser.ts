// The HomePlug analyser of the frame pipeline (src/codecs/capture/pipeline.ts): claims Ethernet frames
// with EtherType 0x88E1 and turns each into one decoded item (or one error item).
import { formatMac } from '../../bytes.js';
import type { DecodedItem, FrameAnalyser } from '../capture/pipeline.js';
import { LINKTYPE_ETHERNET } from '../capture/reader.js';
import { decodeMme, displayName, isHomePlugFrame } from './codec.js';
import { mmeKeyFields, mmeToJson } from './summary.js';

export const homePlugAnalyser: FrameAnalyser = {
  layer: 'homeplug',
  analyse(record): readonly DecodedItem[] | undefined {
    if (record.linkType !== LINKTYPE_ETHERNET || !isHomePlugFrame(record.data)) return undefined;
    const d = record.data;
    const addresses = { src: formatMac(d.subarray(6, 12)), dst: formatMac(d.subarray(0, 6)) };
    const r = decodeMme(d);
    if (!r.ok) {
      const at = r.error.offset !== undefined ? ` at offset ${r.error.offset}` : '';
      return [{ layer: 'homeplug', name: 'error', ...addresses, summary: `${r.error.code}${at}: ${r.error.message}`, error: r.error }];
    }
    return [{ layer: 'homeplug', name: displayName(r.value), ...addresses, summary: mmeKeyFields(r.value), fields: mmeToJson(r.value) }];
  },
};
