// One-line human summaries and JSON-friendly views of MMEs (used by `tsplc decode`, logs, listen mode).
import { formatMac, toHex } from '../../bytes.js';
import { displayName, swVersionText } from './codec.js';
import type { Mme } from './types.js';

/** The key fields of a message, one line, e.g. `runId=… numSounds=10`. */
export function mmeKeyFields(m: Mme): string {
  const h = (b: Uint8Array): string => toHex(b);
  switch (m.type) {
    case 'CM_SLAC_PARM.REQ':
      return `app=${m.applicationType} sec=${m.securityType} runId=${h(m.runId)}`;
    case 'CM_SLAC_PARM.CNF':
      return `numSounds=${m.numSounds} timeOut=${m.timeOut * 100}ms respType=${m.respType} forwardingSta=${formatMac(m.forwardingSta)} runId=${h(m.runId)}`;
    case 'CM_START_ATTEN_CHAR.IND':
      return `numSounds=${m.numSounds} timeOut=${m.timeOut * 100}ms forwardingSta=${formatMac(m.forwardingSta)} runId=${h(m.runId)}`;
    case 'CM_MNBC_SOUND.IND':
      return `cnt=${m.cnt} runId=${h(m.runId)}`;
    case 'CM_ATTEN_PROFILE.IND':
      return `pevMac=${formatMac(m.pevMac)} groups=${m.aag.length} avg=${average(m.aag)}dB`;
    case 'CM_ATTEN_CHAR.IND':
      return `sourceAddress=${formatMac(m.sourceAddress)} numSounds=${m.numSounds} groups=${m.aag.length} avg=${average(m.aag)}dB runId=${h(m.runId)}`;
    case 'CM_ATTEN_CHAR.RSP':
      return `sourceAddress=${formatMac(m.sourceAddress)} result=${m.result} runId=${h(m.runId)}`;
    case 'CM_VALIDATE.REQ':
      return `signalType=${m.signalType} timer=${m.timer} result=${m.result}`;
    case 'CM_VALIDATE.CNF':
      return `signalType=${m.signalType} toggleNum=${m.toggleNum} result=${m.result}`;
    case 'CM_SLAC_MATCH.REQ':
      return `pevMac=${formatMac(m.pevMac)} evseMac=${formatMac(m.evseMac)} runId=${h(m.runId)}`;
    case 'CM_SLAC_MATCH.CNF':
      return `pevMac=${formatMac(m.pevMac)} evseMac=${formatMac(m.evseMac)} runId=${h(m.runId)} nid=${h(m.nid)} nmk=${h(m.nmk)}`;
    case 'CM_SET_KEY.REQ':
      return `keyType=${m.keyType} nid=${h(m.nid)} newKey=${h(m.newKey)} myNonce=0x${m.myNonce.toString(16)}`;
    case 'CM_SET_KEY.CNF':
      return `result=${m.result} myNonce=0x${m.myNonce.toString(16)}`;
    case 'CM_GET_KEY.REQ':
      return `requestType=${m.requestType} keyType=${m.requestedKeyType} nid=${h(m.nid)}`;
    case 'CM_GET_KEY.CNF':
      return `result=${m.result} keyType=${m.requestedKeyType} nid=${h(m.nid)} key=${h(m.key)}`;
    case 'CM_AMP_MAP.REQ':
      return `amlen=${m.amplitudes.length}`;
    case 'CM_AMP_MAP.CNF':
      return `resType=${m.resType}`;
    case 'VS_SW_VER.CNF':
      return `mstatus=${m.mstatus} deviceId=0x${m.deviceId.toString(16)} version="${swVersionText(m)}"`;
    case 'VS_RS_DEV.CNF':
      return `mstatus=${m.mstatus}`;
    case 'VS_PL_LINK_STATUS.CNF':
      return `mstatus=${m.mstatus} linkStatus=${m.linkStatus}`;
    case 'VS_NW_INFO.CNF':
      if (m.mmv === 1) {
        const nets = m.networks.map((n) => `nid=${h(n.nid)} role=${n.role} cco=${formatMac(n.ccoMac)}`).join('; ') || 'no network';
        return `${nets} stations=${m.stations.map((s) => `${formatMac(s.mac)}(tx ${s.avgPhyRateTx}/rx ${s.avgPhyRateRx} Mbit/s)`).join(',') || 'none'}`;
      }
      return m.networks.map((n) => `nid=${h(n.nid)} role=${n.role} cco=${formatMac(n.ccoMac)} stations=${n.stations.length}`).join('; ') || 'no network';
    case 'unknown':
      return `mmtype=0x${m.mmtype.toString(16).padStart(4, '0')} mmv=${m.mmv}${m.oui !== undefined ? ` oui=${m.oui.toString(16).padStart(6, '0')}` : ''} payload=${m.payload.length}B`;
    default:
      return '';
  }
}

function average(list: readonly number[]): string {
  if (list.length === 0) return '-';
  let s = 0;
  for (const v of list) s += v;
  return (s / list.length).toFixed(1);
}

/** JSON-safe view: byte arrays become hex strings (MACs as aa:bb:…), everything else unchanged. */
export function mmeToJson(m: Mme): Record<string, unknown> {
  const out: Record<string, unknown> = { name: displayName(m) };
  for (const [k, v] of Object.entries(m)) out[k] = jsonValue(k, v);
  return out;
}

const MAC_KEYS = new Set(['dst', 'src', 'msoundTarget', 'forwardingSta', 'pevMac', 'evseMac', 'sourceAddress', 'ccoMac', 'mac', 'bridgedMac']);

function jsonValue(key: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return MAC_KEYS.has(key) && v.length === 6 ? formatMac(v) : toHex(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? objectJson(x as Record<string, unknown>) : x));
  return v;
}

function objectJson(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = jsonValue(k, v);
  return out;
}
