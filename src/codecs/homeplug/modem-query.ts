// Questions to the own Green PHY modem (`tsplc modem`): which request to send,
// which confirmation answers it, and what that confirmation says. Pure: the
// CLI sends and receives; this module builds frames and reads them.
//
// The MMEs are those pyPLC and open-plc-utils use for the same purposes:
//   info    VS_SW_VER.REQ/CNF   (plctool -r: firmware version, device id)
//   key     CM_GET_KEY.REQ/CNF  (pyPLC's "get key" to see which NID the modem is in). A QCA
//           modem answers a request naming another NID with result 1, its own NID and a zeroed
//           key; one naming its NID with result 0 and the NMK (pyPLC's ABB capture, frames
//           124/125 and 146/147). Other AVLN members answer a broadcast with result 1 and zeros
//           (WP4 capture, frames 21–23). So: ask once for the NID, once more with it for the NMK.
//   set-key CM_SET_KEY.REQ/CNF  (pyPLC/ccs32clara's SET_KEY; QCA modems confirm with result 1)
//   status  VS_NW_INFO.REQ/CNF + VS_PL_LINK_STATUS.REQ/CNF (plctool -m, plclink)
//   reset   VS_RS_DEV.REQ/CNF   (plctool -R)
import { formatMac, toHex } from '../../bytes.js';
import { codecError, err, ok, type CodecError, type Result } from '../../result.js';
import { cmGetKeyReq, cmSetKeyReq, vsNwInfoReq, vsPlLinkStatusReq, vsRsDevReq, vsSwVerReq } from './builders.js';
import { decodeEnvelope, decodeMme, mmtypeOf, swVersionText } from './codec.js';
import { QCA_LOCAL_MAC } from './constants.js';
import { nidFromNmk } from './keys.js';
import type { KnownMme, Mme, MmeOf } from './types.js';

export type ModemQuery = 'info' | 'key' | 'set-key' | 'status' | 'link' | 'reset';

/** MDEVICEID of VS_SW_VER.CNF (open-plc-utils' chipset table, Wireshark's homeplug-av dissector). */
const DEVICE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x01, 'INT6000'],
  [0x02, 'INT6300'],
  [0x03, 'INT6400'],
  [0x04, 'AR7400'],
  [0x05, 'AR6405'],
  [0x20, 'QCA7420/QCA7450'],
  [0x21, 'QCA6410/QCA6411'],
  [0x22, 'QCA7000'],
]);

export function modemDeviceName(deviceId: number): string {
  return DEVICE_NAMES.get(deviceId) ?? `unknown device 0x${deviceId.toString(16).padStart(2, '0')}`;
}

/** VS_NW_INFO role codes (open-plc-utils NetInfo: STA, PCO, CCO). */
export function networkRoleName(role: number): string {
  return role === 0 ? 'station' : role === 1 ? 'proxy coordinator' : role === 2 ? 'central coordinator (CCo)' : `role ${role}`;
}

export interface ModemSetKey {
  readonly nmk: Uint8Array;
  /** Default: derived from the NMK (HomePlug AV §13.2.3, security level 0), as pyPLC and EVerest do. */
  readonly nid?: Uint8Array;
}

/**
 * The request for a query; `src` is the host MAC. All go to the QCA local address except info
 * (broadcast: every modem answers). `keyNid`: the NID a key request names (default zeros).
 */
export function modemRequest(query: ModemQuery, src: Uint8Array, setKey?: ModemSetKey, keyNid?: Uint8Array): Mme {
  switch (query) {
    case 'info':
      return vsSwVerReq({ src });
    case 'key':
      // To the own modem only: a broadcast would also be answered by every AVLN member.
      return cmGetKeyReq({ src, dst: QCA_LOCAL_MAC, nid: keyNid ?? new Uint8Array(7) });
    case 'set-key': {
      if (!setKey) throw new RangeError('set-key needs an NMK');
      return cmSetKeyReq({ src, newKey: setKey.nmk, nid: setKey.nid ?? nidFromNmk(setKey.nmk) });
    }
    case 'status':
      return vsNwInfoReq({ src });
    case 'link':
      return vsPlLinkStatusReq({ src });
    case 'reset':
      return vsRsDevReq({ src });
  }
}

