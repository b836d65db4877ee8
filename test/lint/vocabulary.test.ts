// The typed vocabulary (issue 9 §3): checkpoints, the error-message idiom and
// the wire constants are defined once, and the shipped code uses the names.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Checkpoint, checkpointName, isCheckpoint } from '../../src/checkpoints.js';
import { errorMessage } from '../../src/errors.js';
import { sharedDir } from '../shared.js';
import { requireEnv } from '../env.js';

const reference = join(sharedDir, 'reference', 'checkpoints.md');
const haveReference = requireEnv('../shared/reference/checkpoints.md', existsSync(reference), `${reference} missing`);

/** Shipped TypeScript files (tracked), without the generated codecs. */
function shippedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', 'src', 'machines', 'boards', 'drivers'], { encoding: 'utf8' });
  return out.split('\n').filter((f) => f.endsWith('.ts') && !f.includes('/generated/'));
}

/** Code lines of a file (whole-line comments dropped; literals in comments are prose). */
function codeLines(file: string): { line: number; text: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((text, i) => ({ line: i + 1, text }))
    .filter(({ text }) => !/^\s*(\/\/|\*|\/\*)/.test(text));
}

function offenders(pattern: RegExp, allowed: readonly string[]): string[] {
  const found: string[] = [];
  for (const f of shippedFiles()) {
    if (allowed.includes(f)) continue;
    for (const { line, text } of codeLines(f)) if (pattern.test(text)) found.push(`${f}:${line}: ${text.trim()}`);
  }
  return found;
}

describe('checkpoints', () => {
  it.skipIf(!haveReference)('the module names exactly the numbers of the reference table, each once', () => {
    const table = readFileSync(reference, 'utf8');
    const numbers = new Set<number>();
    for (const row of table.split('\n')) {
      const m = /^\| ([\d /]+) \|/.exec(row);
      if (m) for (const n of m[1]!.split('/')) numbers.add(Number(n.trim()));
    }
    const values = Object.values(Checkpoint) as number[];
    expect(new Set(values).size).toBe(values.length);
    expect([...new Set(values)].sort((a, b) => a - b)).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('checkpointName and isCheckpoint map numbers back', () => {
    expect(checkpointName(Checkpoint.SdpResReceived)).toBe('SdpResReceived');
    expect(checkpointName(999)).toBeUndefined();
    expect(isCheckpoint(705)).toBe(true);
    expect(isCheckpoint(706)).toBe(false);
  });

  it('no checkpoint number literal outside src/checkpoints.ts', () => {
    const literal = /\b(checkpoint|lastCheckpoint|cp)\??\s*(:|===|!==)\s*\d|\b(report|status)\('[^']*', \d{1,3}\b/;
    expect(offenders(literal, ['src/checkpoints.ts'])).toEqual([]);
  });
});

describe('the composition is typed', () => {
  it('no `as never` / `as unknown as` in src/runtime and machines (each one hid a wiring mistake from the compiler)', () => {
    const escapes = offenders(/\bas never\b|\bas unknown as\b/, []).filter((l) => /^(src\/runtime|machines)\//.test(l));
    expect(escapes).toEqual([]);
  });

  it('no state matching through JSON: session state by tags', () => {
    expect(offenders(/JSON\.stringify\([^)]*\.value\)\.includes/, []).filter((l) => /^(src\/runtime|machines)\//.test(l))).toEqual([]);
  });
});

describe('one definition each', () => {
  it('errorMessage: an Error gives its message, anything else its String()', () => {
    expect(errorMessage(new RangeError('too far'))).toBe('too far');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });

  it('the `instanceof Error ? … .message : String(…)` idiom is written only in src/errors.ts', () => {
    expect(offenders(/instanceof Error \? [\w.]+\.message : String\(/, ['src/errors.ts'])).toEqual([]);
  });

  it('the HomePlug and VLAN EtherTypes, the SDP port, ff02::1 and the broadcast MAC are literals only in src/constants.ts', () => {
    const wire = /\b0x88e1\b|\b0x8100\b|'ff02::1'|0xff, 0xff, 0xff, 0xff, 0xff, 0xff|(port|PORT)\s*[:=]\s*15118\b/i;
    // Strings shown to people (an error text naming the EtherType) are not definitions.
    const found = offenders(wire, ['src/constants.ts']).filter((l) => !/codecError\(|`[^`]*0x88e1[^`]*`/i.test(l));
    expect(found).toEqual([]);
  });

  it('one byte concatenation: no second concat helper in the shipped code', () => {
    expect(offenders(/function concat\w*\(/, ['src/bytes.ts'])).toEqual([]);
  });
});
