// The layer rule is enforced by ESLint (npm run lint). This test proves the rule
// bites: it lints small probe sources placed in pure and impure layers.
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function violations(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it('forbid node built-ins in machines/ and protocol folders of src/', async () => {
    expect(await violations('machines/probe.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toHaveLength(1);
    expect(await violations('src/homeplug/probe.ts', "import dgram from 'dgram';\nexport const x = dgram;\n")).toHaveLength(1);
  });
  it('forbid drivers/ and native/ in pure layers', async () => {
    expect(await violations('machines/probe.ts', "import { x } from '../drivers/ethernet/index.js';\nexport const y = x;\n")).toHaveLength(1);
    expect(await violations('src/sdp/probe.ts', "import { x } from '../../native/index.js';\nexport const y = x;\n")).toHaveLength(1);
  });
  it('allow them in src/runtime, src/cli and drivers/', async () => {
    expect(await violations('src/runtime/probe.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).toHaveLength(0);
    expect(await violations('src/cli/probe.ts', "import { x } from '../../drivers/ethernet/index.js';\nexport const y = x;\n")).toHaveLength(0);
    expect(await violations('drivers/probe.ts', "import net from 'node:net';\nexport const x = net;\n")).toHaveLength(0);
  });
});
