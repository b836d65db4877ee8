// Child processes for tests without blocking the vitest worker: a spawnSync of the CLI takes
// seconds on a loaded machine, and a worker whose event loop is blocked that long ends the run
// with "Timeout calling onTaskUpdate" although every test passed.
import { spawn } from 'node:child_process';
import { CLI } from './cli.js';

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${opts.timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 300_000);
    child.on('error', (e) => (stderr += String(e)));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The tsplc CLI as the tests run it: the bundle of this checkout's sources (test/helpers/cli.ts). */
export const runTsplc = (args: readonly string[], opts: Parameters<typeof run>[2] = {}): Promise<RunResult> => run(process.execPath, [CLI, ...args], opts);
