// What users run: the package as `npm pack` makes it, installed into a temporary
// prefix with production dependencies only, then its `tsplc` command as a user
// (and systemd) would run it — --version, sim, sim --netns, decode, and the exact
// ExecStart lines `tsplc install-service --dry-run` writes, running a session.
// The package is built from the current sources into a staging folder (not the
// worktree's dist/, which other test files read while this one runs), with
// `tsc --noCheck`: emit only, since `npm run lint` type-checks the same sources and
// a second check here costs a minute of CPU on a loaded machine. The cases are
// independent (each runs its own process, the netns ones in their own namespaces),
// so they run concurrently: the file's wall time is its longest case, not the sum.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { capturesDir } from '../shared.js';
import { needCaptures, requireEnv } from '../env.js';
import { netnsAvailable, netnsUnavailableReason } from '../../src/runtime/netns.js';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; files: string[] };
const work = mkdtempSync(join(tmpdir(), 'tsplc-pkg-'));
const prefix = join(work, 'prefix');
const installed = join(prefix, 'node_modules', 'tsplc');
const tsplc = join(prefix, 'node_modules', '.bin', 'tsplc');

/** Runs a command without blocking this worker's event loop (npm install takes minutes: a spawnSync would starve vitest's RPC). */
function sh(cmd: string, args: readonly string[], opts: { cwd?: string; timeout?: number; env?: Record<string, string> } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? work, env: { ...process.env, TSPLC_CONFIG: '', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => {
      err += `\n(killed after ${opts.timeout ?? 600_000} ms)`;
      child.kill('SIGTERM');
    }, opts.timeout ?? 600_000);
    child.on('error', (e) => (err += String(e)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, out, err });
    });
  });
}

beforeAll(async () => {
  // Stage: package.json + what "files" ships, with dist built from the current sources.
  const stage = join(work, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'README.md', 'systemd', 'docs', 'native/binding.gyp', 'native/src', 'native/index.cjs', 'native/index.d.cts']) cpSync(join(root, f), join(stage, f), { recursive: true });
  const tsc = await sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', join(stage, 'dist')], { cwd: root });
  if (tsc.code !== 0) throw new Error(`tsc: ${tsc.out}${tsc.err}`);
  // As `npm run build:ts`: the CLI bundle over tsc's output (scripts/bundle.js).
  const bundle = await sh(process.execPath, [join(root, 'scripts', 'bundle.js'), join(stage, 'dist')], { cwd: root });
  if (bundle.code !== 0) throw new Error(`bundle: ${bundle.out}${bundle.err}`);
  const pack = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: stage });
  if (pack.code !== 0) throw new Error(`npm pack: ${pack.err}`);
  const tarball = join(work, (JSON.parse(pack.out) as { filename: string }[])[0]!.filename);
  // Production dependencies only; the addon builds from its sources on install (node-gyp),
  // which npm ≥ 11 runs for a dependency only when the installing project allows it by name
  // (a global install says --allow-scripts=tsplc instead).
  mkdirSync(prefix);
  writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'tsplc-package-test', private: true, allowScripts: { tsplc: true } }));
  const install = await sh('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefix', prefix, tarball]);
  if (install.code !== 0) throw new Error(`npm install: ${install.out}${install.err}`);
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.concurrent('the installed package', () => {
  it('ships only what runs: dist, the addon (built on install), systemd, docs — no sources, no tsx, no generator', ({ expect }) => {
    expect(existsSync(join(installed, 'dist', 'src', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(installed, 'native', 'build', 'Release', 'tsplc_native.node'))).toBe(true);
    expect(existsSync(join(installed, 'systemd', 'tsplc.service'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'test'))).toBe(false);
    expect(existsSync(join(installed, 'dist', 'src', 'codecs', 'exi', 'gen'))).toBe(false);
    expect(existsSync(join(prefix, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(prefix, 'node_modules', 'vitest'))).toBe(false);
    const ts = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ts$/.test(f) && !/\.d\.c?ts$/.test(f));
    expect(ts(join(installed, 'dist'))).toEqual([]);
  });

  it('tsplc --version prints the package version', async ({ expect }) => {
    const r = await sh(tsplc, ['--version']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`^tsplc ${pkg.version.replace(/\./g, '\\.')} `));
  });

  it('the self-test and field commands run from the package: hw-test --board sim --auto passes; relay and modem print their usage', async ({ expect }) => {
    // An empty process directory: other tsplc sessions of the test run must not make hw-test refuse.
    const proc = join(work, 'proc');
    mkdirSync(proc, { recursive: true });
    const hw = await sh(tsplc, ['hw-test', '--board', 'sim', '--auto', '--settle-ms', '1000', '--read-ms', '200'], { env: { TSPLC_PROC_DIR: proc }, timeout: 120_000 });
    expect(hw.code, hw.err).toBe(0);
    expect(hw.out).toMatch(/contactors +PASS/);
    for (const cmd of ['relay', 'modem']) {
      const r = await sh(tsplc, [cmd, '--help']);
      expect(r.code, `${cmd}: ${r.err}`).toBe(0);
      expect(r.out + r.err).toContain(`tsplc ${cmd}`);
    }
  });

  it('tsplc sim runs a whole simulated session to SessionStop', { timeout: 300_000 }, async ({ expect }) => {
    const r = await sh(tsplc, ['sim', '--protocol', 'din', '--soc-target', '25'], { timeout: 300_000 });
    expect(r.code, r.err.slice(-2000)).toBe(0);
    expect(r.out).toMatch(/EVSE: SessionStopped \(SessionStop\)/);
  });

  it.skipIf(!needCaptures())('tsplc decode decodes a real capture', async ({ expect }) => {
    const file = join(capturesDir, readdirSync(capturesDir).filter((f) => f.endsWith('.pcapng')).sort()[0]!);
    const r = await sh(tsplc, ['decode', file, '--json']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines.slice(0, 20)) expect(() => JSON.parse(l)).not.toThrow();
  });
});

