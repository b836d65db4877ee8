import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultBin, execArgs, renderUnit, timeoutStopSec } from '../../src/cli/commands/install-service.js';
import { defaultConfig, buildConfig } from '../../src/config/index.js';
import { safeShutdownBudgetMs } from '../../machines/safe-shutdown/machine.js';
import { hasTool, requireEnv } from '../env.js';
import { runTsplc } from '../helpers/run.js';
import { CLI } from '../helpers/cli.js';

const install = async (...args: string[]) => {
  const r = await runTsplc(['install-service', ...args]);
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
  it('gives TimeoutStopSec more than the safe-shutdown budget, from the config', async () => {
    expect(safeShutdownBudgetMs()).toBe(15_000);
    expect(timeoutStopSec(defaultConfig())).toBe(30);
    // A longer shutdown needs a longer hang detector too (config cross-key rule).
    const slow = buildConfig([{ raw: { safety: { safe_voltage_deadline: 60_000 }, connection: { safe_shutdown_timeout: 70_000 } }, source: 't' }]);
    if (!slow.ok) throw new Error(`config: ${JSON.stringify(slow.error)}`);
    expect(timeoutStopSec(slow.value)).toBe(80);
  });

  const template = readFileSync('systemd/tsplc.service', 'utf8');
  const values = { tsplc: '/usr/bin/node /opt/tsplc/dist/src/cli/main.js', config: '/etc/tsplc/tsplc.toml', user: 'tsplc', groups: ['dialout'], timeoutStopSec: 30 } as const;

  it('renders every field of the template: pev/evse under notify with a watchdog, on the board named at install', async () => {
    for (const role of ['pev', 'evse'] as const) {
      const unit = renderUnit(template, { ...values, role, board: 'raspberry-pi' });
      expect(unit).not.toMatch(/@[A-Z_]+@/);
      for (const line of [
        'Type=notify',
        `ExecStart=/usr/bin/node /opt/tsplc/dist/src/cli/main.js ${role} --board raspberry-pi --config /etc/tsplc/tsplc.toml`,
        'Restart=always',
        'StartLimitIntervalSec=0',
        'WatchdogSec=20',
        'TimeoutStopSec=30',
        'User=tsplc',
        'AmbientCapabilities=CAP_NET_RAW',
        'SupplementaryGroups=dialout',
      ])
        expect(unit.split('\n'), line).toContain(line);
      expect(unit).not.toMatch(/^User=root$/m);
      expect(unit.split('\n').find((l) => l.startsWith('ExecStart='))).not.toMatch(/tsx|\.ts\b/);
    }
  });

  it('listen: the arguments tsplc listen accepts (no --config), Type=exec and no watchdog (it sends no sd_notify)', async () => {
    const unit = renderUnit(template, { ...values, role: 'listen', interface: 'eth1' });
    expect(unit.split('\n')).toContain('ExecStart=/usr/bin/node /opt/tsplc/dist/src/cli/main.js listen --interface eth1 --join');
    expect(unit.split('\n')).toContain('Type=exec');
    expect(unit.split('\n')).toContain('WatchdogSec=0');
  });

  it("the rendered ExecStart arguments are accepted by the role's own parser", async () => {
    // Each role's --help exits 0 only when every option before it parses (parseArgs strict).
    for (const [role, extra] of [
      ['pev', { board: 'sim' }],
      ['evse', { board: 'sim' }],
      ['listen', { interface: 'lo' }],
    ] as const) {
      const args = execArgs({ role, config: '/etc/tsplc/tsplc.toml', ...extra });
      const r = await runTsplc([...args, '--help']);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });
});

