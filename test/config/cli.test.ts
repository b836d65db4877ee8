import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTsplc } from '../helpers/run.js';

const tsplc = async (...args: string[]) => {
  const r = await runTsplc(['config', ...args], { env: { ...process.env, TSPLC_CONFIG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('tsplc config (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplc-cli-'));

  it('check: exit 1 with one line per error naming key and range; exit 0 when valid', async () => {
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, '[general]\nmode = "car"\n[safety]\nsafe_voltage = 120\n');
    const r = await tsplc('check', bad);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([
      `tsplc: config: ${bad}: general.mode: "car" is not allowed: expected one of pev, evse, listen`,
      `tsplc: config: ${bad}: safety.safe_voltage: 120 is out of range: expected a number 10–60 V`,
    ]);
    const good = join(dir, 'good.toml');
    writeFileSync(good, '[general]\nmode = "evse"\n');
    const ok = await tsplc('check', good);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('OK (mode evse');
  });

  it('import + show: a pyPlc.ini becomes a file that check accepts and show reflects', async () => {
    const ini = join(dir, 'pyPlc.ini');
    writeFileSync(ini, '[general]\nmode = EvseMode\neth_interface = eth7\nallow_new_session_after_stopping = False\n');
    const out = join(dir, 'imported.toml');
    const imp = await tsplc('import', ini, '-o', out);
    expect(imp.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('# tsplc configuration imported from');
    const show = await tsplc('show', '--config', out, '--set', 'logging.level=warn');
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/\[general\]\nmode = "evse"\ninterface = "eth7"/);
    expect(show.out).toContain('allow_new_session_after_stopping = false');
    expect(show.out).toContain('level = "warn"');
    expect((await tsplc('import', ini, '-o', out)).code).toBe(1); // no overwrite without --force
  });

  it('usage errors exit 2 without a stack trace', async () => {
    const r = await tsplc('show', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('    at ');
  });
});
