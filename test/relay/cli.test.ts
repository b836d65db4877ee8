// `tsplc relay` on the command line: help, the usage errors that stop it before any interface is
// opened, and the relay board's typed refusal where the kernel has no PWM.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { requireEnv } from '../env.js';
import { netnsAvailable, netnsUnavailableReason } from '../helpers/netns.js';
import { run, runTsplc } from '../helpers/run.js';
import { CLI } from '../helpers/cli.js';

describe('tsplc relay (command line)', () => {
  it('--help prints the usage with both interfaces and the rules; exit 0', async () => {
    const r = await runTsplc(['relay', '--help'], { timeoutMs: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--car-if <if>');
    expect(r.stdout).toContain('--charger-if <if>');
    expect(r.stdout).toContain('cap-current=<A>');
  }, 70_000);

  it('refuses a missing interface, one interface for both legs, and a bad rule with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['relay', '--car-if', 'eth1'], /--car-if and --charger-if are both needed/],
      [['relay', '--car-if', 'eth1', '--charger-if', 'eth1'], /two interfaces/],
      [['relay', '--car-if', 'eth1', '--charger-if', 'eth2', '--rule', 'slow=5'], /unknown rule 'slow'/],
    ];
    const results = await Promise.all(cases.map(([args]) => runTsplc(args, { timeoutMs: 60_000 })));
    results.forEach((r, i) => {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  }, 70_000);
});

describe.skipIf(!requireEnv('root + network namespaces', netnsAvailable(), netnsUnavailableReason()))('tsplc relay --board raspberry-pi-relay on this machine', () => {
  const ns = `tsplc-relaybrd-${process.pid}`;
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it('two interfaces open, then the board refuses to start: the kernel has no PWM class (typed error naming it), exit 2', async () => {
    for (const args of [
      ['netns', 'add', ns],
      ['-n', ns, 'link', 'add', 'rcar', 'type', 'veth', 'peer', 'name', 'rchg'],
      ['-n', ns, 'link', 'set', 'rcar', 'up'],
      ['-n', ns, 'link', 'set', 'rchg', 'up'],
    ]) {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      expect(r.status, `ip ${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const r = await run('ip', ['netns', 'exec', ns, process.execPath, CLI, 'relay', '--car-if', 'rcar', '--charger-if', 'rchg', '--board', 'raspberry-pi-relay'], { timeoutMs: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    // /sys/class/pwm is absent here (a kernel with the class but no pwmchip0 names the chip instead).
    expect(r.stderr).toMatch(existsSync('/sys/class/pwm') ? /board: car-side CP PWM PWM_CHIP_MISSING/ : /board: car-side CP PWM PWM_UNAVAILABLE: \/sys\/class\/pwm does not exist/);
  }, 70_000);
});
