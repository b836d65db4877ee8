// `tsplc decode <folder>`: every capture in a folder (not recursive), one statistics row per session
// (src/analysis/statistics.ts), like pyPLC's pcap_statistics.txt. One capture at a time, so memory is
// that of the largest capture, and an unreadable file is a row, not the end of the run.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeCapture } from '../analysis/capture.js';
import { type StatisticsRow, captureStatistics, statisticsTable } from '../analysis/statistics.js';
import { detectCaptureFormat } from '../capture/reader.js';

const CAPTURE_NAME = /\.(pcap|pcapng|cap)$/i;

export async function decodeFolder(dir: string, json: boolean): Promise<number> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => CAPTURE_NAME.test(n)).sort();
  } catch (e) {
    process.stderr.write(`tsplc decode: cannot read folder ${dir}: ${(e as Error).message}\n`);
    return 1;
  }
  if (names.length === 0) {
    process.stderr.write(`tsplc decode: no .pcap/.pcapng files in ${dir}\n`);
    return 1;
  }
  const rows: StatisticsRow[] = [];
  let failed = 0;
  for (const name of names) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(join(dir, name)));
    } catch (e) {
      failed++;
      rows.push({ file: name, session: 0, endReason: `not read: ${(e as Error).message}` });
      continue;
    }
    if (detectCaptureFormat(bytes) === undefined) {
      failed++;
      rows.push({ file: name, session: 0, endReason: 'not decoded: BAD_MAGIC (not a pcap or pcapng file)' });
      continue;
    }
    const a = analyzeCapture(bytes);
    const tls = new Set(a.events.flatMap((e) => (e.kind === 'tcp' && e.what === 'TLS' ? [e.connection] : []))).size;
    const got = captureStatistics(name, a.sessions, a.values, a.captureError ? `${a.captureError.code}: ${a.captureError.message}` : undefined, tls);
    for (const r of got) {
      rows.push(r);
      if (json) process.stdout.write(JSON.stringify({ layer: 'statistics', ...r }) + '\n');
    }
  }
  if (!json) process.stdout.write(statisticsTable(rows));
  return failed > 0 ? 1 : 0;
}
