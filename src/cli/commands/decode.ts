// tsplc decode <capture> [--json]: every decodable frame of a pcap/pcapng file, one line each.
// The decoding is the pure frame pipeline of src/codecs/capture/pipeline.ts; this command only reads the
// file and prints. More layers (IPv6/SDP/V2GTP/EXI) plug in by adding their analyser to ANALYSERS.
import { readFile, stat } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';
import { type DecodedFrameItem, type FrameAnalyser, decodeCapture } from '../../codecs/capture/pipeline.js';
import { detectCaptureFormat } from '../../codecs/capture/reader.js';
import { homePlugAnalyser } from '../../codecs/homeplug/analyser.js';
import { createV2gAnalyser, sessionSummaryText } from '../../tools/analysis/frame-analyser.js';
import { valuesToCsv } from '../../tools/analysis/values.js';
import { keyLogFromCapture } from '../../tools/analysis/capture-keylog.js';
import { addKeyLogText, emptyKeyLog } from '../../tools/analysis/tls.js';
import { writeFile } from 'node:fs/promises';

export const summary = 'decode a capture (pcap/pcapng): HomePlug MMEs, SDP, TCP, V2GTP and EXI (V2G messages), session summaries';

/** Analysers in the order their items are printed for one frame. */
export const ANALYSERS: FrameAnalyser[] = [homePlugAnalyser];

