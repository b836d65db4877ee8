// The typed vocabulary (issue 9 §3): checkpoints, the error-message idiom,
// the wire constants and the clock port are defined once, and the shipped code uses the names.
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

// One clock port (src/ports/clock.ts): a second clock or scheduler type, by name or by shape, and a
// clock read of its own in code that must take the port, fail here.
const clockType = /\b(interface|type|class)\s+\w*(Clock|Scheduler)\b/;
/** A timer signature with typed parameters: the shape of a clock (in an interface, a type literal or a class). */
const clockShape = /\b(setTimeout|schedule)\s*\(\s*\w+\s*:/;
/** A read of the real time: Date.now, performance.now, a Date of "now". */
const ownTime = /\bDate\.now\b|\bperformance\.now\b|\bnew Date\(\s*\)/;
/** Files that must take their time from a Clock: machines, pure src (and drivers/modem-sim), boards and the in-memory twins. */
const takesClock = (line: string): boolean => /^(machines|boards)\//.test(line) || /^(src\/(?!runtime\/|cli\/)|drivers\/modem-sim\/)/.test(line) || /^drivers\/[^:]*memory[^/:]*\.ts:/.test(line);

describe('one clock', () => {
  it('the patterns catch what they are meant to catch', () => {
    for (const old of [
      'export interface ModemSimScheduler {',
      'export interface LinkClock {',
      'export type Scheduler = Clock;',
      'type ActorClock = { setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown };',
      'class ManualClock implements Clock {',
    ])
      expect(clockType.test(old), old).toBe(true);
    expect(clockShape.test('  schedule(fn: () => void, delayMs: number): void;')).toBe(true);
    expect(clockShape.test('const t = { setTimeout(fn: () => void, ms: number) { return 0; } };')).toBe(true);
    expect(clockShape.test('  setTimeout(fn, ms) {')).toBe(false);
    for (const read of ["now: input.now ?? (() => Date.now()),", 'const t0 = performance.now();', 'const at = new Date();', 'now: Date.now,']) expect(ownTime.test(read), read).toBe(true);
    expect(ownTime.test('new Date(ms).toISOString()')).toBe(false);
    expect(takesClock('machines/listen/index.ts:184: x')).toBe(true);
    expect(takesClock('src/domain/safety/monitor.ts:1: x')).toBe(true);
    expect(takesClock('drivers/udp/memory-link.ts:1: x')).toBe(true);
    expect(takesClock('drivers/modem-sim/index.ts:1: x')).toBe(true);
    expect(takesClock('drivers/udp/dgram.ts:1: x')).toBe(false);
    expect(takesClock('src/runtime/sim.ts:1: x')).toBe(false);
  });

  it('no clock or scheduler type besides the port in src/ports/clock.ts', () => {
    expect(offenders(clockType, ['src/ports/clock.ts'])).toEqual([]);
  });

  it('no clock-shaped timer signature besides the port', () => {
    expect(offenders(clockShape, ['src/ports/clock.ts'])).toEqual([]);
  });

  it('machines, pure src, boards and the in-memory twins read no time of their own (Date.now, performance.now, new Date())', () => {
    expect(offenders(ownTime, ['drivers/clock/index.ts']).filter(takesClock)).toEqual([]);
  });
});
