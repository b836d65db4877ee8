// The HomePlug part of the hostile-peer suite (issue 8): a real `tsplc evse` (and `tsplc pev`
// where it applies) across network namespaces with `tsplc modem-sim` between them, attacked from
// the powerline side (test/hostile/slac-harness.ts). After each attack: the process is alive, its
// RSS and its log volume are bounded, and a real car session succeeds afterwards — and during the
// 2/s CM_SLAC_PARM.REQ flood. Each file prints a report table (attack, expected, observed, real session).
// The attacks are split over three files (slac-{frames,during,flood}.test.ts), each with its own lab,
// so vitest's workers run them side by side; this module is the lab and the row check they share.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { netnsAvailable, netnsUnavailableReason } from '../../src/runtime/netns.js';
import { requireEnv } from '../env.js';
import { formatReport, startSlacLab, type CarResult, type ReportRow, type SlacLab } from './slac-harness.js';

/** Bounds after each attack (the charger, run from the bundle, idles at about 60 MB RSS; an attack row grew it by at most 4.5 MB). */
const RSS_GROWTH_LIMIT_KB = 32 * 1024;
const LOG_LIMIT_BYTES = 64 * 1024;
const RECORDS_LIMIT_BYTES = 4 * 1024 * 1024;

export interface SlacSuite {
  /** The lab of this file (started in its beforeAll). */
  lab(): SlacLab;
  /** Runs `attack`, checks the charger afterwards and a real session; adds the report row. */
  row(name: string, expected: string, attack: () => Promise<{ observed: string; during?: CarResult }>): Promise<void>;
}

/** One file's describe block: its own lab (namespaces, modem-sim, charger with a records folder), its cases, its report. */
export function slacHostileSuite(part: string, cases: (s: SlacSuite) => void): void {
  const skip = !requireEnv('root + network namespaces', netnsAvailable(), netnsUnavailableReason());
  describe.skipIf(skip)(`hostile peers: HomePlug (SLAC) attacks against tsplc evse / tsplc pev: ${part}`, () => {
    let lab: SlacLab | undefined;
    const rows: ReportRow[] = [];
    const records = mkdtempSync(join(tmpdir(), 'tsplc-hostile-records-'));
    const dirBytes = (): number => readdirSync(records).reduce((n, f) => n + statSync(join(records, f)).size, 0);
    const theLab = (): SlacLab => {
      if (!lab) throw new Error('the SLAC lab did not start (see beforeAll)');
      return lab;
    };

    beforeAll(async () => {
      lab = await startSlacLab({ evseArgs: ['--set', `logging.session_records_dir=${records}`] });
    }, 300_000);
    afterAll(async () => {
      console.log(`\nHomePlug hostile-peer report (${part})\n${formatReport(rows)}\n`);
      await lab?.destroy();
      rmSync(records, { recursive: true, force: true });
    });

    async function row(name: string, expected: string, attack: () => Promise<{ observed: string; during?: CarResult }>): Promise<void> {
      const l = theLab();
      const rss0 = l.evse.rssKb() ?? 0;
      const log0 = l.evse.logBytes();
      const disk0 = dirBytes();
      const { observed, during } = await attack();
      const alive = l.evse.alive();
      const rssGrowth = (l.evse.rssKb() ?? Infinity) - rss0;
      const logGrowth = l.evse.logBytes() - log0;
      const diskGrowth = dirBytes() - disk0;
      const after = await l.car();
      const ok = (c: CarResult | undefined): boolean => c?.end === 'ChargingFinished' && c.exit === 0;
      const afterwards = ok(after) && (!during || ok(during)) ? 'ok' : `FAILED (${after.end ?? 'no result'}${during ? `, during: ${during.end ?? 'no result'}` : ''})`;
      rows.push({ attack: name, expected, observed: `${observed}; evse ${alive ? 'alive' : 'DEAD'}, RSS ${rssGrowth >= 0 ? '+' : ''}${Math.round(rssGrowth / 1024)} MB, log +${(logGrowth / 1024).toFixed(1)} kB, records +${(diskGrowth / 1024).toFixed(0)} kB`, afterwards });
      expect(alive, 'evse alive').toBe(true);
      expect(rssGrowth, 'RSS growth, kB').toBeLessThan(RSS_GROWTH_LIMIT_KB);
      expect(logGrowth, 'log bytes during the attack').toBeLessThan(LOG_LIMIT_BYTES);
      expect(diskGrowth, 'record bytes during the attack').toBeLessThan(RECORDS_LIMIT_BYTES);
      if (during) expect(during.end, `car during the attack:\n${during.tail}`).toBe('ChargingFinished');
      expect(after.end, `car afterwards:\n${after.tail}`).toBe('ChargingFinished');
      expect(after.exit).toBe(0);
    }

    cases({ lab: theLab, row });
  });
}
