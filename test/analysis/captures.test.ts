// Capture analysis on the real captures: message counts, directions, schemas,
// session summaries, and robustness on corrupted files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type V2gMessageEvent, analyzeCapture, guessChargerVendor, valuesToCsv } from '../../src/tools/analysis/index.js';
import { capturesDir, captureFiles, hasCaptures, missingSharedMessage } from '../shared.js';
import { needCaptures } from '../env.js';

if (!hasCaptures) console.warn(missingSharedMessage);

const load = (f: string): Uint8Array => new Uint8Array(readFileSync(join(capturesDir, f)));

/**
 * V2GTP messages per capture. A "message" in captures/README.md is a TCP
 * segment with payload (tshark -Y 'tcp.len>0'; tshark has no V2GTP
 * dissector); in these captures each segment carries exactly one V2GTP
 * message, so after dropping the retransmitted segments (tshark's
 * tcp.analysis.retransmission with payload) the counts must be equal.
 * [file, tshark data segments, retransmitted data segments]
 */
const COUNTS: [string, number, number][] = [
  ['DIN_DC_DS5366_Josev.pcapng', 200, 0],
  ['ISO-2_DC_DS5366.pcapng', 974, 0],
  ['porsche-taycan-4s-driverside-ac-iso2.pcap', 514, 0],
  ['vw-ac-iso2.pcap', 18, 0],
  ['tesla-3-din.pcap', 4428, 0],
  ['ISO-20_BPT_AC_DS5366_Josev.pcapng', 46, 0],
  ['2022-12-20_alpi_currentDemandSequenceErrorShutdown.pcapng', 270, 135],
  ['2023-05-24_pyPlc_with_Ioniq93prcSoc.pcapng', 141, 3],
  ['2025-01-21_listenMode_02_mac_spoofing_some_frames_visible.pcapng', 7, 6],
];

describe.skipIf(!needCaptures())('capture analysis: message counts', () => {
  for (const [file, segments, retransmitted] of COUNTS) {
    it(`${file}: ${segments - retransmitted} V2GTP messages, all decoded`, () => {
      const a = analyzeCapture(load(file));
      const msgs = a.events.filter((e): e is V2gMessageEvent => e.kind === 'v2g');
      expect(msgs.length).toBe(segments - retransmitted);
      // Every one decodes (the trailing zero byte of Tesla is tolerated and flagged).
      expect(msgs.filter((m) => !m.decoded).map((m) => `${m.frame} ${m.summary}`)).toEqual([]);
      expect(a.events.filter((e) => e.kind === 'error')).toEqual([]);
    });
  }
});

