// `tsplc decode` end to end (in process): text and JSON lines, errors as lines, exit codes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/commands/decode.js';
import { writePcap } from '../../src/codecs/capture/index.js';
import { encodeMme } from '../../src/codecs/homeplug/index.js';
import { oneOfEach } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'tsplc-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function capture(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  const code = await run(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

const msgs = oneOfEach();
const good = encodeMme(msgs[0]!);
const badMmv = good.slice();
badMmv[14] = 9;
const notHomePlug = good.slice();
notHomePlug[12] = 0x08;
notHomePlug[13] = 0x00;
const file = join(dir, 'mixed.pcap');
writeFileSync(
  file,
  writePcap([
    { timestamp: 1000, data: good },
    { timestamp: 1250, data: notHomePlug },
    { timestamp: 1500, data: badMmv },
    ...msgs.slice(1).map((m, i) => ({ timestamp: 2000 + i, data: encodeMme(m) })),
  ]),
);

describe('tsplc decode', () => {
  it('prints one line per HomePlug frame: time, frame, src → dst, name, key fields', async () => {
    const { code, stdout } = await capture([file]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBe(msgs.length + 1); // every message + the bad one; the IPv4 frame is not HomePlug
    expect(lines[0]).toMatch(/^\s*0\.000 #1\s+00:e0:4c:68:00:1d → ff:ff:ff:ff:ff:ff\s+CM_SLAC_PARM\.REQ\s+app=0 sec=0 runId=7aa77bee973fe92b$/);
    expect(lines[1]).toMatch(/#3\s+.*ERROR \[homeplug\] BAD_MMV at offset 14/);
    expect(stdout).toContain('CM_SLAC_MATCH.CNF');
    expect(stdout).toContain('version="MAC-QCA7000-1.1.0.730-04-20140815-CS"');
  });

  it('--json gives one parseable object per line with fields or error', async () => {
    const { code, stdout } = await capture([file, '--json']);
    expect(code).toBe(0);
    const objs = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs[0]).toMatchObject({ frame: 1, layer: 'homeplug', name: 'CM_SLAC_PARM.REQ', fields: { runId: '7aa77bee973fe92b' } });
    expect(objs[1]).toMatchObject({ frame: 3, name: 'error', error: { code: 'BAD_MMV', offset: 14 } });
    expect(objs[1]!.relative).toBe(0.5);
  });

  it('a corrupt capture prints what it could, an error line, and exits 1', async () => {
    const cut = join(dir, 'cut.pcap');
    const whole = writePcap(msgs.map((m, i) => ({ timestamp: i, data: encodeMme(m) })));
    writeFileSync(cut, whole.subarray(0, whole.length - 7));
    const { code, stdout } = await capture([cut]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ERROR \[capture\] TRUNCATED/);
    expect(stdout.trim().split('\n').length).toBe(msgs.length);
  });

  it('usage errors exit 2, unreadable files exit 1', async () => {
    expect((await capture([])).code).toBe(2);
    expect((await capture(['--bogus', file])).code).toBe(2);
    const missing = await capture([join(dir, 'absent.pcap')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
  });
});
