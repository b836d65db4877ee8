// The CHAdeMO progress line's phase (src/runtime/sim-chademo.ts chademoPhase): read from the state value's
// sequence region and matches(), not by searching the JSON of the state value.
import { describe, expect, it } from 'vitest';
import type { StateValue } from 'xstate';
import { chademoPhase } from '../../src/runtime/sim-chademo.js';

const snap = (value: StateValue, status = 'active') => ({
  status,
  value,
  matches: (v: 'idle' | 'active') => (typeof value === 'string' ? value === v : v in value),
});

describe('chademoPhase', () => {
  it('idle and done', () => {
    expect(chademoPhase(snap('idle'))).toBe('idle');
    expect(chademoPhase(snap({ active: { cycle: 'off', watchdog: 'off', sequence: 'done' } }, 'done'))).toBe('done');
  });

  it('the innermost state of the sequence region, not of the cycle or watchdog regions beside it', () => {
    expect(chademoPhase(snap({ active: { cycle: 'tick', watchdog: 'armed', sequence: { running: { preparing: 'lock' } } } }))).toBe('lock');
    expect(chademoPhase(snap({ active: { sequence: { running: 'd2' }, cycle: 'tick', watchdog: 'waiting' } }))).toBe('d2');
    expect(chademoPhase(snap({ active: { cycle: 'tick', watchdog: 'armed', sequence: { stopping: 'awaitContactorsOpen' } } }))).toBe('awaitContactorsOpen');
  });
});
