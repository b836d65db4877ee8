// `tsplc scope` (issue 14 §3): the self-contained HTML page opened in headless Chromium — no console
// errors, no network, and the plotted series equal what `tsplc decode --values` writes.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumFlags } from '../../src/cli/commands/scope.js';
import { capturesDir } from '../shared.js';
import { needCaptures, requireEnv } from '../env.js';
import { run, runTsplc } from '../helpers/run.js';

const hasCaptures = needCaptures();
const hasChromium = requireEnv('chromium', existsSync(CHROMIUM), `${CHROMIUM} not installed (apt-get install chromium): skipping the browser checks of tsplc scope`);

// Through run() (test/helpers/run.ts): a synchronous spawn of the CLI (or of Chromium) blocks this worker for seconds.
async function tsplc(args: string[]): Promise<string> {
  const r = await runTsplc(args);
  if (r.status !== 0) throw new Error(`tsplc ${args.join(' ')}: exit ${String(r.status)}: ${r.stderr.slice(-1000)}`);
  return r.stdout;
}

function csvColumns(csv: string): Record<string, (number | null)[]> {
  const [head, ...rows] = csv.trim().split('\n');
  const names = (head as string).split(',');
  const cols: Record<string, (number | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const r of rows) r.split(',').forEach((v, i) => cols[names[i] as string]!.push(v === '' ? null : Number(v)));
  return cols;
}

describe.skipIf(!hasCaptures)('tsplc scope', () => {
  const capture = join(capturesDir, 'ISO-2_DC_DS5366.pcapng');

  it('writes one HTML file with uPlot inlined and no network reference', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-scope-'));
    const out = join(dir, 'scope.html');
    expect(await tsplc(['scope', capture, '-o', out])).toMatch(/scope\.html: 912 rows, SLAC, CableCheck, PreCharge, charging, stop, 0 markers/);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasChromium)('in headless Chromium: no errors, and the plotted series equal --values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-scope-'));
    const html = join(dir, 'scope.html');
    const csv = join(dir, 'values.csv');
    await tsplc(['scope', capture, '-o', html]);
    await tsplc(['decode', capture, '--values', csv, '--no-summary']);
    const profile = join(dir, 'profile');
    const r = await run(CHROMIUM, [...chromiumFlags(profile), '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${html}`], { timeoutMs: 90_000 });
    expect(r.status).toBe(0);
    const console = (r.stderr ?? '').split('\n').filter((l) => /CONSOLE|Uncaught/.test(l));
    expect(console).toEqual([]);
    const errors = /<pre id="errors">([^<]*)<\/pre>/.exec(r.stdout)?.[1];
    expect(errors).toBe('');
    const plotted = JSON.parse((/<pre id="plotted">([^<]*)<\/pre>/.exec(r.stdout)?.[1] ?? '{}').replace(/&quot;/g, '"')) as Record<string, (number | null)[]>;
    const cols = csvColumns(readFileSync(csv, 'utf8'));
    expect(plotted.t).toEqual(cols.relative_s);
    for (const n of ['EVSEPresentVoltage', 'EVSEPresentCurrent', 'EVTargetVoltage', 'EVTargetCurrent']) expect(plotted[n], n).toEqual(cols[n]);
    expect(plotted.EVRESSSOC).toEqual(cols.SOC);
    expect(plotted.t!.length).toBe(912);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it.skipIf(!hasChromium)('--png writes a screenshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-scope-'));
    const png = join(dir, 'scope.png');
    await tsplc(['scope', capture, '-o', join(dir, 'scope.html'), '--png', png]);
    const b = readFileSync(png);
    expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(b.length).toBeGreaterThan(20_000);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
