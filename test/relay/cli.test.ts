// `tsplc relay` on the command line: help, and the usage errors that stop it before any interface is opened.
import { describe, expect, it } from 'vitest';
import { runTsplc } from '../helpers/run.js';

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
