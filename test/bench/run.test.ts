// `npm run bench -- <filter>` selects suites by exact name or file stem (issue 13:
// `npm run bench -- session` also ran the analysis suite, whose name contains "sessions").
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function selected(...filters: string[]): string[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'test/bench/run.ts', '--list', ...filters], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((l) => l.split('\t')[0] as string);
}

describe('bench suite filters', () => {
  it('a file stem selects exactly that suite: session does not also select the analysis suite', () => {
    expect(selected('session')).toEqual(['session']);
    expect(selected('exi')).toEqual(['exi']);
  });

  it('an exact suite name selects its suite; a part of a name selects nothing', () => {
    expect(selected('analysis: capture → V2G events/sessions')).toEqual(['analysis']);
    expect(() => selected('sessions')).toThrow();
  });

  it('without a filter every suite is selected', () => {
    expect(selected()).toEqual(['analysis', 'chademo', 'display', 'ethernet', 'exi', 'footprint', 'homeplug', 'relay', 'session', 'slac']);
  });
});

describe('bench report: goals', () => {
  it('goal is compared with ratio, goal_X with X; rows without a goal are not in the report', async () => {
    const { goalMet } = await import('./harness.js');
    expect(goalMet({ bench: 'a', ratio: 1.4, goal: 1.5 })).toBe('yes');
    expect(goalMet({ bench: 'a', ratio: 1.6, goal: 1.5 })).toBe('no');
    expect(goalMet({ bench: 'b', bytes_per_message: 250, goal_bytes_per_message: 300 })).toBe('yes');
    expect(goalMet({ bench: 'b', bytes_per_message: 350, goal_bytes_per_message: 300 })).toBe('no');
    // A goal whose figure is missing (the measurement was skipped) is not met.
    expect(goalMet({ bench: 'c', goal: 2.5 })).toBe('no');
    expect(goalMet({ bench: 'd', ratio: 1, goal: 2, goal_ms: 10, ms: 11 })).toBe('no');
    expect(goalMet({ bench: 'e', ns_per_op: 5 })).toBeUndefined();
  });
});
