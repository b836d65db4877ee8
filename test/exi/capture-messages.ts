// Test helper: every V2GTP message carried over TCP in the shared captures, with the
// EXI schema of its TCP stream (decided by the stream's supportedAppProtocol
// handshake). Extracted with tshark (per-segment payloads, reassembled per stream and
// direction here; TLS decrypted where the capture carries its key log) so that these
// tests do not depend on the capture pipeline of src/codecs/net / src/tools/analysis.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { fromHex } from '../../src/bytes.js';
import { decode, type SchemaId } from '../../src/codecs/exi/index.js';

export interface CaptureMessage {
  capture: string;
  /** First frame of the segment that completed the message. */
  frame: number;
  stream: number;
  fromPort: number;
  payloadType: number;
  schema: SchemaId;
  exi: Uint8Array;
  /** How the schema was chosen: 'handshake' or 'guess' (stream began before the capture). */
  schemaFrom: 'handshake' | 'guess' | 'appHand';
}

export const V2GTP_EXI = 0x8001;

// ISO 15118-20 Table 11 (V2GTP payload types): 0x8002 CommonMessages, 0x8003 AC, 0x8004 DC.
const ISO20_BY_PAYLOAD: Record<number, SchemaId> = { 0x8002: 'iso20-common', 0x8003: 'iso20-ac', 0x8004: 'iso20-dc' };

function schemaOfNamespace(ns: string): SchemaId | 'iso20' | undefined {
  if (ns === 'urn:din:70121:2012:MsgDef' || ns === 'urn:iso:15118:2:2010:MsgDef') return 'din';
  if (ns === 'urn:iso:15118:2:2013:MsgDef') return 'iso2';
  if (ns.startsWith('urn:iso:std:iso:15118:-20:')) return 'iso20';
  return undefined;
}

