// Builds the reference C codecs (../shared/reference-codecs: OpenV2Gx, libcbv2g) and the
// timing drivers of test/bench/c into .bench-build/ (git-ignored), for `npm run bench -- exi`.
// Everything is compiled with -O2. Rebuilds only what is missing or older than its sources,
// so a second run starts at once. Needs Debian's build-essential, cmake and ninja-build.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sharedDir } from '../shared.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const BUILD_DIR = resolve(here, '../../.bench-build');
const DRIVERS = join(here, 'c');
const CFLAGS = ['-O2', '-DNDEBUG'];

export interface ReferenceDrivers {
  /** Path of the OpenV2Gx timing driver. */
  openv2g: string;
  /** Path of the libcbv2g timing driver. */
  cbv2g: string;
}

function mtime(p: string): number {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

/** True when `out` exists and is newer than every input. */
function fresh(out: string, inputs: string[]): boolean {
  const t = mtime(out);
  return t >= 0 && inputs.every((i) => mtime(i) <= t);
}

async function tool(cmd: string, args: string[]): Promise<void> {
  try {
    await run(cmd, args, { maxBuffer: 1 << 26 });
  } catch (e) {
    const x = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.slice(0, 4).join(' ')} …: ${(x.stderr ?? x.message).slice(-2000)}`);
  }
}

/** Runs jobs two at a time (the bench machine has two cores). */
async function parallel(jobs: (() => Promise<void>)[], width = 2): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) await (jobs[next++] as () => Promise<void>)();
    }),
  );
}

/**
 * Builds what is missing; returns the driver paths, or a reason string when the sources
 * or the tools are absent (the bench reports it as skipped).
 */
export async function buildReferenceDrivers(log: (line: string) => void = () => {}): Promise<ReferenceDrivers | string> {
  const refs = join(sharedDir, 'reference-codecs');
  if (!existsSync(join(refs, 'libcbv2g')) || !existsSync(join(refs, 'OpenV2Gx'))) return `no reference codecs in ${refs}`;
  for (const t of ['gcc', 'cmake', 'ninja']) {
    try {
      await run(t, ['--version']);
    } catch {
      return `${t} not installed (Debian: build-essential cmake ninja-build; see .ci/install-deps)`;
    }
  }
  mkdirSync(BUILD_DIR, { recursive: true });
  const common = join(DRIVERS, 'bench-common.h');

  // libcbv2g through its own CMake project (Release, but -O2 like everything else here).
  const cb = join(BUILD_DIR, 'libcbv2g');
  if (!existsSync(join(cb, 'build.ninja'))) {
    log('configuring libcbv2g');
    await tool('cmake', [
      '-S', join(refs, 'libcbv2g'), '-B', cb, '-G', 'Ninja',
      '-DCMAKE_BUILD_TYPE=Release', `-DCMAKE_C_FLAGS_RELEASE=${CFLAGS.join(' ')}`,
      `-Deverest-cmake_DIR=${join(refs, 'everest-cmake')}`,
    ]);
  }
  log('building libcbv2g');
  await tool('ninja', ['-C', cb, 'cbv2g_exi_codec', 'cbv2g_din', 'cbv2g_iso2', 'cbv2g_iso20']);
  const libDir = join(cb, 'lib', 'cbv2g');
  const libs = ['libcbv2g_iso20.a', 'libcbv2g_iso2.a', 'libcbv2g_din.a', 'libcbv2g_exi_codec.a'].map((l) => join(libDir, l));
  const cbv2g = join(BUILD_DIR, 'cbv2g-bench');
  const cbSrc = join(DRIVERS, 'cbv2g-bench.c');
  if (!fresh(cbv2g, [cbSrc, common, ...libs])) {
    log('linking cbv2g-bench');
    await tool('gcc', [...CFLAGS, '-o', cbv2g, cbSrc, `-I${join(refs, 'libcbv2g', 'include')}`, ...libs]);
  }

  // OpenV2Gx: its makefile builds with -Os, so compile the codec folders directly.
  const ov = join(refs, 'OpenV2Gx', 'src');
  const folders = ['codec', 'din', 'iso1', 'appHandshake', 'xmldsig'].map((f) => join(ov, f));
  const includes = folders.map((f) => `-I${f}`);
  const objDir = join(BUILD_DIR, 'openv2gx');
  mkdirSync(objDir, { recursive: true });
  const objects: string[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (const folder of folders) {
    for (const f of readdirSync(folder).filter((n) => n.endsWith('.c')).sort()) {
      const src = join(folder, f);
      const obj = join(objDir, `${folder.split('/').pop()}-${f.replace(/\.c$/, '.o')}`);
      objects.push(obj);
      if (!fresh(obj, [src])) jobs.push(() => tool('gcc', [...CFLAGS, '-w', '-c', '-o', obj, src, ...includes]));
    }
  }
  if (jobs.length) log(`compiling ${jobs.length} OpenV2Gx sources`);
  await parallel(jobs);
  const openv2g = join(BUILD_DIR, 'openv2g-bench');
  const ovSrc = join(DRIVERS, 'openv2g-bench.c');
  if (!fresh(openv2g, [ovSrc, common, ...objects])) {
    log('linking openv2g-bench');
    await tool('gcc', [...CFLAGS, '-o', openv2g, ovSrc, ...includes, ...objects]);
  }
  return { openv2g, cbv2g };
}

export interface DriverFigure {
  decodeNs: number;
  decodeCpuNs: number;
  encodeNs: number;
  encodeCpuNs: number;
  /** The C codec re-encoded the input byte for byte. */
  sameBytes: boolean;
}

/** One round of a driver over the messages: a figure per message, or the driver's reason. */
export async function runDriver(path: string, msPerOp: number, messages: { schema: string; hex: string }[]): Promise<(DriverFigure | string)[]> {
  const args = [String(msPerOp), ...messages.flatMap((m) => [m.schema, m.hex])];
  const { stdout } = await run(path, args, { maxBuffer: 1 << 20 });
  const out: (DriverFigure | string)[] = messages.map(() => 'no output');
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(' ');
    const i = Number(f[0]);
    if (!line.trim() || !Number.isInteger(i) || i < 0 || i >= out.length) continue;
    if (f[1] === 'na') out[i] = f.slice(2).join(' ');
    else {
      const [d, dc, e, ec, same] = f.slice(1).map(Number) as [number, number, number, number, number];
      out[i] = d < 0 || e < 0 ? 'failed while timing' : { decodeNs: d, decodeCpuNs: dc, encodeNs: e, encodeCpuNs: ec, sameBytes: same === 1 };
    }
  }
  return out;
}
