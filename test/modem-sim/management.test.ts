// The management questions `tsplc modem` asks, answered by the emulator in one
// process (virtual time): VS_NW_INFO in both layouts, CM_GET_KEY's two answers.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import * as hp from '../../src/codecs/homeplug/index.js';
import { Desk } from './desk.js';

const EV = new Uint8Array([0x02, 0xee, 0x00, 0x00, 0x00, 0x01]);
const EVSE = new Uint8Array([0x02, 0xee, 0x00, 0x00, 0x00, 0x02]);
const NMK = new Uint8Array(16).fill(7);

function ask(desk: Desk, host: string, msg: hp.Mme, query: hp.ModemQuery): hp.ModemAnswer[] {
  const h = desk.hosts.get(host);
  if (!h) throw new Error(host);
  const from = h.received.length;
  h.port.send(hp.encodeMme(msg));
  desk.run(20);
  return h.received.slice(from).flatMap((f) => {
    const r = hp.readModemAnswer(query, f.data);
    if (!r.ok) throw new Error(r.error.message);
    return r.value ? [r.value] : [];
  });
}

function joined(): Desk {
  const desk = new Desk();
  desk.host('ev', EV, { restartDelayMs: 100, phyRateMbps: 8 });
  desk.host('evse', EVSE, { restartDelayMs: 100 });
  for (const [name, mac] of [['ev', EV], ['evse', EVSE]] as const) expect(ask(desk, name, hp.modemRequest('set-key', mac, { nmk: NMK }), 'set-key')).toHaveLength(1);
  desk.run(200);
  return desk;
}

describe('modem-sim answers the questions of tsplc modem', () => {
  it('VS_NW_INFO before a common key: in no network, link down', () => {
    const desk = new Desk();
    desk.host('ev', EV);
    desk.host('evse', EVSE);
    expect(ask(desk, 'ev', hp.modemRequest('status', EV), 'status')).toEqual([expect.objectContaining({ networks: [], stations: [] })]);
    expect(ask(desk, 'ev', hp.modemRequest('link', EV), 'link')).toEqual([expect.objectContaining({ linkUp: false })]);
  });

  it('VS_NW_INFO MMV 0 and MMV 1 after both took the NMK: the AVLN, its CCo and the peer bridging the other host', () => {
    const desk = joined();
    const nid = toHex(hp.nidFromNmk(NMK));
    const evModem = desk.sim.station('ev')?.modemMac as Uint8Array;
    const evseModem = desk.sim.station('evse')?.modemMac as Uint8Array;
    for (const mmv of [0, 1] as const) {
      const req = { ...hp.vsNwInfoReq({ src: EV }), mmv, ...(mmv === 1 ? { fmi: 0 } : {}) };
      const [a] = ask(desk, 'ev', req, 'status');
      expect(a, `mmv ${mmv}`).toMatchObject({
        kind: 'status',
        modem: toHex(evModem, ':'),
        // The ev station was attached first: its modem is the CCo.
        networks: [{ nid, role: 'central coordinator (CCo)', ccoMac: toHex(evModem, ':') }],
        stations: [{ mac: toHex(evseModem, ':'), bridgedMac: toHex(EVSE, ':'), txRate: 8, rxRate: 9 }],
      });
    }
    const [fromEvse] = ask(desk, 'evse', hp.modemRequest('status', EVSE), 'status');
    expect(fromEvse).toMatchObject({ networks: [{ nid, role: 'station' }], stations: [{ bridgedMac: toHex(EV, ':') }] });
  });

  it('CM_GET_KEY: result 1 with the NID to a request naming another NID, result 0 with the NMK to one naming it', () => {
    const desk = joined();
    const nid = hp.nidFromNmk(NMK);
    expect(ask(desk, 'ev', hp.modemRequest('key', EV), 'key')).toEqual([expect.objectContaining({ nid: toHex(nid), nmk: undefined })]);
    expect(ask(desk, 'ev', hp.modemRequest('key', EV, undefined, nid), 'key')).toEqual([expect.objectContaining({ nid: toHex(nid), nmk: toHex(NMK) })]);
    // Broadcast: the AVLN member answers too, but never with the key.
    const all = ask(desk, 'ev', hp.cmGetKeyReq({ src: EV, nid }), 'key');
    expect(all).toHaveLength(2);
    expect(all.filter((a) => a.kind === 'key' && a.nmk !== undefined)).toHaveLength(1);
  });
});