interface Seg {
  frame: number;
  stream: number;
  src: number;
  dst: number;
  data: Uint8Array;
}

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** tshark without blocking the event loop (captureMessagesAsync: a test file collecting every capture). */
async function tsharkAsync(args: string[]): Promise<string> {
  return (await promisify(execFile)('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 })).stdout;
}

const KEYLOG_ARGS = (file: string): string[] => ['-r', file, '-Y', 'udp.port == 52345', '-T', 'fields', '-e', 'data.data'];

/**
 * TLS key log lines (NSS format) that the dSPACE test bench broadcasts over UDP port 52345
 * in its TLS captures (ISO-20_TLS13_DC, ISO-2_DC_PnC_TLS): with them tshark decrypts the
 * V2G traffic. Returns undefined when the capture has none.
 */
function keyLogOf(out: string): string | undefined {
  const lines = out
    .split('\n')
    .map((h) => Buffer.from(h.trim(), 'hex').toString('latin1'))
    .filter((l) => /^(CLIENT|SERVER|EXPORTER)_[A-Z_0-9]+ [0-9a-fA-F]+ [0-9a-fA-F]+$/.test(l));
  return lines.length > 0 ? lines.join('\n') + '\n' : undefined;
}

/** Runs the segment extraction through `run` (tshark, sync or async), with the key log when there is one. */
function segmentsWith<T>(file: string, keys: string | undefined, run: (args: string[]) => T, then: (out: T, cleanup: () => void) => Seg[] | Promise<Seg[]>): Seg[] | Promise<Seg[]> {
  let dir: string | undefined;
  const args = ['-r', file];
  if (keys) {
    dir = mkdtempSync(join(tmpdir(), 'tsplc-keylog-'));
    writeFileSync(join(dir, 'keys'), keys);
    args.push('-o', `tls.keylog_file:${join(dir, 'keys')}`);
  }
  const cleanup = (): void => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  let out: T;
  try {
    out = run([
      ...args,
      '-Y',
      'tcp.len>0 && !tcp.analysis.retransmission && !tcp.analysis.fast_retransmission',
      '-T',
      'fields',
      '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.payload', '-e', 'data.data', '-e', 'tls.record.content_type',
    ]);
  } catch (e) {
    cleanup();
    throw e;
  }
  return then(out, cleanup);
}

function parseSegments(out: string): Seg[] {
  const segs: Seg[] = [];
  for (const line of out.split('\n')) {
    const [f, s, sp, dp, payload, decrypted, tls] = line.split('\t');
    // TLS records: use the decrypted application data (several records are comma-joined);
    // plain TCP: the segment payload.
    const hex = tls ? (decrypted ?? '').split(',').join('') : payload;
    if (!hex) continue;
    const data = fromHex(hex.replace(/:/g, ''));
    if (!data) continue;
    segs.push({ frame: Number(f), stream: Number(s), src: Number(sp), dst: Number(dp), data });
  }
  return segs;
}

function tcpSegments(file: string): Seg[] {
  return segmentsWith(file, keyLogOf(tshark(KEYLOG_ARGS(file))), tshark, (out, cleanup) => {
    cleanup();
    return parseSegments(out);
  }) as Seg[];
}

async function tcpSegmentsAsync(file: string): Promise<Seg[]> {
  const keys = keyLogOf(await tsharkAsync(KEYLOG_ARGS(file)));
  return segmentsWith(file, keys, tsharkAsync, async (out, cleanup) => {
    try {
      return parseSegments(await out);
    } finally {
      cleanup();
    }
  });
}

/**
 * captureMessages() without blocking the worker: tshark runs as an async child process (a test file
 * that collects every capture this way waited minutes on execFileSync at load 20, and a worker that
 * does not answer vitest's RPC for 60 s ends the run with "Timeout calling onTaskUpdate").
 */
export async function captureMessagesAsync(file: string): Promise<CaptureMessage[]> {
  return messagesOf(basename(file), await tcpSegmentsAsync(file));
}

export function captureMessages(file: string): CaptureMessage[] {
  return messagesOf(basename(file), tcpSegments(file));
}

function messagesOf(capture: string, segs: readonly Seg[]): CaptureMessage[] {
  // Reassemble per stream and direction.
  const buffers = new Map<string, { buf: Uint8Array; stream: number; src: number }>();
  const raw: { frame: number; stream: number; src: number; payloadType: number; body: Uint8Array }[] = [];
  for (const s of segs) {
    const key = `${s.stream}:${s.src}`;
    const prev = buffers.get(key);
    let buf = prev ? new Uint8Array(prev.buf.length + s.data.length) : s.data;
    if (prev) {
      buf.set(prev.buf);
      buf.set(s.data, prev.buf.length);
    }
    for (;;) {
      if (buf.length < 8) break;
      if (buf[0] !== 0x01 || buf[1] !== 0xfe) {
        // Not V2GTP (TLS, or a lost segment): drop this direction's data.
        buf = new Uint8Array(0);
        break;
      }
      const type = ((buf[2] as number) << 8) | (buf[3] as number);
      const len = (((buf[4] as number) << 24) | ((buf[5] as number) << 16) | ((buf[6] as number) << 8) | (buf[7] as number)) >>> 0;
      if (buf.length < 8 + len) break;
      raw.push({ frame: s.frame, stream: s.stream, src: s.src, payloadType: type, body: buf.slice(8, 8 + len) });
      buf = buf.slice(8 + len);
    }
    buffers.set(key, { buf, stream: s.stream, src: s.src });
  }
  // Schema per stream from the handshake.
  const chosen = new Map<number, SchemaId | 'iso20'>();
  const offered = new Map<number, Map<number, string>>();
  const out: CaptureMessage[] = [];
  for (const m of raw) {
    if (m.payloadType !== V2GTP_EXI && ISO20_BY_PAYLOAD[m.payloadType] === undefined) continue;
    if (!chosen.has(m.stream)) {
      const r = decode('appHand', m.body);
      if (r.ok) {
        const req = r.value.supportedAppProtocolReq;
        const res = r.value.supportedAppProtocolRes;
        if (req) offered.set(m.stream, new Map(req.AppProtocol.map((p) => [p.SchemaID, p.ProtocolNamespace])));
        if (res && res.SchemaID !== undefined) {
          const ns = offered.get(m.stream)?.get(res.SchemaID);
          const s = ns ? schemaOfNamespace(ns) : undefined;
          if (s) chosen.set(m.stream, s);
        }
        out.push({ capture, frame: m.frame, stream: m.stream, fromPort: m.src, payloadType: m.payloadType, schema: 'appHand', exi: m.body, schemaFrom: 'appHand' });
        continue;
      }
    }
    let schema = chosen.get(m.stream);
    let from: CaptureMessage['schemaFrom'] = 'handshake';
    if (schema === undefined) {
      // The capture began after the handshake: V2G_Message is global element 77 in DIN
      // (first bits 1001101) and 76 in ISO-2 (1001100).
      from = 'guess';
      schema = m.body[1] !== undefined && m.body[1] >> 1 === 0x4d ? 'din' : 'iso2';
    }
    if (schema === 'iso20') {
      const s = ISO20_BY_PAYLOAD[m.payloadType];
      if (!s) continue;
      schema = s;
    }
    out.push({ capture, frame: m.frame, stream: m.stream, fromPort: m.src, payloadType: m.payloadType, schema, exi: m.body, schemaFrom: from });
  }
  return out;
}