const USAGE = `usage: tsplc decode <capture.pcap|capture.pcapng> [--json] [--values <file.csv>] [--keylog <file>] [--no-summary]
       tsplc decode <folder> [--json]   one statistics row per session of every capture in the folder
  --json            one JSON object per line: {frame, time, relative, layer, name, src, dst, summary, fields | error};
                    V2G messages carry the whole decoded document in fields.document; the per-session
                    summaries follow as {"layer":"summary", ...} lines
  --values <file>   write the voltage/current/SOC series (EVSEPresentVoltage, EVSEPresentCurrent,
                    EVTargetVoltage, EVTargetCurrent, SOC; multipliers applied) as CSV
  --keylog <file>   decrypt TLS (1.2 and 1.3) with an NSS key log (SSLKEYLOGFILE format: CLIENT_RANDOM,
                    CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT/SERVER_TRAFFIC_SECRET_0); the key log
                    a dSPACE bench sends inside the capture (UDP 52345) is used as well, without this option.
                    A session the key log cannot decrypt is an error (exit 1)
  --no-summary      leave out the per-session summary at the end`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('decode', USAGE, { args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' }, values: { type: 'string' }, keylog: { type: 'string' }, 'no-summary': { type: 'boolean', default: false } } });
  if (typeof parsed === 'number') return parsed;
  const [path, ...extra] = parsed.positionals;
  if (!path || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // A folder: one statistics table over its captures (src/cli/decode-folder.ts).
  if ((await stat(path).catch(() => undefined))?.isDirectory()) return (await import('../decode-folder.js')).decodeFolder(path, parsed.values.json === true);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    process.stderr.write(`tsplc decode: cannot read ${path}: ${(e as Error).message}\n`);
    return 1;
  }
  // Not a capture at all (a text file, a decoded.txt): say so on stderr, nothing on stdout.
  if (detectCaptureFormat(bytes) === undefined) {
    process.stderr.write(`tsplc decode: ${path}: BAD_MAGIC: not a pcap or pcapng file (unknown magic number)\n`);
    return 1;
  }
  // TLS: what the capture itself carries on UDP 52345 (a first pass over it), then the key log file,
  // whose entries win (the user's explicit choice).
  const keyLog = emptyKeyLog();
  keyLogFromCapture(bytes, keyLog);
  const keylogPath = parsed.values.keylog;
  if (keylogPath !== undefined) {
    let text: string;
    try {
      text = await readFile(keylogPath, 'utf8');
    } catch (e) {
      process.stderr.write(`tsplc decode: cannot read key log ${keylogPath}: ${(e as Error).message}\n`);
      return 1;
    }
    if (addKeyLogText(keyLog, text) === 0) {
      process.stderr.write(`tsplc decode: ${keylogPath}: no NSS key log entries (CLIENT_RANDOM / *_TRAFFIC_SECRET lines)${keyLog.badLines ? `, ${keyLog.badLines} unreadable line(s)` : ''}\n`);
      return 1;
    }
  }
  const json = parsed.values.json === true;
  const valuesPath = parsed.values.values;
  const wantSummary = parsed.values['no-summary'] !== true;
  const out = new StdoutLines();
  let corrupt = false;
  // The V2G analyser keeps TCP stream state across frames: one per file. It keeps no decoded
  // documents; summaries and values only when asked for (memory stays flat on long captures).
  const v2g = createV2gAnalyser({ summary: wantSummary, values: valuesPath !== undefined, ...(keyLog.sessions.size > 0 ? { keyLog } : {}) });
  // A TLS session the key log could not decrypt (no secret, authentication failure): stderr, exit 1.
  const tlsErrors: string[] = [];
  let lastFrame = 0;
  let lastTimestamp = NaN;
  let firstTimestamp = NaN;
  for (const item of decodeCapture(bytes, [...ANALYSERS, v2g])) {
    if (item.layer === 'capture') corrupt = true;
    if (item.layer === 'tls' && item.error) tlsErrors.push(`${item.error.code}: ${item.error.message} (frame ${item.frame})`);
    if (Number.isFinite(item.timestamp)) {
      lastFrame = item.frame;
      lastTimestamp = item.timestamp;
      if (!Number.isFinite(firstTimestamp)) firstTimestamp = item.relative === 0 ? item.timestamp : item.timestamp - item.relative * 1000;
    }
    if (out.closed) {
      // Nobody reads any more (`tsplc decode FILE | head`): only a --values file still needs the rest.
      if (valuesPath === undefined) return 0;
      continue;
    }
    out.push(json ? jsonLine(item) : textLine(item));
    if (out.pending >= 512) await out.flush();
  }
  for (const it of v2g.finish()) {
    const relative = Number.isFinite(firstTimestamp) ? (lastTimestamp - firstTimestamp) / 1000 : NaN;
    const item: DecodedFrameItem = { ...it, frame: lastFrame, timestamp: lastTimestamp, relative };
    out.push(json ? jsonLine(item) : textLine(item));
  }
  if (wantSummary) {
    v2g.sessions().forEach((s, i) => out.push(json ? JSON.stringify({ layer: 'summary', session: i + 1, ...s }) : sessionSummaryText(s, i)));
  }
  await out.flush();
  if (valuesPath !== undefined) {
    try {
      await writeFile(valuesPath, valuesToCsv(v2g.values()));
    } catch (e) {
      process.stderr.write(`tsplc decode: cannot write ${valuesPath}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  for (const e of tlsErrors) process.stderr.write(`tsplc decode: ${e}\n`);
  return corrupt || tlsErrors.length > 0 ? 1 : 0;
}

/**
 * Lines to stdout in batches. A closed stdout (the reader exited: `| head`) is not an error
 * for a decoder: the EPIPE arrives as an 'error' event, which would otherwise end the process
 * with a stack trace; here it only sets `closed`, and the command ends with exit 0. flush()
 * yields to the event loop so that the event is seen while decoding, and waits for 'drain'
 * when the stream buffers (a slow reader), so memory stays bounded.
 */
class StdoutLines {
  private lines: string[] = [];
  closed = false;
  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    stream.on('error', () => {
      // EPIPE or any other write failure: nobody can read the rest.
      this.closed = true;
    });
  }
  get pending(): number {
    return this.lines.length;
  }
  push(line: string): void {
    this.lines.push(line);
  }
  async flush(): Promise<void> {
    if (this.lines.length > 0 && !this.closed) {
      const more = this.stream.write(this.lines.join('\n') + '\n');
      this.lines.length = 0;
      if (!more && !this.closed) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            this.stream.off('drain', done);
            this.stream.off('error', done);
            resolve();
          };
          this.stream.on('drain', done);
          this.stream.on('error', done);
        });
      }
    }
    this.lines.length = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function textLine(i: DecodedFrameItem): string {
  const time = Number.isFinite(i.relative) ? i.relative.toFixed(3).padStart(9) : '        -';
  const frame = `#${i.frame}`.padEnd(7);
  const addr = i.src !== undefined ? `${i.src} → ${i.dst ?? '?'}  ` : '';
  if (i.name === 'error') return `${time} ${frame} ${addr}ERROR [${i.layer}] ${i.summary}`;
  return `${time} ${frame} ${addr}${i.name.padEnd(24)} ${i.summary}`;
}

function jsonLine(i: DecodedFrameItem): string {
  const o: Record<string, unknown> = {
    frame: i.frame,
    time: Number.isFinite(i.timestamp) ? new Date(i.timestamp).toISOString() : null,
    timestamp: Number.isFinite(i.timestamp) ? i.timestamp : null,
    relative: Number.isFinite(i.relative) ? Number(i.relative.toFixed(6)) : null,
    layer: i.layer,
    name: i.name,
    ...(i.src !== undefined ? { src: i.src, dst: i.dst } : {}),
    summary: i.summary,
    ...(i.fields ? { fields: i.fields } : {}),
    ...(i.error ? { error: i.error } : {}),
  };
  return JSON.stringify(o);
}
