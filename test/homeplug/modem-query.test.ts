// The modem questions of `tsplc modem` (src/codecs/homeplug/modem-query.ts) on real
// confirmations from ../shared/captures and on hand-made bad ones.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/codecs/capture/index.js';
import { fromHex, toHex } from '../../src/bytes.js';
import * as hp from '../../src/codecs/homeplug/index.js';
import { needCaptures } from '../env.js';
import { capturesDir } from '../shared.js';

const ABB = '2022-11-25_v0.2_ABB_until_ChargeParamDiscovery.pcapng';
const MODEL_Y = '2024-04-20_ModelY_pyPLC_stop_in_precharge.pcapng';
const WP4 = '2022-10-26_WP4_networkEstablishedButHiddenCommunication.pcapng';

function frame(file: string, index: number): Uint8Array {
  for (const r of readCapture(readFileSync(join(capturesDir, file)))) if (r.ok && r.value.index === index) return r.value.data;
  throw new Error(`${file}: no frame ${index}`);
}

const HOST = fromHex('dc0ea1116708') as Uint8Array;
const MODEM = fromHex('9848275a3ce6') as Uint8Array;

describe.skipIf(!needCaptures())('modem confirmations from pyPLC captures', () => {
  it('VS_SW_VER.CNF (ABB frame 3): QCA7420 firmware 1.4 string and device', () => {
    const r = hp.readModemAnswer('info', frame(ABB, 3));
    expect(r).toEqual({ ok: true, value: { kind: 'info', modem: '98:48:27:5a:3c:e6', deviceId: 0x20, device: 'QCA7420/QCA7450', firmware: 'MAC-QCA7420-1.4.0.20-00-20171027-CS', upgradeable: 0 } });
  });

  it('VS_NW_INFO.CNF MMV 1 (Model Y frame 9): one network, the modem is CCo, no peer yet', () => {
    const r = hp.readModemAnswer('status', frame(MODEL_Y, 9));
    expect(r.ok && r.value).toMatchObject({ kind: 'status', networks: [{ nid: '01020304050607', snid: 8, tei: 1, role: 'central coordinator (CCo)' }], stations: [] });
  });

  it('CM_GET_KEY.CNF: result 1 with the modem NID when asked for another NID, result 0 with the NMK when asked for its own (ABB 125, 147)', () => {
    expect(hp.readModemAnswer('key', frame(ABB, 125))).toEqual({ ok: true, value: { kind: 'key', modem: '98:48:27:5a:3c:e6', nid: 'd5925cb82e6808', nmk: undefined } });
    expect(hp.readModemAnswer('key', frame(ABB, 147))).toEqual({ ok: true, value: { kind: 'key', modem: '98:48:27:5a:3c:e6', nid: 'd5925cb82e6808', nmk: '502f3667788157cab98f9d18274735cd' } });
    // A remote AVLN member withholds the key (WP4 frame 22).
    const remote = hp.readModemAnswer('key', frame(WP4, 22));
    expect(remote.ok && remote.value).toMatchObject({ kind: 'key', nmk: undefined });
  });

  it('CM_SET_KEY.CNF result 1 (ABB frame 155) is QCA for "accepted"', () => {
    expect(hp.readModemAnswer('set-key', frame(ABB, 155))).toEqual({ ok: true, value: { kind: 'set-key', modem: '98:48:27:5a:3c:e6', result: 1 } });
  });

  it('a frame of another type is not an answer (the REQ itself, ABB frame 1)', () => {
    expect(hp.readModemAnswer('info', frame(ABB, 1))).toEqual({ ok: true, value: undefined });
    expect(hp.readModemAnswer('status', frame(ABB, 3))).toEqual({ ok: true, value: undefined });
  });
});