describe.skipIf(!requireEnv('systemd-analyze (apt-get install systemd)', hasTool('systemd-analyze'), 'systemd-analyze not found'))('the unit under systemd-analyze', () => {
  const template = readFileSync('systemd/tsplc.service', 'utf8');
  // verify checks that ExecStart's binary exists: the real node and this checkout's entry point.
  const tsplc = `${process.execPath} ${join(process.cwd(), 'dist', 'src', 'cli', 'main.js')}`;
  const write = (role: 'pev' | 'evse' | 'listen'): string => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-unit-'));
    const file = join(dir, 'tsplc.service');
    writeFileSync(file, renderUnit(template, { tsplc, role, board: 'none', interface: 'eth0', config: '/etc/tsplc/tsplc.toml', user: 'tsplc', groups: [], timeoutStopSec: 30 }));
    return file;
  };

  it.each(['pev', 'evse', 'listen'] as const)('%s: systemd-analyze verify finds nothing to complain about', (role) => {
    const r = spawnSync('systemd-analyze', ['verify', write(role)], { encoding: 'utf8' });
    console.log(`systemd-analyze verify (${role}): exit ${r.status}${r.stderr.trim() ? `\n${r.stderr.trim()}` : ''}`);
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n').filter((l) => /tsplc\.service/.test(l))).toEqual([]);
  });

  it.each(['pev', 'evse', 'listen'] as const)('%s: systemd-analyze security rates the exposure "OK" (at most 3.0)', (role) => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', write(role)], { encoding: 'utf8' });
    const m = /Overall exposure level for tsplc\.service: (\d+\.\d+) (\S+)/.exec(r.stdout);
    console.log(`systemd-analyze security (${role}): ${m ? `${m[1]} ${m[2]}` : r.stdout.slice(-300) + r.stderr}`);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(3.0);
    expect(m![2]).toBe('OK');
  });
});

describe('tsplc install-service', () => {
  it('--dry-run prints the steps and the unit and changes nothing', async () => {
    const root = fakeRoot();
    const r = await install('--dry-run', '--root', root, '--user', 'tsplc', '--bin', '/usr/local/bin/tsplc', '--role', 'evse', '--board', 'none');
    expect(r.code).toBe(0);
    expect(r.out).toContain('would: skip creating user tsplc');
    expect(r.out).toContain(`would: write default config ${root}/etc/tsplc/tsplc.toml (mode evse)`);
    expect(r.out).toContain(`would: write unit ${root}/etc/systemd/system/tsplc.service (TimeoutStopSec=30)`);
    expect(r.out).toContain('ExecStart=/usr/local/bin/tsplc evse --board none --config /etc/tsplc/tsplc.toml');
    expect(existsSync(join(root, 'etc', 'systemd'))).toBe(false);
    expect(existsSync(join(root, 'etc', 'tsplc'))).toBe(false);
  });

  it.skipIf(!requireEnv('systemctl (apt-get install systemd)', hasSystemctl, 'systemctl not found'))('installs into a root directory: config, unit, enable symlink', async () => {
    const root = fakeRoot();
    const r = await install('--root', root, '--bin', '/usr/local/bin/tsplc', '--board', 'celeron55');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const unit = readFileSync(join(root, 'etc/systemd/system/tsplc.service'), 'utf8');
    expect(unit).toContain('ExecStart=/usr/local/bin/tsplc pev --board celeron55 --config /etc/tsplc/tsplc.toml');
    expect(readFileSync(join(root, 'etc/tsplc/tsplc.toml'), 'utf8')).toContain('[safety]');
    expect(readdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'))).toEqual(['tsplc.service']);
  });

  it('refuses an invalid existing config, naming the key', async () => {
    const root = fakeRoot();
    mkdirSync(join(root, 'etc/tsplc'), { recursive: true });
    writeFileSync(join(root, 'etc/tsplc/tsplc.toml'), '[safety]\ncurrent_drop_deadline = -1\n');
    const r = await install('--dry-run', '--root', root, '--board', 'none');
    expect(r.code).toBe(1);
    expect(r.err).toContain('safety.current_drop_deadline: -1 is out of range');
  });

  it('refuses to install pev or evse without --board: no silent simulated hardware', async () => {
    for (const role of ['pev', 'evse']) {
      const r = await install('--dry-run', '--root', fakeRoot(), '--role', role, '--bin', '/usr/local/bin/tsplc');
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--board is required for ${role}`);
    }
  });

  it('without --bin, ExecStart is node on the built entry point that ran the command, never tsx', async () => {
    const r = await install('--dry-run', '--root', fakeRoot(), '--board', 'none');
    expect(r.code, r.err).toBe(0);
    const line = r.out.split('\n').find((l) => l.startsWith('ExecStart='));
    expect(line).toBe(`ExecStart=${process.execPath} ${realpathSync(CLI)} pev --board none --config /etc/tsplc/tsplc.toml`);
  });

  it.skipIf(!requireEnv('a built dist/ (npm run build)', existsSync('dist/src/cli/main.js'), 'dist/src/cli/main.js not found'))('from the sources (tsx), the default ExecStart is node on the built dist/src/cli/main.js of the checkout', () => {
    expect(defaultBin()).toBe(`${process.execPath} ${join(process.cwd(), 'dist', 'src', 'cli', 'main.js')}`);
  });
});
