import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderUnit, timeoutStopSec } from '../../src/cli/commands/install-service.js';
import { defaultConfig, buildConfig } from '../../src/config/index.js';
import { safeShutdownBudgetMs } from '../../machines/safe-shutdown/machine.js';
import { requireEnv } from '../env.js';

const install = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'install-service', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const hasSystemctl = spawnSync('systemctl', ['--version']).status === 0;

function fakeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'tsplc-root-'));
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\ndialout:x:20:\n');
  return root;
}

describe('systemd unit', () => {
  it('gives TimeoutStopSec more than the safe-shutdown budget, from the config', () => {
    expect(safeShutdownBudgetMs()).toBe(15_000);
    expect(timeoutStopSec(defaultConfig())).toBe(30);
    // A longer shutdown needs a longer hang detector too (config cross-key rule).
    const slow = buildConfig([{ raw: { safety: { safe_voltage_deadline: 60_000 }, connection: { safe_shutdown_timeout: 70_000 } }, source: 't' }]);
    if (!slow.ok) throw new Error(`config: ${JSON.stringify(slow.error)}`);
    expect(timeoutStopSec(slow.value)).toBe(80);
  });

  it('renders every field of the template', () => {
    const unit = renderUnit(readFileSync('systemd/tsplc.service', 'utf8'), {
      tsplc: '/usr/local/bin/tsplc',
      role: 'evse',
      config: '/etc/tsplc/tsplc.toml',
      user: 'tsplc',
      groups: ['dialout'],
      timeoutStopSec: 30,
    });
    expect(unit).not.toMatch(/@[A-Z_]+@/);
    for (const line of [
      'Type=notify',
      'ExecStart=/usr/local/bin/tsplc evse --config /etc/tsplc/tsplc.toml',
      'Restart=on-failure',
      'TimeoutStopSec=30',
      'User=tsplc',
      'AmbientCapabilities=CAP_NET_RAW',
      'SupplementaryGroups=dialout',
    ])
      expect(unit.split('\n')).toContain(line);
    expect(unit).toMatch(/^WatchdogSec=\d+$/m);
    expect(unit).not.toMatch(/^User=root$/m);
  });
});

describe('tsplc install-service', () => {
  it('--dry-run prints the steps and the unit and changes nothing', () => {
    const root = fakeRoot();
    const r = install('--dry-run', '--root', root, '--user', 'tsplc', '--bin', '/usr/local/bin/tsplc', '--role', 'evse');
    expect(r.code).toBe(0);
    expect(r.out).toContain('would: skip creating user tsplc');
    expect(r.out).toContain(`would: write default config ${root}/etc/tsplc/tsplc.toml (mode evse)`);
    expect(r.out).toContain(`would: write unit ${root}/etc/systemd/system/tsplc.service (TimeoutStopSec=30)`);
    expect(r.out).toContain('ExecStart=/usr/local/bin/tsplc evse --config /etc/tsplc/tsplc.toml');
    expect(existsSync(join(root, 'etc', 'systemd'))).toBe(false);
    expect(existsSync(join(root, 'etc', 'tsplc'))).toBe(false);
  });

  it.skipIf(!requireEnv('systemctl (apt-get install systemd)', hasSystemctl, 'systemctl not found'))('installs into a root directory: config, unit, enable symlink', () => {
    const root = fakeRoot();
    const r = install('--root', root, '--bin', '/usr/local/bin/tsplc');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const unit = readFileSync(join(root, 'etc/systemd/system/tsplc.service'), 'utf8');
    expect(unit).toContain('ExecStart=/usr/local/bin/tsplc pev --config /etc/tsplc/tsplc.toml');
    expect(readFileSync(join(root, 'etc/tsplc/tsplc.toml'), 'utf8')).toContain('[safety]');
    expect(readdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'))).toEqual(['tsplc.service']);
  });

  it('refuses an invalid existing config, naming the key', () => {
    const root = fakeRoot();
    mkdirSync(join(root, 'etc/tsplc'), { recursive: true });
    writeFileSync(join(root, 'etc/tsplc/tsplc.toml'), '[safety]\ncurrent_drop_deadline = -1\n');
    const r = install('--dry-run', '--root', root);
    expect(r.code).toBe(1);
    expect(r.err).toContain('safety.current_drop_deadline: -1 is out of range');
  });
});
