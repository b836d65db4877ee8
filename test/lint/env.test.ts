// test/env.ts: an environment skip is a skip on a desk and a failure under TSPLC_NO_SKIP=1 (CI).
import { afterEach, describe, expect, it, vi } from 'vitest';

async function freshEnv(noSkip: string | undefined): Promise<typeof import('../env.js')> {
  vi.resetModules();
  if (noSkip === undefined) vi.stubEnv('TSPLC_NO_SKIP', '');
  else vi.stubEnv('TSPLC_NO_SKIP', noSkip);
  return import('../env.js');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('requireEnv', () => {
  it('what is there is simply there', async () => {
    const env = await freshEnv(undefined);
    expect(env.requireEnv('a tool', true, 'never printed')).toBe(true);
  });

  it('on a desk, a missing tool is a skip with a message naming it', async () => {
    const env = await freshEnv(undefined);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(env.requireEnv('tshark', false, 'apt-get install tshark')).toBe(false);
    expect(log).toHaveBeenCalledWith('skipped (needs tshark): apt-get install tshark');
  });

  it('with TSPLC_NO_SKIP=1 (.ci/run), a missing tool is an error naming it', async () => {
    const env = await freshEnv('1');
    expect(env.noSkip).toBe(true);
    expect(() => env.requireEnv('tshark', false, 'apt-get install tshark')).toThrow('TSPLC_NO_SKIP=1: this test needs tshark, which is missing: apt-get install tshark');
  });

  it('hasTool finds sh and not a made-up name', async () => {
    const env = await freshEnv(undefined);
    expect(env.hasTool('sh')).toBe(true);
    expect(env.hasTool('tsplc-no-such-tool-xyz')).toBe(false);
  });
});

describe('.ci/run', () => {
  it("runs exactly README's test command, after TSPLC_NO_SKIP=1, prints its wall time, and requires ../shared", async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync('README.md', 'utf8');
    const block = /Run the tests[^`]*```sh\n([^`]+)```/.exec(readme);
    expect(block, 'README has a "Run the tests" sh block').not.toBeNull();
    const command = block![1]!.trim();
    const ci = readFileSync('.ci/run', 'utf8').split('\n').map((l) => l.trim());
    const at = ci.indexOf(command);
    expect(at, `.ci/run runs "${command}"`).toBeGreaterThan(0);
    expect(ci.slice(0, at)).toContain('export TSPLC_NO_SKIP=1');
    // The suite's wall time is printed right after it, pass or fail (set -e is off around it).
    expect(ci.slice(at - 1, at + 4)).toEqual(['set +e', command, 'rc=$?', 'set -e', expect.stringMatching(/^echo "suite wall time: .*exit \$rc/)]);
    expect(ci[at + 4]).toBe('if [ "$rc" -ne 0 ]; then exit "$rc"; fi');
    expect(ci.join('\n')).toMatch(/\$shared\/\$d" \]; then echo .*needs \.\.\/shared/);
  });
});
