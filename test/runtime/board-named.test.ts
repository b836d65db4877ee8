// `tsplc pev|evse` refuse to start on the default board: the default is `sim`, and simulated
// hardware on a real modem would "charge" with nothing switched (issue 10: no silent sim).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boardNotNamedMessage, loadConfig } from '../../src/runtime/config-file.js';
import { runTsplc } from '../helpers/run.js';

describe('the board must be named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplc-board-'));

  it('loadConfig says whether the board was named: defaults no; file, --set or --board yes', () => {
    const named = (args: Parameters<typeof loadConfig>[0]): boolean => {
      const r = loadConfig(args, {});
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value.boardNamed;
    };
    const withBoard = join(dir, 'with.toml');
    writeFileSync(withBoard, '[general]\nboard = "none"\n');
    const without = join(dir, 'without.toml');
    writeFileSync(without, '[general]\ninterface = "eth1"\n');
    expect(named({})).toBe(false);
    expect(named({ config: without })).toBe(false);
    expect(named({ config: withBoard })).toBe(true);
    expect(named({ board: 'sim' })).toBe(true);
    expect(named({ set: ['general.board=raspberry-pi'] })).toBe(true);
  });

  it.each(['pev', 'evse'])('tsplc %s -i lo without a board: exit 2 with the reason, before opening anything', async (role) => {
    const r = await runTsplc([role, '-i', 'lo'], { env: { ...process.env, TSPLC_CONFIG: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`tsplc ${role}: ${boardNotNamedMessage}`);
  });
});