export const CONFIRMATION_OF: Readonly<Record<ModemQuery, KnownMme['type']>> = {
  info: 'VS_SW_VER.CNF',
  key: 'CM_GET_KEY.CNF',
  'set-key': 'CM_SET_KEY.CNF',
  status: 'VS_NW_INFO.CNF',
  link: 'VS_PL_LINK_STATUS.CNF',
  reset: 'VS_RS_DEV.CNF',
};

export interface ModemInfoAnswer {
  readonly kind: 'info';
  readonly modem: string;
  readonly deviceId: number;
  readonly device: string;
  readonly firmware: string;
  readonly upgradeable: number;
}

export interface ModemKeyAnswer {
  readonly kind: 'key';
  readonly modem: string;
  readonly nid: string;
  /** The NMK (hex) when the modem granted it (result 0); undefined when it withheld it (result 1: the request named another NID). */
  readonly nmk: string | undefined;
}

export interface ModemSetKeyAnswer {
  readonly kind: 'set-key';
  readonly modem: string;
  readonly result: number;
}

export interface ModemStation {
  readonly mac: string;
  readonly tei: number;
  readonly bridgedMac: string;
  /** Average PHY rates in Mbit/s. */
  readonly txRate: number;
  readonly rxRate: number;
}

export interface ModemNetwork {
  readonly nid: string;
  readonly snid: number;
  readonly tei: number;
  readonly role: string;
  readonly ccoMac: string;
  readonly ccoTei: number;
}

export interface ModemStatusAnswer {
  readonly kind: 'status';
  readonly modem: string;
  readonly networks: readonly ModemNetwork[];
  readonly stations: readonly ModemStation[];
}

export interface ModemLinkAnswer {
  readonly kind: 'link';
  readonly modem: string;
  readonly linkUp: boolean;
}

export interface ModemResetAnswer {
  readonly kind: 'reset';
  readonly modem: string;
}

export type ModemAnswer = ModemInfoAnswer | ModemKeyAnswer | ModemSetKeyAnswer | ModemStatusAnswer | ModemLinkAnswer | ModemResetAnswer;

/**
 * Reads a received frame as the answer to `query`. Returns ok(undefined) for
 * frames that are not that confirmation (other traffic on the interface), a
 * typed error for a confirmation that is malformed or says the modem refused.
 */
export function readModemAnswer(query: ModemQuery, frame: Uint8Array): Result<ModemAnswer | undefined, CodecError> {
  const want = CONFIRMATION_OF[query];
  const r = decodeMme(frame);
  if (!r.ok) {
    // Only a frame of the awaited MMTYPE is our business; anything else undecodable is someone else's traffic.
    const env = decodeEnvelope(frame);
    if (!env.ok || env.value.mmtype !== mmtypeOf(want)) return ok(undefined);
    return err(codecError('MALFORMED_CONFIRMATION', `${want} from ${formatMac(frame.subarray(6, 12))} is malformed: ${r.error.code} ${r.error.message}`, { ...(r.error.offset !== undefined ? { offset: r.error.offset } : {}) }));
  }
  const m = r.value;
  if (m.type !== want) return ok(undefined);
  const modem = formatMac(m.src);
  switch (m.type) {
    case 'VS_SW_VER.CNF':
      if (m.mstatus !== 0) return err(codecError('MODEM_REFUSED', `VS_SW_VER.CNF from ${modem}: MSTATUS 0x${m.mstatus.toString(16)} (not success)`));
      if (m.versionLength < 1 || m.versionLength > m.versionBytes.length) {
        return err(codecError('MALFORMED_CONFIRMATION', `VS_SW_VER.CNF from ${modem}: MVERLENGTH ${m.versionLength} outside 1..${m.versionBytes.length}`, { offset: 21 }));
      }
      return ok({ kind: 'info', modem, deviceId: m.deviceId, device: modemDeviceName(m.deviceId), firmware: swVersionText(m), upgradeable: m.upgradeable });
    case 'CM_GET_KEY.CNF':
      if (m.result !== 0 && m.result !== 1) return err(codecError('MODEM_REFUSED', `CM_GET_KEY.CNF from ${modem}: result ${m.result} (not 0 granted / 1 withheld)`));
      return ok({ kind: 'key', modem, nid: toHex(m.nid), nmk: m.result === 0 ? toHex(m.key) : undefined });
    case 'CM_SET_KEY.CNF':
      // ISO 15118-3 / HomePlug: 0 = success; QCA firmware answers 1 when it took the key (ccs32clara, pyPLC captures).
      if (m.result !== 0 && m.result !== 1) return err(codecError('MODEM_REFUSED', `CM_SET_KEY.CNF from ${modem}: result ${m.result} (key refused)`));
      return ok({ kind: 'set-key', modem, result: m.result });
    case 'VS_NW_INFO.CNF':
      return ok(statusOf(modem, m));
    case 'VS_PL_LINK_STATUS.CNF':
      if (m.mstatus !== 0) return err(codecError('MODEM_REFUSED', `VS_PL_LINK_STATUS.CNF from ${modem}: MSTATUS 0x${m.mstatus.toString(16)}`));
      return ok({ kind: 'link', modem, linkUp: m.linkStatus === 1 });
    case 'VS_RS_DEV.CNF':
      if (m.mstatus !== 0) return err(codecError('MODEM_REFUSED', `VS_RS_DEV.CNF from ${modem}: MSTATUS 0x${m.mstatus.toString(16)} (reset refused)`));
      return ok({ kind: 'reset', modem });
    default:
      return ok(undefined);
  }
}

