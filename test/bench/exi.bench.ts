// EXI codec speed against the reference C codecs, measured in the same run.
//
// The messages are taken from real captures at run time (first occurrence of the named
// message in the named capture, extracted with tshark as the capture tests do). The C
// codecs (OpenV2Gx = pyPLC's codec, libcbv2g = EVerest's) are built from
// ../shared/reference-codecs with -O2 into .bench-build/ (reference-codecs.ts) and timed by
// small drivers (test/bench/c) with clock_gettime; tsplc is timed in this process the same
// way (warm-up, then one batch of ~MS_PER_OP ms per operation). The three sides run
// interleaved, ROUNDS rounds; each figure is the median over the rounds, and each ratio is
// the median of the per-round ratios of process CPU time (on a shared machine wall time
// includes waiting for a core; CPU time and ratios taken within one round are steadier).
// Goal (issue 13): tsplc ≤ 1.0× libcbv2g and ≤ 1.5× OpenV2Gx for decode and encode.
//
// A fourth side, no goal attached: tsplc in V8's lite mode, as the long-running roles run it
// (LEAN_V8_FLAGS in src/cli/main.ts: no optimising compiler). Each round starts this file as
// a child with those flags (`--lite-child`), which times the same bytes the same way and
// prints one line per message as the C drivers do (`lite_cpu_ns`, and `x_lite`: lite / V8
// defaults, per round). The last rows add up a CurrentDemand round trip (the EV encodes the
// request and decodes the response, the charger decodes the request and encodes the
// response) in both modes.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { toHex } from '../../src/bytes.js';
import { codecFor, type SchemaId } from '../../src/codecs/exi/index.js';
import { captureMessages, type CaptureMessage } from '../exi/capture-messages.js';
import { capturesDir, hasCaptures, missingSharedMessage } from '../shared.js';
import type { BenchResult, BenchSuite } from './harness.js';
import { buildReferenceDrivers, runDriver, type DriverFigure } from './reference-codecs.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
/** The flags of the long-running roles (LEAN_V8_FLAGS, src/cli/main.ts: importing it would run the CLI). */
const LITE_FLAGS = ['--lite-mode'];

const ROUNDS = Number(process.env.TSPLC_BENCH_ROUNDS ?? 7);
const MS_PER_OP = Number(process.env.TSPLC_BENCH_MS_PER_OP ?? 30);

/** Goal ratios of issue 13 (tsplc time / C time). */
export const GOAL = { libcbv2g: 1.0, openv2g: 1.5 } as const;

interface BenchMessage {
  name: string;
  schema: SchemaId;
  capture: string;
  /** Body element (DIN/ISO-2) or root element (appHand, ISO-20) of the message. */
  message: string;
}

// The bench messages of issue 13, plus two larger DIN ones, from real sessions.
export const MESSAGES: readonly BenchMessage[] = [
  { name: 'appHand supportedAppProtocolReq', schema: 'appHand', capture: '2024-06-11_Griffigroen_polestar2_stop_in_precharge.pcapng', message: 'supportedAppProtocolReq' },
  { name: 'appHand supportedAppProtocolRes', schema: 'appHand', capture: '2024-06-11_Griffigroen_polestar2_stop_in_precharge.pcapng', message: 'supportedAppProtocolRes' },
  { name: 'DIN SessionSetupReq', schema: 'din', capture: '2022-12-20_alpi_currentDemandSequenceErrorShutdown.pcapng', message: 'SessionSetupReq' },
  { name: 'DIN ChargeParameterDiscoveryRes', schema: 'din', capture: '2022-12-13_compleo_powerdelivery230_no_load.pcapng', message: 'ChargeParameterDiscoveryRes' },
  { name: 'DIN PreChargeReq', schema: 'din', capture: '2022-12-13_compleo_powerdelivery230_no_load.pcapng', message: 'PreChargeReq' },
  { name: 'DIN CurrentDemandReq', schema: 'din', capture: '2022-12-20_alpi_currentDemandSequenceErrorShutdown.pcapng', message: 'CurrentDemandReq' },
  { name: 'DIN CurrentDemandRes', schema: 'din', capture: '2022-12-20_alpi_currentDemandSequenceErrorShutdown.pcapng', message: 'CurrentDemandRes' },
  { name: 'ISO-2 ChargeParameterDiscoveryRes', schema: 'iso2', capture: 'ISO-2_DC_DS5366.pcapng', message: 'ChargeParameterDiscoveryRes' },
  { name: 'ISO-2 CurrentDemandReq', schema: 'iso2', capture: 'ISO-2_DC_DS5366.pcapng', message: 'CurrentDemandReq' },
  { name: 'ISO-2 CurrentDemandRes', schema: 'iso2', capture: 'ISO-2_DC_DS5366.pcapng', message: 'CurrentDemandRes' },
  { name: 'ISO-20 DC_ChargeLoopReq', schema: 'iso20-dc', capture: 'ISO-20_TLS13_DC_DS5366_Josev.pcapng', message: 'DC_ChargeLoopReq' },
  { name: 'ISO-20 DC_ChargeLoopRes', schema: 'iso20-dc', capture: 'ISO-20_TLS13_DC_DS5366_Josev.pcapng', message: 'DC_ChargeLoopRes' },
];

