// One message of every modelled type, built with the builders (shared by round-trip, tshark and bench tests).
import { fromHex } from '../../src/bytes.js';
import * as hp from '../../src/codecs/homeplug/index.js';
import type { KnownMme } from '../../src/codecs/homeplug/index.js';

export const EV_MAC = fromHex('00:e0:4c:68:00:1d') as Uint8Array;
export const EVSE_MAC = fromHex('88:fc:a6:1c:7c:88') as Uint8Array;
export const RUN_ID = fromHex('7aa77bee973fe92b') as Uint8Array;
export const NMK = fromHex('ee7b8f0c57c2508f8ddc83fd9232e297') as Uint8Array;
export const NID = fromHex('0394bbf59bb80b') as Uint8Array;

const aag = Array.from({ length: hp.NUM_GROUPS }, (_, i) => 10 + (i % 13));

export function oneOfEach(): KnownMme[] {
  const ev = { src: EV_MAC, dst: EVSE_MAC };
  const evse = { src: EVSE_MAC, dst: EV_MAC };
  return [
    hp.cmSlacParmReq({ src: EV_MAC, runId: RUN_ID }),
    hp.cmSlacParmCnf({ ...evse, forwardingSta: EV_MAC, runId: RUN_ID }),
    hp.cmStartAttenCharInd({ src: EV_MAC, forwardingSta: EV_MAC, runId: RUN_ID }),
    hp.cmMnbcSoundInd({ src: EV_MAC, runId: RUN_ID, cnt: 9, rnd: fromHex('0000000000000000000000000000ff01') as Uint8Array }),
    hp.cmAttenProfileInd({ src: EVSE_MAC, dst: EVSE_MAC, pevMac: EV_MAC, aag }),
    hp.cmAttenCharInd({ ...evse, sourceAddress: EV_MAC, runId: RUN_ID, aag }),
    hp.cmAttenCharRsp({ ...ev, sourceAddress: EV_MAC, runId: RUN_ID }),
    hp.cmValidateReq({ ...ev }),
    hp.cmValidateCnf({ ...evse }),
    hp.cmSlacMatchReq({ ...ev, pevMac: EV_MAC, evseMac: EVSE_MAC, runId: RUN_ID }),
    hp.cmSlacMatchCnf({ ...evse, pevMac: EV_MAC, evseMac: EVSE_MAC, runId: RUN_ID, nid: NID, nmk: NMK }),
    hp.cmSetKeyReq({ src: EV_MAC, nid: NID, newKey: NMK }),
    hp.cmSetKeyCnf({ src: hp.QCA_LOCAL_MAC, dst: EV_MAC, result: 1, myNonce: 0x3b763fda }),
    hp.cmGetKeyReq({ src: EV_MAC, nid: NID }),
    hp.cmGetKeyCnf({ src: EVSE_MAC, dst: EV_MAC, nid: NID, key: NMK, yourNonce: 0xaaaaaaaa }),
    hp.cmAmpMapReq({ ...ev, amplitudes: [1, 2, 3, 15, 0, 7, 9] }),
    hp.cmAmpMapCnf({ ...evse }),
    hp.vsSwVerReq({ src: EV_MAC }),
    hp.vsSwVerCnf({ src: EVSE_MAC, dst: EV_MAC, version: 'MAC-QCA7000-1.1.0.730-04-20140815-CS' }),
    hp.vsRsDevReq({ src: EV_MAC }),
    hp.vsRsDevCnf({ src: hp.QCA_LOCAL_MAC, dst: EV_MAC }),
    hp.vsPlLinkStatusReq({ src: EV_MAC }),
    hp.vsPlLinkStatusCnf({ src: hp.QCA_LOCAL_MAC, dst: EV_MAC, linkStatus: 1 }),
    hp.vsNwInfoReq({ src: EV_MAC }),
    hp.vsNwInfoCnf({
      src: hp.QCA_LOCAL_MAC,
      dst: EV_MAC,
      networks: [
        {
          nid: NID,
          snid: 10,
          tei: 2,
          role: 0,
          ccoMac: EVSE_MAC,
          ccoTei: 1,
          stations: [{ mac: EVSE_MAC, tei: 1, bridgedMac: fromHex('000000000000') as Uint8Array, avgPhyRateTx: 9, avgPhyRateRx: 8 }],
        },
      ],
    }),
    hp.vsNwInfoCnf1({
      src: hp.QCA_LOCAL_MAC,
      dst: EV_MAC,
      networks: [
        {
          nid: NID,
          reserved: new Uint8Array(2),
          snid: 4,
          tei: 4,
          reserved1: new Uint8Array(4),
          role: 0,
          ccoMac: EVSE_MAC,
          ccoTei: 1,
          reserved2: new Uint8Array(3),
        },
      ],
      stations: [
        {
          mac: EVSE_MAC,
          tei: 1,
          reserved: new Uint8Array(3),
          bridgedMac: fromHex('5410eca1f3e2') as Uint8Array,
          avgPhyRateTx: 9,
          coupling: 0,
          reserved1: new Uint8Array(2),
          avgPhyRateRx: 9,
          reserved2: new Uint8Array(3),
        },
      ],
    }),
  ];
}