describe.skipIf(!needCaptures())('capture analysis: directions, schemas, SDP', () => {
  it('DIN session: EV sends every Req, EVSE every Res; appHand then din', () => {
    const a = analyzeCapture(load('DIN_DC_DS5366_Josev.pcapng'));
    const msgs = a.events.filter((e): e is V2gMessageEvent => e.kind === 'v2g');
    for (const m of msgs) expect(m.direction, m.name).toBe(m.name.endsWith('Req') ? 'EV→EVSE' : 'EVSE→EV');
    expect(msgs.slice(0, 2).map((m) => [m.schema, m.name])).toEqual([
      ['appHand', 'supportedAppProtocolReq'],
      ['appHand', 'supportedAppProtocolRes'],
    ]);
    expect(msgs.slice(2).every((m) => m.schema === 'din')).toBe(true);
    const sdp = a.events.filter((e) => e.kind === 'sdp');
    expect(sdp.map((e) => e.kind === 'sdp' && e.summary)).toEqual(['SDP request no TLS TCP', 'SDP response fe80::664d:70ff:fe01:3bf port 55118 no TLS TCP']);
    expect(a.sessions[0]?.protocol).toBe('urn:din:70121:2012:MsgDef');
  });

  it('ISO-2 AC (Taycan): iso2 schema, ChargingStatus loop', () => {
    const a = analyzeCapture(load('porsche-taycan-4s-driverside-ac-iso2.pcap'));
    const s = a.sessions[0]!;
    expect(s.protocol).toBe('urn:iso:15118:2:2013:MsgDef');
    expect(s.messageCounts.ChargingStatusReq).toBeGreaterThan(100);
  });

  it('ISO-20 AC BPT: schema from the namespace and the payload type', () => {
    const a = analyzeCapture(load('ISO-20_BPT_AC_DS5366_Josev.pcapng'));
    const msgs = a.events.filter((e): e is V2gMessageEvent => e.kind === 'v2g');
    const schemas = new Set(msgs.map((m) => m.schema));
    expect(schemas.has('iso20-common') && schemas.has('iso20-ac')).toBe(true);
    expect(msgs.filter((m) => m.payloadType === 0x8003).every((m) => m.schema === 'iso20-ac')).toBe(true);
  });

  it('TLS sessions are recognised, not reported as V2GTP errors', () => {
    const a = analyzeCapture(load('ISO-20_TLS13_DC_DS5366_Josev.pcapng'));
    expect(a.events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(a.events.filter((e) => e.kind === 'tcp' && e.what === 'TLS').length).toBe(2);
  });
});

describe.skipIf(!needCaptures())('capture analysis: session summaries', () => {
  it('2022-12-13 compleo: 2 sessions, CableCheck ≈10 s, charger 80:1f:12 (Compleo?)', () => {
    const a = analyzeCapture(load('2022-12-13_compleo_powerdelivery230_no_load.pcapng'));
    expect(a.sessions.length).toBe(2);
    const s = a.sessions[1]!;
    expect(s.cableCheckDuration).toBeGreaterThan(9);
    expect(s.cableCheckDuration).toBeLessThan(11);
    expect(s.chargerMac).toBe('80:1f:12:e8:e6:47');
    expect(s.chargerVendor).toBe('Compleo?');
    expect(s.maxEVSEPresentVoltage).toBeGreaterThanOrEqual(230);
    expect(s.slac.nid).toMatch(/^[0-9a-f]{14}$/);
  });

  it('2023-04-19 westparkAlpi: CableCheck FAILED first, then SOC 20→34 % and EVSE_Shutdown', () => {
    const a = analyzeCapture(load('2023-04-19_westparkAlpi_pyPlc_lightbulb_1fail_1ok.pcapng'));
    const [first, second] = a.sessions;
    expect(first!.stopReason).toBe('CableCheckRes FAILED');
    expect([second!.socFirst, second!.socLast]).toEqual([20, 34]);
    expect(second!.messageCounts.CurrentDemandReq).toBeGreaterThan(1400);
    expect(second!.stopReason).toBe('charger stop: EVSE_Shutdown in CurrentDemandRes');
    expect(second!.lastCheckpoint).toBeGreaterThanOrEqual(700);
  });

  it('2024-04-20 Model Y: ~119 PreCharge rounds, the car ends with SessionStop', () => {
    const a = analyzeCapture(load('2024-04-20_ModelY_pyPLC_stop_in_precharge.pcapng'));
    const s = a.sessions[0]!;
    expect(s.messageCounts.PreChargeReq).toBeGreaterThanOrEqual(115);
    expect(s.messageCounts.SessionStopReq).toBe(1);
    expect(s.stopReason).toMatch(/SessionStop/);
    expect(s.preChargeDuration).toBeGreaterThan(5);
  });

  it('checkpoints: SDP 200/202, SYN 301/302, the message steps, 800/805 for PowerDelivery(stop)', () => {
    const a = analyzeCapture(load('DIN_DC_DS5366_Josev.pcapng'));
    const cps = a.events.flatMap((e) => ('checkpoint' in e && e.checkpoint !== undefined ? [e.checkpoint] : []));
    for (const c of [200, 202, 301, 302, 400, 402, 500, 505, 560, 565, 570, 575, 600, 605, 700, 705, 800, 805, 900, 905]) expect(cps, String(c)).toContain(c);
    expect(cps.indexOf(805)).toBeGreaterThan(cps.indexOf(605));
  });

  it('checkpoint 790: EVSE_Shutdown in CurrentDemandRes (westparkAlpi, the charger stops)', () => {
    const a = analyzeCapture(load('2023-04-19_westparkAlpi_pyPlc_lightbulb_1fail_1ok.pcapng'));
    const stop = a.events.filter((e) => e.kind === 'v2g' && e.checkpoint === 790);
    expect(stop.length).toBeGreaterThan(0);
    expect(stop.every((e) => e.kind === 'v2g' && e.name === 'CurrentDemandRes')).toBe(true);
  });

  it('value series CSV has one row per message carrying values, multipliers applied', () => {
    const a = analyzeCapture(load('2023-04-19_westparkAlpi_pyPlc_lightbulb_1fail_1ok.pcapng'));
    const csv = valuesToCsv(a.values).trim().split('\n');
    expect(csv[0]).toBe('time,relative_s,frame,connection,message,EVSEPresentVoltage,EVSEPresentCurrent,EVTargetVoltage,EVTargetCurrent,SOC');
    const cd = csv.find((l) => l.includes(',CurrentDemandRes,'))!.split(',');
    expect(Number(cd[5])).toBeGreaterThan(100); // volts, not 1/100 V
    expect(csv.length).toBeGreaterThan(3000);
  });

  it('vendor table: longest prefix wins, unknown gives undefined', () => {
    expect(guessChargerVendor('dc:44:27:1f:d9:00')).toBe('Tesla');
    expect(guessChargerVendor('ec:a2:00:00:00:01')).toBe('Kempower');
    expect(guessChargerVendor('02:00:00:00:00:01')).toBeUndefined();
  });
});

describe.skipIf(!needCaptures())('capture analysis: bad input never throws', () => {
  // What "events and typed errors" means, checked on every damaged copy: a truncated copy gives exactly the
  // clean file's V2G messages of the records it still holds (nothing invented, nothing lost before the cut),
  // and a typed capture error when the cut is inside a record; a bit-flipped copy gives events whose frames
  // are records of the copy and errors that carry a code and a layer. Analysing either never throws.
  const v2gByFrame = (events: readonly { kind: string; frame: number; name?: string }[], upTo: number): string[] =>
    events.filter((e) => e.kind === 'v2g' && e.frame <= upTo).map((e) => `${e.frame} ${e.name ?? ''}`);
  it('truncated and bit-flipped captures give events and typed errors, never exceptions', async () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const files = captureFiles().filter((p) => /DIN_DC|Ioniq93|vw-ac|ModelY/.test(p));
    expect(files.length).toBeGreaterThanOrEqual(4);
    let truncationsWithError = 0;
    for (const f of files) {
      const clean = new Uint8Array(readFileSync(f));
      const whole = analyzeCapture(clean);
      expect(whole.captureError, f).toBeUndefined();
      for (let round = 0; round < 6; round++) {
        const cut = clean.slice(0, clean.length - 1 - rnd(clean.length / 2));
        const t = analyzeCapture(cut);
        expect(t.records, f).toBeLessThanOrEqual(whole.records);
        expect(v2gByFrame(t.events, t.records), `${f} cut at ${cut.length}`).toEqual(v2gByFrame(whole.events, t.records));
        if (t.captureError) {
          truncationsWithError++;
          expect(t.captureError.code, f).toMatch(/^[A-Z_]+$/);
        }
        const b = cut.slice();
        for (let i = 0; i < 200; i++) {
          const at = rnd(b.length);
          b[at] = (b[at] as number) ^ (1 << rnd(8));
        }
        const a = analyzeCapture(b);
        for (const e of a.events) {
          if (e.frame !== 0) expect(e.frame, f).toBeLessThanOrEqual(a.records);
          if (e.kind === 'error') {
            expect(e.error.code, f).toMatch(/^[A-Z_]+$/);
            expect(['net', 'sdp', 'v2gtp', 'homeplug']).toContain(e.layer);
          }
        }
        if (a.captureError) expect(a.captureError.code, f).toMatch(/^[A-Z_]+$/);
        // The loop hands the worker's event loop back between copies (a few seconds of CPU in all).
        await new Promise((r) => setImmediate(r));
      }
    }
    // A cut one byte or more short of the end lands inside a record almost always: the reader says so.
    expect(truncationsWithError).toBeGreaterThan(0);
  });
});