function statusOf(modem: string, m: MmeOf<'VS_NW_INFO.CNF'>): ModemStatusAnswer {
  const network = (n: { nid: Uint8Array; snid: number; tei: number; role: number; ccoMac: Uint8Array; ccoTei: number }): ModemNetwork => ({
    nid: toHex(n.nid),
    snid: n.snid,
    tei: n.tei,
    role: networkRoleName(n.role),
    ccoMac: formatMac(n.ccoMac),
    ccoTei: n.ccoTei,
  });
  const station = (s: { mac: Uint8Array; tei: number; bridgedMac: Uint8Array; avgPhyRateTx: number; avgPhyRateRx: number }): ModemStation => ({
    mac: formatMac(s.mac),
    tei: s.tei,
    bridgedMac: formatMac(s.bridgedMac),
    txRate: s.avgPhyRateTx,
    rxRate: s.avgPhyRateRx,
  });
  if (m.mmv === 0) return { kind: 'status', modem, networks: m.networks.map(network), stations: m.networks.flatMap((n) => n.stations.map(station)) };
  return { kind: 'status', modem, networks: m.networks.map(network), stations: m.stations.map(station) };
}

/** One or more lines for a human. */
export function formatModemAnswer(a: ModemAnswer): string[] {
  switch (a.kind) {
    case 'info':
      return [`modem ${a.modem}: ${a.device} (device id 0x${a.deviceId.toString(16).padStart(2, '0')}), firmware ${a.firmware}`];
    case 'key':
      return [`modem ${a.modem}: NID ${a.nid}`, a.nmk ? `  NMK ${a.nmk}` : '  NMK withheld (CM_GET_KEY.CNF result 1)'];
    case 'set-key':
      return [`modem ${a.modem}: key accepted (CM_SET_KEY.CNF result ${a.result}); the modem restarts and joins the new network (~5 s on QCA7000)`];
    case 'status': {
      if (a.networks.length === 0) return [`modem ${a.modem}: in no network (no other station with the same NMK on the line)`];
      const out: string[] = [];
      for (const n of a.networks) out.push(`modem ${a.modem}: NID ${n.nid} SNID ${n.snid} TEI ${n.tei}, ${n.role}, CCo ${n.ccoMac} (TEI ${n.ccoTei})`);
      if (a.stations.length === 0) out.push('  no peer station');
      for (const s of a.stations) out.push(`  peer ${s.mac} TEI ${s.tei} bridging ${s.bridgedMac}: tx ${s.txRate} Mbit/s, rx ${s.rxRate} Mbit/s`);
      return out;
    }
    case 'link':
      return [`modem ${a.modem}: powerline link ${a.linkUp ? 'up' : 'down'}`];
    case 'reset':
      return [`modem ${a.modem}: reset accepted (VS_RS_DEV.CNF); it restarts now`];
  }
}
