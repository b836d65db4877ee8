import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { renderConfigDoc } from '../../src/config/index.js';

describe('docs/configuration.md', () => {
  it('contains the key reference generated from the schema (run `npm run -s tsplc -- config docs` to regenerate)', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const start = doc.indexOf('## Key reference');
    expect(start).toBeGreaterThan(0);
    expect(doc.slice(start)).toBe(renderConfigDoc());
  });
});