const netns = requireEnv('root + network namespaces', netnsAvailable(), netnsUnavailableReason());

describe.skipIf(!netns).concurrent('the installed package across network namespaces (root)', () => {
  it('tsplc sim --netns: both roles from the package (modem-sim, evse, pev) reach SessionStop', { timeout: 300_000 }, async ({ expect }) => {
    // One percent of SOC: a netns session runs in real time.
    const r = await sh(tsplc, ['sim', '--netns', '--protocol', 'din', '--soc-target', '21', '--json'], { timeout: 300_000 });
    expect(r.err).not.toContain('modem-sim did not get ready');
    expect(r.code, r.err.slice(-3000)).toBe(0);
  });

  it('the exact ExecStart lines install-service writes for pev and evse run a session', async ({ expect }) => {
    const execStart = async (role: 'pev' | 'evse', config: string): Promise<string[]> => {
      const r = await sh(tsplc, ['install-service', '--dry-run', '--role', role, '--board', 'sim', '--config', config]);
      expect(r.code, r.err).toBe(0);
      const line = r.out.split('\n').find((l) => l.startsWith('ExecStart='));
      expect(line).toBeDefined();
      console.log(line);
      // The installed entry point, run by node: no tsx, no source file.
      expect(line).toBe(`ExecStart=${process.execPath} ${join(installed, 'dist', 'src', 'cli', 'main.js')} ${role} --board sim --config ${config}`);
      return line!.slice('ExecStart='.length).split(' ');
    };
    const config = (name: string): string => join(work, `${name}.toml`);
    const lines = { ev: await execStart('pev', config('pev')), evse: await execStart('evse', config('evse')) };
    // The configs the unit points at: the namespace's interface, and one session per process.
    const { netnsSimSession } = (await import(join(installed, 'dist', 'src', 'runtime', 'sim-netns.js'))) as typeof import('../../src/runtime/sim-netns.js');
    const out: Record<string, string[]> = { ev: [], evse: [], modem: [] };
    const r = await netnsSimSession({
      // A tsx (or node) start of modem-sim takes tens of seconds on a loaded 2-core machine.
      modemReadyTimeoutMs: 120_000,
      protocol: 'din',
      mode: 'dc',
      faults: 'none',
      restartMs: 300,
      level: 'info',
      json: false,
      timeoutMs: 240_000,
      roleCommand: (role, ifname) => {
        // Real time: a 1 kWh pack and a 2 % charge keep the session short; the CurrentDemandRes
        // deadline is relaxed from 250 ms as in test/stack/netns-suite.ts (loaded machine).
        writeFileSync(
          config(role === 'ev' ? 'pev' : 'evse'),
          `[general]\ninterface = "${ifname}"\nexit_on_session_end = true\n\n[modem]\nrestart_pause = 500\n\n[v2g]\nsoc_target = 22\nV2G_EVCC_Msg_Timeout_CurrentDemand = 2000\n\n[ev]\nbattery_capacity_wh = 1000\n`,
        );
        return lines[role];
      },
      onLine: (role, line) => void out[role]!.push(line),
    });
    const tail = (k: string): string => out[k]!.slice(-30).join('\n');
    expect(r.evExit, tail('ev')).toBe(0);
    expect(r.evseExit, tail('evse')).toBe(0);
    expect(out.ev!.some((l) => /SessionStop/.test(l)), tail('ev')).toBe(true);
  }, 300_000);
});