function messageName(doc: Record<string, unknown>): string | undefined {
  const root = Object.keys(doc)[0];
  if (root === 'V2G_Message') {
    const body = (doc.V2G_Message as { Body?: Record<string, unknown> }).Body;
    return body ? Object.keys(body)[0] : undefined;
  }
  return root;
}

/** The bytes of every bench message, from its capture; or a reason. */
export function loadMessages(): { message: BenchMessage; bytes: Uint8Array; frame: number }[] | string {
  if (!hasCaptures) return missingSharedMessage;
  const byCapture = new Map<string, CaptureMessage[]>();
  const out: { message: BenchMessage; bytes: Uint8Array; frame: number }[] = [];
  for (const m of MESSAGES) {
    const path = join(capturesDir, m.capture);
    if (!existsSync(path)) return `capture ${m.capture} not found`;
    let list = byCapture.get(m.capture);
    if (!list) {
      try {
        list = captureMessages(path);
      } catch (e) {
        return `tshark could not read ${m.capture}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
      }
      byCapture.set(m.capture, list);
    }
    const found = list.find((c) => {
      if (c.schema !== m.schema) return false;
      const r = codecFor(c.schema).decode(c.exi);
      return r.ok && messageName(r.value as Record<string, unknown>) === m.message;
    });
    if (!found) return `${m.message} not found in ${m.capture}`;
    out.push({ message: m, bytes: found.exi, frame: found.frame });
  }
  return out;
}

interface Figure {
  ns: number;
  cpuNs: number;
}

/** The CurrentDemand round trips summed in the last rows: [label, request, response]. */
const ROUND_TRIPS: readonly [string, string, string][] = [
  ['DIN', 'DIN CurrentDemandReq', 'DIN CurrentDemandRes'],
  ['ISO-2', 'ISO-2 CurrentDemandReq', 'ISO-2 CurrentDemandRes'],
];

/** Same procedure as the C drivers (bench-common.h): batch sizing, then one timed batch. */
function timeTs(fn: () => unknown, budgetMs: number): Figure {
  let n = 16;
  let elapsed: number;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    elapsed = Number(process.hrtime.bigint() - t0);
    if (elapsed >= (budgetMs * 1e6) / 8 || n > 2 ** 30) break;
    n *= 2;
  }
  const m = Math.max(n, Math.floor((n * budgetMs * 1e6) / Math.max(elapsed, 1)));
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < m; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0) / m;
  const c = process.cpuUsage(c0);
  return { ns, cpuNs: ((c.user + c.system) * 1000) / m };
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

type Op = 'decode' | 'encode';

export const suite: BenchSuite = {
  name: 'exi',
  async run(): Promise<BenchResult[] | string> {
    const loaded = loadMessages();
    if (typeof loaded === 'string') return loaded;
    const drivers = await buildReferenceDrivers((l) => process.stderr.write(`exi bench: ${l}\n`));
    if (typeof drivers === 'string') return drivers;

    const ts = loaded.map(({ message, bytes }) => {
      const codec = codecFor(message.schema);
      const d = codec.decode(bytes);
      if (!d.ok) throw new Error(`${message.name}: ${d.error.code} ${d.error.message}`);
      const e = codec.encode(d.value as never);
      if (!e.ok || toHex(e.value) !== toHex(bytes)) throw new Error(`${message.name}: tsplc does not re-encode the capture bytes`);
      return { codec, bytes, doc: d.value };
    });
    const args = loaded.map(({ message, bytes }) => ({ schema: message.schema, hex: toHex(bytes) }));

    // samples[message][side][op] = per-round figures
    const samples = loaded.map(() => ({
      tsplc: { decode: [] as Figure[], encode: [] as Figure[] },
      openv2g: { decode: [] as Figure[], encode: [] as Figure[] },
      libcbv2g: { decode: [] as Figure[], encode: [] as Figure[] },
      lite: { decode: [] as Figure[], encode: [] as Figure[] },
    }));
    const notes = loaded.map(() => ({ openv2g: '', libcbv2g: '', lite: '' }));
    let sink = 0;
    const cRound = async (side: 'openv2g' | 'libcbv2g' | 'lite'): Promise<void> => {
      const figs = side === 'lite' ? await runLite(MS_PER_OP, args) : await runDriver(side === 'openv2g' ? drivers.openv2g : drivers.cbv2g, MS_PER_OP, args);
      figs.forEach((f: DriverFigure | string, i) => {
        const s = samples[i] as (typeof samples)[number];
        const n = notes[i] as (typeof notes)[number];
        if (typeof f === 'string') {
          n[side] = f;
          return;
        }
        if (!f.sameBytes) n[side] = 're-encodes differently';
        s[side].decode.push({ ns: f.decodeNs, cpuNs: f.decodeCpuNs });
        s[side].encode.push({ ns: f.encodeNs, cpuNs: f.encodeCpuNs });
      });
    };
    const tsRound = (): void => {
      ts.forEach(({ codec, bytes, doc }, i) => {
        const s = samples[i] as (typeof samples)[number];
        s.tsplc.decode.push(
          timeTs(() => {
            if (codec.decode(bytes).ok) sink++;
          }, MS_PER_OP),
        );
        s.tsplc.encode.push(
          timeTs(() => {
            const r = codec.encode(doc as never);
            if (r.ok) sink += r.value.length;
          }, MS_PER_OP),
        );
      });
    };
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order so no side always runs right after another one.
      const order: (() => Promise<void> | void)[] = [tsRound, () => cRound('openv2g'), () => cRound('libcbv2g'), () => cRound('lite')];
      for (let k = 0; k < order.length; k++) await (order[(r + k) % order.length] as () => Promise<void> | void)();
    }
    if (sink === 0) return 'tsplc codec failed during the benchmark';

    const results: BenchResult[] = [];
    const worst: Record<`${Op}_${'openv2g' | 'libcbv2g'}`, number> = { decode_openv2g: 0, decode_libcbv2g: 0, encode_openv2g: 0, encode_libcbv2g: 0 };
    let met = 0;
    let goals = 0;
    loaded.forEach(({ message, bytes, frame }, i) => {
      const s = samples[i] as (typeof samples)[number];
      for (const op of ['decode', 'encode'] as const) {
        const mine = s.tsplc[op];
        const row: Record<string, string | number> = {};
        row.cpu_ns = round1(median(mine.map((f) => f.cpuNs)));
        for (const side of ['openv2g', 'libcbv2g'] as const) {
          const theirs = s[side][op];
          const label = side === 'openv2g' ? 'openv2g' : 'cbv2g';
          if (theirs.length === 0) {
            row[`${label}_ns`] = 'n/a';
            continue;
          }
          row[`${label}_ns`] = round1(median(theirs.map((f) => f.ns)));
          row[`${label}_cpu_ns`] = round1(median(theirs.map((f) => f.cpuNs)));
          // Per-round ratio (same load), then the median over the rounds.
          const ratio = median(theirs.map((f, k) => (mine[k] as Figure).cpuNs / f.cpuNs));
          row[`x_${label}`] = round3(ratio);
          goals++;
          if (ratio <= GOAL[side]) met++;
          const key = `${op}_${side}` as const;
          worst[key] = Math.max(worst[key], ratio);
        }
        // Lite mode (no goal): its CPU time, and its per-round ratio to V8's defaults.
        const lite = s.lite[op];
        if (lite.length > 0) {
          row.lite_cpu_ns = round1(median(lite.map((f) => f.cpuNs)));
          row.x_lite = round3(median(lite.map((f, k) => f.cpuNs / (mine[k] as Figure).cpuNs)));
        }
        const note = [
          notes[i]?.openv2g && `OpenV2Gx: ${notes[i]?.openv2g}`,
          notes[i]?.libcbv2g && `libcbv2g: ${notes[i]?.libcbv2g}`,
          notes[i]?.lite && `lite mode: ${notes[i]?.lite}`,
        ]
          .filter(Boolean)
          .join('; ');
        results.push({
          bench: `exi ${op} ${message.name}`,
          ns_per_op: round1(median(mine.map((f) => f.ns))),
          ...row,
          bytes: bytes.length,
          source: `${message.capture} frame ${frame}`,
          ...(note ? { note } : {}),
        });
      }
    });
    // A CurrentDemand round trip in both modes: the four operations' medians added up.
    for (const [label, req, res] of ROUND_TRIPS) {
      const find = (op: Op, name: string): BenchResult | undefined => results.find((x) => x.bench === `exi ${op} ${name}`);
      const rows = [find('encode', req), find('decode', req), find('encode', res), find('decode', res)];
      if (rows.some((x) => x === undefined || typeof x.cpu_ns !== 'number' || typeof x.lite_cpu_ns !== 'number')) continue;
      const sum = (k: string): number => rows.reduce((a, x) => a + ((x as BenchResult)[k] as number), 0);
      results.push({
        bench: `exi ${label} CurrentDemand round trip (Req encode+decode, Res encode+decode)`,
        cpu_ns: round1(sum('cpu_ns')),
        lite_cpu_ns: round1(sum('lite_cpu_ns')),
        x_lite: round3(sum('lite_cpu_ns') / sum('cpu_ns')),
      });
    }
    results.push({
      bench: 'exi goal (≤1.0× libcbv2g, ≤1.5× OpenV2Gx)',
      met: `${met}/${goals}`,
      worst_x_cbv2g_decode: round3(worst.decode_libcbv2g),
      worst_x_cbv2g_encode: round3(worst.encode_libcbv2g),
      worst_x_openv2g_decode: round3(worst.decode_openv2g),
      worst_x_openv2g_encode: round3(worst.encode_openv2g),
      rounds: ROUNDS,
      ms_per_op: MS_PER_OP,
    });
    return results;
  },
};

/** One round of tsplc under LITE_FLAGS in a child process: a figure per message, or a reason. */
async function runLite(msPerOp: number, messages: { schema: string; hex: string }[]): Promise<(DriverFigure | string)[]> {
  const args = [...process.execArgv, ...LITE_FLAGS, fileURLToPath(import.meta.url), '--lite-child', String(msPerOp), ...messages.flatMap((m) => [m.schema, m.hex])];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20, cwd: resolve(here, '../..') });
  const out: (DriverFigure | string)[] = messages.map(() => 'no output');
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(' ');
    const i = Number(f[0]);
    if (!line.trim() || !Number.isInteger(i) || i < 0 || i >= out.length) continue;
    if (f[1] === 'na') out[i] = f.slice(2).join(' ');
    else {
      const [d, dc, e, ec, same] = f.slice(1).map(Number) as [number, number, number, number, number];
      out[i] = { decodeNs: d, decodeCpuNs: dc, encodeNs: e, encodeCpuNs: ec, sameBytes: same === 1 };
    }
  }
  return out;
}

/** The child of runLite(): `--lite-child MS_PER_OP (SCHEMA HEX)...`, one line per message. */
function liteChild(argv: string[]): void {
  const ms = Number(argv[0]);
  for (let i = 1, k = 0; i + 1 < argv.length; i += 2, k++) {
    const codec = codecFor(argv[i] as SchemaId);
    const bytes = Uint8Array.from(Buffer.from(argv[i + 1] as string, 'hex'));
    const d = codec.decode(bytes);
    if (!d.ok) {
      process.stdout.write(`${k} na decode failed: ${d.error.code}\n`);
      continue;
    }
    const doc = d.value;
    const e = codec.encode(doc as never);
    const same = e.ok && toHex(e.value) === toHex(bytes);
    let sink = 0;
    const dec = timeTs(() => {
      if (codec.decode(bytes).ok) sink++;
    }, ms);
    const enc = timeTs(() => {
      const r = codec.encode(doc as never);
      if (r.ok) sink += r.value.length;
    }, ms);
    if (sink === 0) process.stdout.write(`${k} na failed while timing\n`);
    else process.stdout.write(`${k} ${dec.ns} ${dec.cpuNs} ${enc.ns} ${enc.cpuNs} ${same ? 1 : 0}\n`);
  }
}

if (process.argv[2] === '--lite-child' && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) liteChild(process.argv.slice(3));