describe('modem requests and bad confirmations', () => {
  it('requests: info broadcast, the others to the QCA local address; set-key derives the NID from the NMK', () => {
    const nmk = fromHex('00112233445566778899aabbccddeeff') as Uint8Array;
    const info = hp.modemRequest('info', HOST);
    expect(toHex(info.dst)).toBe('ffffffffffff');
    for (const q of ['key', 'status', 'link', 'reset'] as const) expect(toHex(hp.modemRequest(q, HOST).dst)).toBe('00b052000001');
    const sk = hp.modemRequest('set-key', HOST, { nmk });
    expect(sk).toMatchObject({ type: 'CM_SET_KEY.REQ', keyType: 1, newEks: 1, pid: 4 });
    if (sk.type !== 'CM_SET_KEY.REQ') throw new Error('type');
    expect(toHex(sk.nid)).toBe(toHex(hp.nidFromNmk(nmk)));
    expect(toHex(sk.newKey)).toBe(toHex(nmk));
    // The encoded VS_SW_VER.REQ: dst, src, 88e1, MMV 0, MMTYPE a000 (LE), OUI 00b052, padded to 60.
    const bytes = hp.encodeMme(info);
    expect(toHex(bytes.subarray(0, 20))).toBe('ffffffffffff' + 'dc0ea1116708' + '88e1' + '00' + '00a0' + '00b052');
    expect(bytes.length).toBe(60);
  });

  it('a truncated VS_SW_VER.CNF is MALFORMED_CONFIRMATION with an offset, not a crash', () => {
    const full = hp.encodeMme(hp.vsSwVerCnf({ src: MODEM, dst: HOST, version: 'X' }));
    const r = hp.readModemAnswer('info', full.subarray(0, 24));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('MALFORMED_CONFIRMATION');
    expect(r.error.offset).toBeTypeOf('number');
  });

  it('MVERLENGTH beyond the 64-byte buffer is malformed', () => {
    const r = hp.readModemAnswer('info', hp.encodeMme({ ...hp.vsSwVerCnf({ src: MODEM, dst: HOST, version: 'X' }), versionLength: 200 }));
    expect(!r.ok && r.error.code).toBe('MALFORMED_CONFIRMATION');
  });

  it('refusals are MODEM_REFUSED naming the result: MSTATUS ≠ 0, SET_KEY result 2, GET_KEY result 3', () => {
    const cases: [hp.ModemQuery, hp.Mme][] = [
      ['info', { ...hp.vsSwVerCnf({ src: MODEM, dst: HOST }), mstatus: 1 }],
      ['reset', hp.vsRsDevCnf({ src: MODEM, dst: HOST, mstatus: 1 })],
      ['link', hp.vsPlLinkStatusCnf({ src: MODEM, dst: HOST, linkStatus: 0, mstatus: 2 })],
      ['set-key', hp.cmSetKeyCnf({ src: MODEM, dst: HOST, result: 2 })],
      ['key', hp.cmGetKeyCnf({ src: MODEM, dst: HOST, nid: new Uint8Array(7), key: new Uint8Array(16), result: 3 })],
    ];
    for (const [q, m] of cases) {
      const r = hp.readModemAnswer(q, hp.encodeMme(m));
      expect(r.ok, q).toBe(false);
      if (!r.ok) expect(r.error.code, q).toBe('MODEM_REFUSED');
    }
  });

  it('status formats the network, the CCo and each peer with its rates', () => {
    const cnf = hp.vsNwInfoCnf({
      src: MODEM,
      dst: HOST,
      networks: [{ nid: fromHex('01020304050607') as Uint8Array, snid: 3, tei: 2, role: 0, ccoMac: MODEM, ccoTei: 1, stations: [{ mac: MODEM, tei: 1, bridgedMac: HOST, avgPhyRateTx: 9, avgPhyRateRx: 8 }] }],
    });
    const r = hp.readModemAnswer('status', hp.encodeMme(cnf));
    if (!r.ok || !r.value) throw new Error('no answer');
    expect(hp.formatModemAnswer(r.value)).toEqual([
      'modem 98:48:27:5a:3c:e6: NID 01020304050607 SNID 3 TEI 2, station, CCo 98:48:27:5a:3c:e6 (TEI 1)',
      '  peer 98:48:27:5a:3c:e6 TEI 1 bridging dc:0e:a1:11:67:08: tx 9 Mbit/s, rx 8 Mbit/s',
    ]);
  });
});
