import { describe, it, expect } from 'vitest';
import { cpEnergyStep } from '../../src/domain/safety/index.js';
import type { CpState } from '../../src/ports/hardware.js';

/** Runs the rule over a sequence of CP states; returns the states at which the output is switched off. */
function switchOffs(states: CpState[]): CpState[] {
  let energy = false;
  const off: CpState[] = [];
  for (const s of states) {
    const step = cpEnergyStep(energy, s);
    if (step.switchOutputOff) off.push(s);
    energy = step.energy;
  }
  return off;
}

describe('output off when the car leaves CP state C/D (IEC 61851-1)', () => {
  it('switches off when the car goes from C back to B (its protection opened S2)', () => {
    expect(switchOffs(['A', 'B', 'C', 'B'])).toEqual(['B']);
  });

  it('switches off on C → A (cable pulled), D → E (short) and D → F (EVSE fault seen)', () => {
    expect(switchOffs(['B', 'C', 'A'])).toEqual(['A']);
    expect(switchOffs(['B', 'D', 'E'])).toEqual(['E']);
    expect(switchOffs(['B', 'D', 'F'])).toEqual(['F']);
  });

  it('keeps the output while the car stays in C/D, also across C ↔ D', () => {
    expect(switchOffs(['B', 'C', 'D', 'C', 'C'])).toEqual([]);
  });

  it('does nothing before the car ever asked for energy (A → B → A) and only once per leave', () => {
    expect(switchOffs(['A', 'B', 'A', 'B'])).toEqual([]);
    expect(switchOffs(['C', 'B', 'B', 'A', 'C', 'B'])).toEqual(['B', 'B']);
  });
});
