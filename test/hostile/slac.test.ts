// The HomePlug part of the hostile-peer suite (issue 8): a real `tsplc evse` (and `tsplc pev`
// where it applies) across network namespaces with `tsplc modem-sim` between them, attacked from
// the powerline side (test/hostile/slac-harness.ts). After each attack: the process is alive, its
// RSS and its log volume are bounded, and a real car session succeeds afterwards — and during the
// 2/s CM_SLAC_PARM.REQ flood. Prints a report table (attack, expected, observed, real session).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsAvailable, netnsUnavailableReason } from '../../src/runtime/netns.js';
import { requireEnv } from '../env.js';
import { formatReport, startSlacLab, type CarResult, type ReportRow, type SlacLab } from './slac-harness.js';

const skip = !requireEnv('root + network namespaces', netnsAvailable(), netnsUnavailableReason());

/** Bounds after each attack (the charger idles at about 130 MB RSS under tsx). */
const RSS_GROWTH_LIMIT_KB = 100 * 1024;
const LOG_LIMIT_BYTES = 64 * 1024;
const RECORDS_LIMIT_BYTES = 4 * 1024 * 1024;

describe.skipIf(skip)('hostile peers: HomePlug (SLAC) attacks against tsplc evse / tsplc pev', () => {
  let lab: SlacLab;
  const rows: ReportRow[] = [];
  const records = mkdtempSync(join(tmpdir(), 'tsplc-hostile-records-'));
  const dirBytes = (): number => readdirSync(records).reduce((n, f) => n + statSync(join(records, f)).size, 0);

  beforeAll(async () => {
    lab = await startSlacLab({ evseArgs: ['--set', `logging.session_records_dir=${records}`] });
  }, 300_000);
  afterAll(async () => {
    console.log(`\nHomePlug hostile-peer report\n${formatReport(rows)}\n`);
    await lab?.destroy();
    rmSync(records, { recursive: true, force: true });
  });

  /** Runs `attack`, checks the charger afterwards and a real session; adds the report row. */
  async function row(name: string, expected: string, attack: () => Promise<{ observed: string; during?: CarResult }>): Promise<void> {
    const rss0 = lab.evse.rssKb() ?? 0;
    const log0 = lab.evse.logBytes();
    const disk0 = dirBytes();
    const { observed, during } = await attack();
    const alive = lab.evse.alive();
    const rssGrowth = (lab.evse.rssKb() ?? Infinity) - rss0;
    const logGrowth = lab.evse.logBytes() - log0;
    const diskGrowth = dirBytes() - disk0;
    const after = await lab.car();
    const ok = (c: CarResult | undefined): boolean => c?.end === 'ChargingFinished' && c.exit === 0;
    const afterwards = ok(after) && (!during || ok(during)) ? 'ok' : `FAILED (${after.end ?? 'no result'}${during ? `, during: ${during.end ?? 'no result'}` : ''})`;
    rows.push({ attack: name, expected, observed: `${observed}; evse ${alive ? 'alive' : 'DEAD'}, RSS ${rssGrowth >= 0 ? '+' : ''}${Math.round(rssGrowth / 1024)} MB, log +${(logGrowth / 1024).toFixed(1)} kB, records +${(diskGrowth / 1024).toFixed(0)} kB`, afterwards: afterwards === 'ok' ? 'ok' : afterwards });
    expect(alive, 'evse alive').toBe(true);
    expect(rssGrowth, 'RSS growth, kB').toBeLessThan(RSS_GROWTH_LIMIT_KB);
    expect(logGrowth, 'log bytes during the attack').toBeLessThan(LOG_LIMIT_BYTES);
    expect(diskGrowth, 'record bytes during the attack').toBeLessThan(RECORDS_LIMIT_BYTES);
    if (during) expect(during.end, `car during the attack:\n${during.tail}`).toBe('ChargingFinished');
    expect(after.end, `car afterwards:\n${after.tail}`).toBe('ChargingFinished');
    expect(after.exit).toBe(0);
  }

  it('a real car session works before any attack (baseline)', { timeout: 120_000 }, async () => {
    const c = await lab.car();
    expect(c.end, c.tail).toBe('ChargingFinished');
    expect(c.connectorLock).toBe('unlocked');
  });

  it('random 0x88E1 frames at the charger: dropped as malformed or unknown, nothing answered', { timeout: 180_000 }, async () => {
    await row('random 0x88E1 frames → evse', 'ignored (typed decode error, debug log)', async () => {
      const r = await lab.attack('evse', ['random', '3000', '11']);
      expect(r.sent).toBe(3000);
      return { observed: `${String(r.sent)} frames sent` };
    });
  });

  it('every truncation of each SLAC message at the charger', { timeout: 180_000 }, async () => {
    await row('every truncation of each SLAC message → evse', 'ignored (typed decode error), no state change', async () => {
      const r = await lab.attack('evse', ['truncations', lab.evseEnd.mac]);
      expect(Number(r.sent)).toBeGreaterThan(500);
      return { observed: `${String(r.sent)} frames of ${String(r.messages)} messages sent` };
    });
  });

  // The car's own health shows in its session (it ends ChargingFinished, exit 0); the row's figures are the charger's.
  it('random 0x88E1 frames and every truncation at the car during its session', { timeout: 180_000 }, async () => {
    await row('random frames + truncations → pev, during its SLAC', 'ignored; the car matches anyway', async () => {
      const carP = lab.car();
      const a = await lab.attack('ev', ['random', '3000', '12']);
      const b = await lab.attack('ev', ['truncations', lab.evEnd.mac]);
      const during = await carP;
      return { observed: `${Number(a.sent) + Number(b.sent)} frames sent during the session`, during };
    });
  });

  it('CM_SLAC_MATCH.REQ with a wrong RunID (foreign and spoofed car MAC) during a session: never answered with the NMK', { timeout: 180_000 }, async () => {
    await row('CM_SLAC_MATCH.REQ with wrong RunIDs → evse, during a session', 'no CM_SLAC_MATCH.CNF for them; the car matches', async () => {
      const carP = lab.car();
      const a = await lab.attack('evse', ['wrong-runid', lab.evseEnd.mac, lab.evEnd.mac, '6000']);
      const during = await carP;
      expect(a.matchCnfForUs).toBe(0);
      return { observed: `${String(a.sent)} sent, ${String(a.matchCnfForUs)} CM_SLAC_MATCH.CNF with their RunIDs`, during };
    });
  });

  it('CM_SLAC_PARM.REQ from foreign MACs at 2/s: a real car matches during the flood and afterwards', { timeout: 180_000 }, async () => {
    await row('CM_SLAC_PARM.REQ flood from foreign MACs, 2/s, car during it', 'the charger keeps the car it matches (RunID + EV MAC)', async () => {
      // The flood outlasts the car's whole session (its timeout is 90 s): the car must match while it runs.
      const flood = lab.startAttack('evse', ['flood', '2', '300000']);
      await new Promise((r) => setTimeout(r, 1500));
      const t0 = Date.now();
      const during = await lab.car();
      const took = (Date.now() - t0) / 1000;
      const stillFlooding = flood.alive();
      flood.child.kill('SIGTERM');
      await flood.exited;
      expect(stillFlooding, 'the flood ran until the car was done').toBe(true);
      return { observed: `car started 1.5 s into the flood, done after ${took.toFixed(1)} s with the flood still running`, during };
    });
  });

  it('CM_SLAC_PARM.REQ from foreign MACs at full rate: alive, bounded, a real car afterwards', { timeout: 180_000 }, async () => {
    await row('CM_SLAC_PARM.REQ flood from foreign MACs, full rate, 5 s', 'answered while no car sounds; logs and records bounded', async () => {
      const r = await lab.attack('evse', ['flood', 'max', '5000']);
      expect(Number(r.sent)).toBeGreaterThan(5000);
      return { observed: `${String(r.sent)} requests in 5 s (${Math.round(Number(r.sent) / 5)}/s)` };
    });
  });
});
