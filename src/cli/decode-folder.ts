// `tsplc decode <folder>`: every capture in a folder (not recursive), one statistics row per session
// (src/tools/analysis/statistics.ts), like pyPLC's pcap_statistics.txt. One capture at a time, so memory is
// that of the largest capture, and an unreadable file is a row, not the end of the run.
//
// TLS (ISO-20, Plug & Charge): each capture is decrypted with the key log it carries on UDP 52345
// (dSPACE benches) and with an NSS key log file next to it — <capture>.keylog, or the capture's
// name without its extension + .keylog / .keys / .sslkeylog — whose entries win; its sessions'
// protocol then reads e.g. `ISO-20 DC (TLS)`.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeCapture } from '../tools/analysis/capture.js';
import { keyLogFromCapture } from '../tools/analysis/capture-keylog.js';
import { addKeyLogText, emptyKeyLog } from '../tools/analysis/tls.js';
import { type StatisticsRow, type TlsKeySource, captureStatistics, statisticsTable, tlsFactsOf } from '../tools/analysis/statistics.js';
import { detectCaptureFormat } from '../codecs/capture/reader.js';

const CAPTURE_NAME = /\.(pcap|pcapng|cap)$/i;

/** Key log files that belong to a capture, in the order they are looked for. */
export function keyLogNamesFor(capture: string): string[] {
  const stem = capture.replace(CAPTURE_NAME, '');
  return [`${capture}.keylog`, `${stem}.keylog`, `${stem}.keys`, `${stem}.sslkeylog`];
}

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
    const keyLog = emptyKeyLog();
    const inCapture = keyLogFromCapture(bytes, keyLog).entries > 0;
    let fromFile = false;
    for (const k of keyLogNamesFor(name)) {
      const text = await readFile(join(dir, k), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      fromFile = addKeyLogText(keyLog, text) > 0;
      if (!fromFile) {
        failed++;
        process.stderr.write(`tsplc decode: ${join(dir, k)}: no NSS key log entries (CLIENT_RANDOM / *_TRAFFIC_SECRET lines)\n`);
      }
      break;
    }
    const keys: TlsKeySource | undefined = inCapture && fromFile ? 'capture+file' : inCapture ? 'capture' : fromFile ? 'file' : undefined;
    const a = analyzeCapture(bytes, keyLog.sessions.size > 0 ? { keyLog } : {});
    const tls = tlsFactsOf(a.events, keys);
    // A key log that does not decrypt (wrong secrets, another session) fails the run, as for one capture.
    if (tls.error) failed++;
    const got = captureStatistics(name, a.sessions, a.values, a.captureError ? `${a.captureError.code}: ${a.captureError.message}` : undefined, tls);
    for (const r of got) {
      rows.push(r);
      if (json) process.stdout.write(JSON.stringify({ layer: 'statistics', ...r }) + '\n');
    }
  }
  if (!json) process.stdout.write(statisticsTable(rows));
  return failed > 0 ? 1 : 0;
}
