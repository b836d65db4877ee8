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
    expect(selected()).toEqual(['analysis', 'chademo', 'display', 'ethernet', 'exi', 'homeplug', 'relay', 'session', 'slac']);
  });
});
