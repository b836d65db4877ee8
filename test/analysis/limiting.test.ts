// The limiting-side verdict (issue 14 §2) on real captures. The expected shares are worked out by
// hand from the capture's CurrentDemand pairs (frame numbers and times as `tsplc decode` prints them,
// relative to the first frame); a pair lasts from its request to the next request, the last one to
// its response. Slack "at a limit": 1 A or 2 % of the limit, whichever is larger (src/tools/analysis/limiting.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LimitingFold, type PairVerdict, type V2gMessageEvent, analyzeCapture } from '../../src/tools/analysis/index.js';
import { capturesDir } from '../shared.js';
import { needCaptures } from '../env.js';
import { runTsplc } from '../helpers/run.js';

const hasCaptures = needCaptures();

function analyse(file: string) {
  const a = analyzeCapture(new Uint8Array(readFileSync(join(capturesDir, file))));
  const fold = new LimitingFold();
  const pairs: PairVerdict[] = [];
  for (const e of a.events) {
    if (e.kind !== 'v2g') continue;
    const v = fold.push(e as V2gMessageEvent);
    if (v) pairs.push(v);
  }
  const session = a.sessions.find((s) => s.limiting);
  return { pairs, session, v: session?.limiting };
}

describe.skipIf(!hasCaptures)('limiting-side verdict on real captures', () => {
  it('car-limited: ISO-2_DC_DS5366 asks 200 A of a 500 A charger (97.8 % car, 2.2 % ramp)', () => {
    // 417 CurrentDemand pairs. First CurrentDemandReq #371 at 24.039 s, last CurrentDemandRes #2048 at
    // 75.822 s: 51.783 s of charging. Every CurrentDemandRes: EVSE*LimitAchieved false,
    // EVSEMaximumCurrentLimit 500 A, EVSEMaximumPowerLimit 150 kW; every request EVTargetCurrent 200 A,
    // EVTargetVoltage 460 V (92 kW < 150 kW).
    // The first 9 pairs (#371 … #406, 24.039 s → next request at 25.157 s = 1.118 s) are the ramp:
    // EVSEPresentCurrent 0, 106.59, 127.45, 139.54, 151.32, 163.1, 174.88, 186.66, 195.6 A, each below
    // 200 A − 4 A → neither. The other 408 pairs deliver 200 ± 0.03 A: the car's 200 A is below the
    // charger's 500 A → car. Car 51.783 − 1.118 = 50.665 s = 97.84 %, neither 1.118 s = 2.16 %.
    const { v, pairs } = analyse('ISO-2_DC_DS5366.pcapng');
    expect(v?.pairs).toBe(417);
    expect(v?.chargingSeconds).toBeCloseTo(51.783, 2);
    expect(pairs.slice(0, 9).map((p) => p.side)).toEqual(Array(9).fill('neither'));
    expect(pairs.slice(9).every((p) => p.side === 'car')).toBe(true);
    expect(v?.neither.seconds).toBeCloseTo(1.118, 2);
    expect(v?.car.share).toBeCloseTo(0.9784, 3);
    expect(v?.neither.share).toBeCloseTo(0.0216, 3);
    expect(v?.charger.share).toBe(0);
    expect(v?.verdict).toBe('car');
    expect(v?.reasons[0]).toMatchObject({ side: 'car', reason: 'EVTargetCurrent below EVSEMaximumCurrentLimit' });
  });

  it('charger-limited: 2023-04-26 Ioniq on pyPLC with bulbs, EVSECurrentLimitAchieved in every CurrentDemandRes (100 % charger current)', () => {
    // 2840 pairs; every CurrentDemandRes has EVSECurrentLimitAchieved=true (pyPLC as charger limits
    // the current to the light bulbs). First CurrentDemandReq #136 at 115.581 s, last
    // CurrentDemandRes #11540 at 716.522 s: 600.941 s, all of it charger/current.
    const { v } = analyse('2023-04-26_atHome_IoniqWithBulbs10minutesTimeout.pcapng');
    expect(v?.pairs).toBe(2840);
    expect(v?.chargingSeconds).toBeCloseTo(600.941, 2);
    expect(v?.charger.current.share).toBe(1);
    expect(v?.car.seconds).toBe(0);
    expect(v?.neither.seconds).toBe(0);
    expect(v?.verdict).toBe('charger');
    expect(v?.reasons).toEqual([{ side: 'charger', reason: 'EVSECurrentLimitAchieved', seconds: 600.941 }]);
  });

  it('charger-limited, AC: ISO-2_AC_DS5366, the charger offers EVSEMaxCurrent 13 A to a car that takes 32 A', () => {
    // ChargeParameterDiscoveryReq: EVMaxCurrent 32 A; ChargeParameterDiscoveryRes: EVSEMaxCurrent 13 A.
    // ChargingStatusReq carries no target (ISO 15118-2 AC), so every one of the 246 pairs is judged
    // on those maxima: 13 A < 32 A − 1 A → charger/current for the whole 50.1 s.
    const { v } = analyse('ISO-2_AC_DS5366.pcapng');
    expect(v?.pairs).toBe(246);
    expect(v?.charger.current.share).toBe(1);
    expect(v?.reasons[0]?.reason).toBe('EVSEMaxCurrent 13 A < EVMaxCurrent 32 A');
  });

  it('mixed: tesla-3-din, the car asks 1 A under the charger’s falling limit (98.5 % charger, 0.9 % car, 0.7 % neither)', () => {
    // 1816 pairs, first CurrentDemandReq #1360 at 47.939 s, last CurrentDemandRes at 261.343 s:
    // 213.404 s. No LimitAchieved flag is ever set. The Model 3 asks EVTargetCurrent = the charger's
    // EVSEMaximumCurrentLimit − 1 A (22 of 23 A, 16 of 17 A, 14 of 15 A): at the limit → charger/current.
    // Car (target more than 1 A under the limit), 16 pairs = 1.888 s:
    //   #1360 EVTargetCurrent 0 A (0.118 s); #5660 … #5696, 11 pairs of 12–13 A against 15 A while the
    //   limit falls (194.973 → 196.266 s = 1.293 s); #5840 … #5851, 4 pairs of 14 A against 23 A
    //   (201.100 → 201.577 s = 0.477 s).
    // Neither (present current 0 A against a target, limit not reached), 12 pairs = 1.416 s:
    //   #1364 9 A asked, 0 A given (0.121 s); #7332 … #7367, 11 pairs of 15 A asked, 0 A given
    //   (251.992 → 253.287 s = 1.295 s).
    // Charger/current: the other 1788 pairs, 213.404 − 1.888 − 1.416 = 210.100 s = 98.45 %.
    const { v, pairs } = analyse('tesla-3-din.pcap');
    expect(v?.pairs).toBe(1816);
    expect(v?.chargingSeconds).toBeCloseTo(213.404, 2);
    expect(v?.car.pairs).toBe(16);
    expect(v?.car.seconds).toBeCloseTo(1.888, 2);
    expect(v?.neither.pairs).toBe(12);
    expect(v?.neither.seconds).toBeCloseTo(1.416, 2);
    expect(v?.charger.current.pairs).toBe(1788);
    expect(v?.charger.current.seconds).toBeCloseTo(210.1, 1);
    expect(v?.charger.share).toBeCloseTo(0.9845, 3);
    expect(pairs.find((p) => p.requestFrame === 1364)).toMatchObject({ side: 'neither', evTargetCurrent: 9, evsePresentCurrent: 0 });
    expect(pairs.find((p) => p.requestFrame === 5840)).toMatchObject({ side: 'car', evTargetCurrent: 14, evseMaximumCurrent: 23 });
    expect(v?.verdict).toBe('charger');
  });

  it('tsplc decode shows the verdict in the text summary and in --json', async () => {
    const file = join(capturesDir, 'ISO-2_DC_DS5366.pcapng');
    // Both runs at once and through run() (test/helpers/run.ts): a synchronous spawn blocks this worker.
    const [textRun, jsonRun] = await Promise.all([runTsplc(['decode', file]), runTsplc(['decode', file, '--json'])]);
    expect(textRun.status, textRun.stderr).toBe(0);
    expect(jsonRun.status, jsonRun.stderr).toBe(0);
    const text = textRun.stdout;
    expect(text).toMatch(/^ {2}limiting: car — car 97\.8 %, charger 0\.0 % \(current 0\.0 %, voltage 0\.0 %, power 0\.0 %\), neither 2\.2 % of 51\.78\d s charging, 417 pairs; mostly car: EVTargetCurrent below EVSEMaximumCurrentLimit$/m);
    const json = jsonRun.stdout;
    const summary = json.trim().split('\n').map((l) => JSON.parse(l) as { layer: string; limiting?: { verdict: string; car: { share: number } } }).find((l) => l.layer === 'summary');
    expect(summary?.limiting?.verdict).toBe('car');
    expect(summary?.limiting?.car.share).toBeCloseTo(0.9784, 3);
  }, 60_000);
});
