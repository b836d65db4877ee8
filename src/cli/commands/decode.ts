// tsplc decode <capture> [--json]: every decodable frame of a pcap/pcapng file, one line each.
// The decoding is the pure frame pipeline of src/capture/pipeline.ts; this command only reads the
// file and prints. More layers (IPv6/SDP/V2GTP/EXI) plug in by adding their analyser to ANALYSERS.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type DecodedFrameItem, type FrameAnalyser, decodeCapture } from '../../capture/pipeline.js';
import { homePlugAnalyser } from '../../homeplug/analyser.js';

export const summary = 'decode a capture (pcap/pcapng): HomePlug MMEs (V2G layers to come)';

/** Analysers in the order their items are printed for one frame. */
export const ANALYSERS: FrameAnalyser[] = [homePlugAnalyser];

const USAGE = `usage: tsplc decode <capture.pcap|capture.pcapng> [--json]
  --json   one JSON object per line: {frame, time, relative, layer, name, src, dst, summary, fields | error}`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    process.stderr.write(`tsplc decode: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const [path, ...extra] = parsed.positionals;
  if (!path || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    process.stderr.write(`tsplc decode: cannot read ${path}: ${(e as Error).message}\n`);
    return 1;
  }
  const json = parsed.values.json === true;
  let corrupt = false;
  const out: string[] = [];
  const flush = (): void => {
    if (out.length === 0) return;
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  };
  for (const item of decodeCapture(bytes, ANALYSERS)) {
    if (item.layer === 'capture') corrupt = true;
    out.push(json ? jsonLine(item) : textLine(item));
    if (out.length >= 512) flush();
  }
  flush();
  return corrupt ? 1 : 0;
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
