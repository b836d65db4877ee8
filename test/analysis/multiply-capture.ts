// Test/bench helper: a long capture made from a real one, its sessions played `times` times
// one after the other (each copy shifted in time past the end of the previous one), written
// as classic pcap. Generated in memory for the streaming tests and the analysis bench; never
// committed.
import { readCapture } from '../../src/codecs/capture/reader.js';
import { writePcap, type PcapWriteRecord } from '../../src/codecs/capture/writer.js';

export function multiplyCapture(file: Uint8Array, times: number): Uint8Array {
  const records: { timestamp: number; data: Uint8Array; originalLength: number }[] = [];
  let linkType: number | undefined;
  for (const r of readCapture(file)) {
    if (!r.ok) break;
    linkType ??= r.value.originalLinkType ?? r.value.linkType;
    records.push({ timestamp: r.value.timestamp, data: r.value.data, originalLength: r.value.originalLength });
  }
  if (records.length === 0) throw new Error('no records in the capture');
  const first = (records[0] as (typeof records)[number]).timestamp;
  const period = (records[records.length - 1] as (typeof records)[number]).timestamp - first + 60_000;
  function* all(): Generator<PcapWriteRecord> {
    for (let k = 0; k < times; k++) for (const r of records) yield { ...r, timestamp: r.timestamp + k * period };
  }
  return writePcap(all(), { linkType: linkType ?? 1 });
}
