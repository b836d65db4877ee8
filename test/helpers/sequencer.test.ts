// The sequencer's list of long files (test/helpers/sequencer.ts) names files that exist and that the
// suite runs: a file renamed or split without updating the list would silently lose its early start.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import config from '../../vitest.config.js';
import { longFirst, longFirstOrder } from './sequencer.js';

describe('LongFirstSequencer order', () => {
  it('every listed file exists and matches the suite include pattern', () => {
    const include = config.test?.include ?? [];
    expect(include).toEqual(['test/**/*.test.ts']);
    for (const f of longFirst) {
      expect(existsSync(f), f).toBe(true);
      expect(f, f).toMatch(/^test\/.+\.test\.ts$/);
    }
  });

  it('lists no file twice', () => {
    expect(new Set(longFirst).size).toBe(longFirst.length);
  });

  it('puts the listed files first, in list order, and keeps the rest in the base order', () => {
    const rest = ['test/zz/b.test.ts', 'test/zz/a.test.ts', 'test/zz/c.test.ts'];
    const files = [rest[0]!, longFirst[2]!, rest[1]!, longFirst[0]!, rest[2]!];
    expect(longFirstOrder(files, (f) => f)).toEqual([longFirst[0], longFirst[2], ...rest]);
  });

  it('ranks by the path relative to the project root, with Windows separators too', () => {
    expect(longFirstOrder(['test/zz/x.test.ts', longFirst[1]!.replaceAll('/', '\\')], (f) => f)[0]).toBe(longFirst[1]!.replaceAll('/', '\\'));
  });
});
