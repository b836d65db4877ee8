// MME codec: Ethernet frame bytes ⇄ typed message. Pure and total: decodeMme never
// throws, it returns a CodecError carrying the byte offset where the frame went wrong.
//
// Envelope (HomePlug AV 1.1 §11.1; protocol-facts §1.1):
//   0 dst(6) · 6 src(6) · 12 EtherType 0x88E1 (or 0x8100 TCI(2) 0x88E1) · MMV(1) · MMTYPE(2, LE)
//   · FMI(2) when MMV ≥ 1 · OUI(3) when MMTYPE is manufacturer/vendor specific · payload · padding to 60.
// Each modelled MME is a field layout (table SPECS below) interpreted by one decoder and one encoder,
// so adding a message means adding a type in types.ts and a layout here.

import { type CodecError, type Result, codecError, err, ok } from '../../result.js';
import {
  ETHERTYPE_HOMEPLUG,
  ETHERTYPE_VLAN,
  MAX_MMV,
  MIN_FRAME_LENGTH,
  MMTYPE,
  OUI_QUALCOMM,
  hasOui,
  mmeName,
} from './constants.js';
import type { KnownMme, Mme, UnknownMme } from './types.js';

type Field =
  | { readonly name: string; readonly kind: 'u8' | 'u16le' | 'u32le' | 'mac' }
  | { readonly name: string; readonly kind: 'bytes'; readonly size: number }
  /** A length byte (or LE uint16) that is not a message field: it is the length of list `of`. */
  | { readonly name: string; readonly kind: 'count8' | 'count16'; readonly of: string }
  /** List of bytes / 4-bit entries (2 per byte, low nibble first) / latin1 text / records; length from its count field. */
  | { readonly name: string; readonly kind: 'u8list' | 'text' }
  /** 4-bit entries; with an odd count the unused high nibble of the last byte goes to field `spare` when non-zero. */
  | { readonly name: string; readonly kind: 'nibbles'; readonly spare: string }
  | { readonly name: string; readonly kind: 'records'; readonly fields: readonly Field[] };

interface Spec {
  readonly type: KnownMme['type'];
  readonly mmtype: number;
  /** Vendor-specific: modelled only for this OUI; other vendors' MMEs of the same MMTYPE decode as unknown. */
  readonly oui?: number;
  /** Modelled only for this MMV; other versions of the message decode as unknown. */
  readonly mmv?: number;
  readonly fields: readonly Field[];
}

const u8 = (name: string): Field => ({ name, kind: 'u8' });
const u16le = (name: string): Field => ({ name, kind: 'u16le' });
const u32le = (name: string): Field => ({ name, kind: 'u32le' });
const mac = (name: string): Field => ({ name, kind: 'mac' });
const bytes = (name: string, size: number): Field => ({ name, kind: 'bytes', size });

const APP_SEC = [u8('applicationType'), u8('securityType')];
const ATTEN_CHAR_HEAD = [...APP_SEC, mac('sourceAddress'), bytes('runId', 8), bytes('sourceId', 17), bytes('respId', 17)];
const SLAC_MATCH_HEAD = [
  ...APP_SEC,
  u16le('mvfLength'),
  bytes('pevId', 17),
  mac('pevMac'),
  bytes('evseId', 17),
  mac('evseMac'),
  bytes('runId', 8),
  bytes('reserved', 8),
];

// Layouts: ISO 15118-3 / HomePlug AV 1.1 as summarised in protocol-facts §1.3, checked against
// Wireshark's homeplug-av dissector and the frames in ../shared/captures.
const SPECS: readonly Spec[] = [
  { type: 'CM_SLAC_PARM.REQ', mmtype: MMTYPE.CM_SLAC_PARM_REQ, fields: [...APP_SEC, bytes('runId', 8)] },
  {
    type: 'CM_SLAC_PARM.CNF',
    mmtype: MMTYPE.CM_SLAC_PARM_CNF,
    fields: [mac('msoundTarget'), u8('numSounds'), u8('timeOut'), u8('respType'), mac('forwardingSta'), ...APP_SEC, bytes('runId', 8)],
  },
  {
    type: 'CM_START_ATTEN_CHAR.IND',
    mmtype: MMTYPE.CM_START_ATTEN_CHAR_IND,
    fields: [...APP_SEC, u8('numSounds'), u8('timeOut'), u8('respType'), mac('forwardingSta'), bytes('runId', 8)],
  },
  {
    type: 'CM_MNBC_SOUND.IND',
    mmtype: MMTYPE.CM_MNBC_SOUND_IND,
    fields: [...APP_SEC, bytes('senderId', 17), u8('cnt'), bytes('runId', 8), bytes('reserved', 8), bytes('rnd', 16)],
  },
  {
    type: 'CM_ATTEN_PROFILE.IND',
    mmtype: MMTYPE.CM_ATTEN_PROFILE_IND,
    fields: [mac('pevMac'), { name: 'numGroups', kind: 'count8', of: 'aag' }, u8('reserved'), { name: 'aag', kind: 'u8list' }],
  },
  {
    type: 'CM_ATTEN_CHAR.IND',
    mmtype: MMTYPE.CM_ATTEN_CHAR_IND,
    fields: [...ATTEN_CHAR_HEAD, u8('numSounds'), { name: 'numGroups', kind: 'count8', of: 'aag' }, { name: 'aag', kind: 'u8list' }],
  },
  { type: 'CM_ATTEN_CHAR.RSP', mmtype: MMTYPE.CM_ATTEN_CHAR_RSP, fields: [...ATTEN_CHAR_HEAD, u8('result')] },
  { type: 'CM_VALIDATE.REQ', mmtype: MMTYPE.CM_VALIDATE_REQ, fields: [u8('signalType'), u8('timer'), u8('result')] },
  { type: 'CM_VALIDATE.CNF', mmtype: MMTYPE.CM_VALIDATE_CNF, fields: [u8('signalType'), u8('toggleNum'), u8('result')] },
  { type: 'CM_SLAC_MATCH.REQ', mmtype: MMTYPE.CM_SLAC_MATCH_REQ, fields: SLAC_MATCH_HEAD },
  {
    type: 'CM_SLAC_MATCH.CNF',
    mmtype: MMTYPE.CM_SLAC_MATCH_CNF,
    fields: [...SLAC_MATCH_HEAD, bytes('nid', 7), u8('reserved2'), bytes('nmk', 16)],
  },
  {
    type: 'CM_SET_KEY.REQ',
    mmtype: MMTYPE.CM_SET_KEY_REQ,
    fields: [
      u8('keyType'),
      u32le('myNonce'),
      u32le('yourNonce'),
      u8('pid'),
      u16le('prn'),
      u8('pmn'),
      u8('ccoCapability'),
      bytes('nid', 7),
      u8('newEks'),
      bytes('newKey', 16),
    ],
  },
  {
    type: 'CM_SET_KEY.CNF',
    mmtype: MMTYPE.CM_SET_KEY_CNF,
    fields: [u8('result'), u32le('myNonce'), u32le('yourNonce'), u8('pid'), u16le('prn'), u8('pmn'), u8('ccoCapability')],
  },
  {
    type: 'CM_GET_KEY.REQ',
    mmtype: MMTYPE.CM_GET_KEY_REQ,
    fields: [u8('requestType'), u8('requestedKeyType'), bytes('nid', 7), u32le('myNonce'), u8('pid'), u16le('prn'), u8('pmn')],
  },
  {
    type: 'CM_GET_KEY.CNF',
    mmtype: MMTYPE.CM_GET_KEY_CNF,
    fields: [
      u8('result'),
      u8('requestedKeyType'),
      u32le('myNonce'),
      u32le('yourNonce'),
      bytes('nid', 7),
      u8('eks'),
      u8('pid'),
      u16le('prn'),
      u8('pmn'),
      bytes('key', 16),
    ],
  },
  {
    type: 'CM_AMP_MAP.REQ',
    mmtype: MMTYPE.CM_AMP_MAP_REQ,
    fields: [{ name: 'amlen', kind: 'count16', of: 'amplitudes' }, { name: 'amplitudes', kind: 'nibbles', spare: 'spareNibble' }],
  },
  { type: 'CM_AMP_MAP.CNF', mmtype: MMTYPE.CM_AMP_MAP_CNF, fields: [u8('resType')] },
  { type: 'VS_SW_VER.REQ', mmtype: MMTYPE.VS_SW_VER_REQ, oui: OUI_QUALCOMM, fields: [] },
  {
    type: 'VS_SW_VER.CNF',
    mmtype: MMTYPE.VS_SW_VER_CNF,
    oui: OUI_QUALCOMM,
    fields: [u8('mstatus'), u8('deviceId'), u8('versionLength'), bytes('versionBytes', 64), u8('upgradeable')],
  },
  { type: 'VS_RS_DEV.REQ', mmtype: MMTYPE.VS_RS_DEV_REQ, oui: OUI_QUALCOMM, fields: [] },
  { type: 'VS_RS_DEV.CNF', mmtype: MMTYPE.VS_RS_DEV_CNF, oui: OUI_QUALCOMM, fields: [u8('mstatus')] },
  { type: 'VS_PL_LINK_STATUS.REQ', mmtype: MMTYPE.VS_PL_LINK_STATUS_REQ, oui: OUI_QUALCOMM, fields: [] },
  { type: 'VS_PL_LINK_STATUS.CNF', mmtype: MMTYPE.VS_PL_LINK_STATUS_CNF, oui: OUI_QUALCOMM, fields: [u8('mstatus'), u8('linkStatus')] },
  { type: 'VS_NW_INFO.REQ', mmtype: MMTYPE.VS_NW_INFO_REQ, oui: OUI_QUALCOMM, fields: [] },
  {
    // open-plc-utils plc/PLCNetworkInfo.c, AV 1.0 (MMV 0) layout. The MMV 1 variant (newer firmware,
    // seen in the pyPLC ABB/Alpitronic captures) has extra reserved fields we have not verified: unknown.
    type: 'VS_NW_INFO.CNF',
    mmtype: MMTYPE.VS_NW_INFO_CNF,
    oui: OUI_QUALCOMM,
    mmv: 0,
    fields: [
      { name: 'numAvlns', kind: 'count8', of: 'networks' },
      {
        name: 'networks',
        kind: 'records',
        fields: [
          bytes('nid', 7),
          u8('snid'),
          u8('tei'),
          u8('role'),
          mac('ccoMac'),
          u8('ccoTei'),
          { name: 'numStas', kind: 'count8', of: 'stations' },
          {
            name: 'stations',
            kind: 'records',
            fields: [mac('mac'), u8('tei'), mac('bridgedMac'), u8('avgPhyRateTx'), u8('avgPhyRateRx')],
          },
        ],
      },
    ],
  },
  {
    // AV 1.1 (MMV 1) variant sent by QCA7420 firmware 1.4 (pyPLC ABB/Alpitronic captures); field split as
    // Wireshark dissects it. Unlike MMV 0 the station list follows all networks instead of nesting in each.
    // The 5 bytes before NUMAVLNS hold a little-endian length at +2 counting from +4 to the frame end
    // (0x02 with no network, 0x3A with one network and one station): kept as `dataLength`.
    type: 'VS_NW_INFO.CNF',
    mmtype: MMTYPE.VS_NW_INFO_CNF,
    oui: OUI_QUALCOMM,
    mmv: 1,
    fields: [
      u8('subVersion'),
      u8('reserved'),
      u16le('dataLength'),
      u8('reserved1'),
      { name: 'numAvlns', kind: 'count8', of: 'networks' },
      {
        name: 'networks',
        kind: 'records',
        fields: [
          bytes('nid', 7),
          bytes('reserved', 2),
          u8('snid'),
          u8('tei'),
          bytes('reserved1', 4),
          u8('role'),
          mac('ccoMac'),
          u8('ccoTei'),
          bytes('reserved2', 3),
        ],
      },
      { name: 'numStas', kind: 'count8', of: 'stations' },
      bytes('reserved2', 5),
      {
        name: 'stations',
        kind: 'records',
        fields: [
          mac('mac'),
          u8('tei'),
          bytes('reserved', 3),
          mac('bridgedMac'),
          u8('avgPhyRateTx'),
          u8('coupling'),
          bytes('reserved1', 2),
          u8('avgPhyRateRx'),
          bytes('reserved2', 3),
        ],
      },
    ],
  },
];

// One MMTYPE may have several layouts (per OUI or MMV): the first that matches wins.
const SPECS_BY_MMTYPE: ReadonlyMap<number, readonly Spec[]> = SPECS.reduce((m, s) => m.set(s.mmtype, [...(m.get(s.mmtype) ?? []), s]), new Map<number, Spec[]>());
const SPEC_BY_TYPE: ReadonlyMap<string, Spec> = SPECS.reduce((m, s) => (m.has(s.type) ? m : m.set(s.type, s)), new Map<string, Spec>());

function specFor(type: string, mmv: number): Spec | undefined {
  const first = SPEC_BY_TYPE.get(type);
  if (!first) return undefined;
  return SPECS_BY_MMTYPE.get(first.mmtype)?.find((s) => s.type === type && (s.mmv === undefined || s.mmv === mmv)) ?? first;
}

/** MMTYPE of a modelled message type, e.g. 'CM_SLAC_PARM.REQ' → 0x6064. */
export function mmtypeOf(type: KnownMme['type']): number {
  return (SPEC_BY_TYPE.get(type) as Spec).mmtype;
}

/** Every modelled message type (for tests and tools). */
export const MODELLED_TYPES: readonly KnownMme['type'][] = [...new Set(SPECS.map((s) => s.type))];

// ---------------------------------------------------------------- decoding

type Fields = Record<string, unknown>;

function truncated(offset: number, need: number, have: number, type: string, field: string): HomeplugError {
  return codecError('TRUNCATED', `${type}: field ${field} needs ${need} byte(s) at offset ${offset}, frame has ${have}`, {
    offset,
    context: { type, field },
  });
}

function decodeFields(
  fields: readonly Field[],
  b: Uint8Array,
  start: number,
  type: string,
): Result<{ obj: Fields; end: number }, HomeplugError> {
  const obj: Fields = {};
  const counts = new Map<string, number>();
  let o = start;
  const need = (n: number, field: string): HomeplugError | undefined =>
    o + n > b.length ? truncated(o, n, b.length, type, field) : undefined;
  for (const f of fields) {
    let e: HomeplugError | undefined;
    switch (f.kind) {
      case 'u8':
        if ((e = need(1, f.name))) return err(e);
        obj[f.name] = b[o];
        o += 1;
        break;
      case 'u16le':
        if ((e = need(2, f.name))) return err(e);
        obj[f.name] = (b[o] as number) | ((b[o + 1] as number) << 8);
        o += 2;
        break;
      case 'u32le':
        if ((e = need(4, f.name))) return err(e);
        obj[f.name] = ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
        o += 4;
        break;
      case 'mac':
        if ((e = need(6, f.name))) return err(e);
        obj[f.name] = b.slice(o, o + 6);
        o += 6;
        break;
      case 'bytes':
        if ((e = need(f.size, f.name))) return err(e);
        obj[f.name] = b.slice(o, o + f.size);
        o += f.size;
        break;
      case 'count8':
        if ((e = need(1, f.name))) return err(e);
        counts.set(f.of, b[o] as number);
        o += 1;
        break;
      case 'count16':
        if ((e = need(2, f.name))) return err(e);
        counts.set(f.of, (b[o] as number) | ((b[o + 1] as number) << 8));
        o += 2;
        break;
      case 'u8list':
      case 'text':
      case 'nibbles': {
        const n = counts.get(f.name) ?? 0;
        const size = f.kind === 'nibbles' ? Math.ceil(n / 2) : n;
        if (o + size > b.length) {
          return err(
            codecError('BAD_LENGTH', `${type}: ${f.name} announces ${n} entries (${size} bytes) at offset ${o}, only ${b.length - o} left`, {
              offset: o,
              context: { type, field: f.name, count: n },
            }),
          );
        }
        if (f.kind === 'u8list') obj[f.name] = Array.from(b.subarray(o, o + n));
        else if (f.kind === 'text') obj[f.name] = String.fromCharCode(...b.subarray(o, o + n));
        else if (f.kind === 'nibbles') {
          const list: number[] = [];
          for (let i = 0; i < n; i++) list.push(((b[o + (i >> 1)] as number) >> ((i & 1) * 4)) & 0x0f);
          obj[f.name] = list;
          const spare = n & 1 ? (b[o + size - 1] as number) >> 4 : 0;
          if (spare !== 0) obj[f.spare] = spare;
        }
        o += size;
        break;
      }
      case 'records': {
        const n = counts.get(f.name) ?? 0;
        const list: Fields[] = [];
        for (let i = 0; i < n; i++) {
          const r = decodeFields(f.fields, b, o, type);
          if (!r.ok) return r;
          list.push(r.value.obj);
          o = r.value.end;
        }
        obj[f.name] = list;
        break;
      }
    }
  }
  return ok({ obj, end: o });
}

function isAllZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Byte offset of MMV: 14, or 18 behind an 802.1Q tag. */
interface Envelope {
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly vlanTci?: number;
  readonly mmv: number;
  readonly mmtype: number;
  readonly fmi?: number;
  readonly oui?: number;
  /** Offset of the first payload byte. */
  readonly payloadOffset: number;
}

/** Parses and checks the MME envelope (Ethernet header, MMV, MMTYPE, FMI, OUI). */
/** Every code the HomePlug MME decoder can fail with. */
export type HomeplugErrorCode = 'TRUNCATED' | 'BAD_ETHERTYPE' | 'BAD_MMV' | 'BAD_LENGTH';
export type HomeplugError = CodecError<HomeplugErrorCode>;

export function decodeEnvelope(frame: Uint8Array): Result<Envelope, HomeplugError> {
  if (frame.length < 14) {
    return err(codecError('TRUNCATED', `frame of ${frame.length} bytes is shorter than an Ethernet header (14)`, { offset: frame.length }));
  }
  let h = 12;
  let etherType = ((frame[h] as number) << 8) | (frame[h + 1] as number);
  let vlanTci: number | undefined;
  if (etherType === ETHERTYPE_VLAN) {
    if (frame.length < 18) return err(codecError('TRUNCATED', 'frame ends inside the 802.1Q tag', { offset: frame.length }));
    vlanTci = ((frame[14] as number) << 8) | (frame[15] as number);
    h = 16;
    etherType = ((frame[h] as number) << 8) | (frame[h + 1] as number);
  }
  if (etherType !== ETHERTYPE_HOMEPLUG) {
    return err(
      codecError('BAD_ETHERTYPE', `EtherType 0x${etherType.toString(16).padStart(4, '0')} is not HomePlug AV (0x88e1)`, { offset: h }),
    );
  }
  let o = h + 2;
  if (frame.length < o + 3) return err(codecError('TRUNCATED', 'frame ends inside the MM header (MMV, MMTYPE)', { offset: frame.length }));
  const mmv = frame[o] as number;
  if (mmv > MAX_MMV) return err(codecError('BAD_MMV', `MMV ${mmv} is not a HomePlug AV management message version (0..${MAX_MMV})`, { offset: o }));
  const mmtype = (frame[o + 1] as number) | ((frame[o + 2] as number) << 8);
  o += 3;
  let fmi: number | undefined;
  if (mmv >= 1) {
    if (frame.length < o + 2) return err(codecError('TRUNCATED', 'frame ends inside the FMI field', { offset: frame.length, context: { mmtype } }));
    fmi = ((frame[o] as number) << 8) | (frame[o + 1] as number);
    o += 2;
  }
  let oui: number | undefined;
  if (hasOui(mmtype)) {
    if (frame.length < o + 3) return err(codecError('TRUNCATED', 'frame ends inside the vendor OUI', { offset: frame.length, context: { mmtype } }));
    oui = ((frame[o] as number) << 16) | ((frame[o + 1] as number) << 8) | (frame[o + 2] as number);
    o += 3;
  }
  return ok({
    dst: frame.slice(0, 6),
    src: frame.slice(6, 12),
    ...(vlanTci !== undefined ? { vlanTci } : {}),
    mmv,
    mmtype,
    ...(fmi !== undefined ? { fmi } : {}),
    ...(oui !== undefined ? { oui } : {}),
    payloadOffset: o,
  });
}

/**
 * A Node Buffer is a Uint8Array whose slice() returns a view, not a copy: decode from a plain
 * Uint8Array view so decoded fields never alias the caller's (reused) receive buffer.
 */
export function plainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** 802.1Q adds 4 bytes to the Ethernet minimum: 64 bytes without FCS when tagged. */
function minLengthFor(vlanTci: number | undefined): number {
  return MIN_FRAME_LENGTH + (vlanTci !== undefined ? 4 : 0);
}

/** Cheap test used by frame pipelines: EtherType 0x88E1, directly or behind one 802.1Q tag. */
export function isHomePlugFrame(frame: Uint8Array): boolean {
  if (frame.length < 14) return false;
  if (frame[12] === 0x88 && frame[13] === 0xe1) return true;
  return frame.length >= 18 && frame[12] === 0x81 && frame[13] === 0x00 && frame[16] === 0x88 && frame[17] === 0xe1;
}

/** Decodes one Ethernet frame (without FCS) carrying a HomePlug AV MME. Never throws. */
export function decodeMme(input: Uint8Array): Result<Mme, HomeplugError> {
  const frame = plainBytes(input);
  const env = decodeEnvelope(frame);
  if (!env.ok) return env;
  const { dst, src, vlanTci, mmv, mmtype, fmi, oui, payloadOffset } = env.value;
  const header = {
    dst,
    src,
    ...(vlanTci !== undefined ? { vlanTci } : {}),
    mmv,
    ...(fmi !== undefined ? { fmi } : {}),
  };
  const spec = SPECS_BY_MMTYPE.get(mmtype)?.find((c) => (c.oui === undefined || c.oui === oui) && (c.mmv === undefined || c.mmv === mmv));
  // A fragment (FMI NF_MI ≠ 0) carries only part of a payload: report it whole, not as a half-parsed message.
  const fragmented = fmi !== undefined && (fmi & 0xf000) !== 0;
  if (!spec || fragmented) {
    const name = mmeName(mmtype, oui);
    const unknown: UnknownMme = {
      type: 'unknown',
      ...header,
      mmtype,
      ...(oui !== undefined ? { oui } : {}),
      ...(name !== undefined ? { name } : {}),
      payload: frame.slice(payloadOffset),
      // A sender that pads to 60 bytes although it added a VLAN tag (DS5366 CC_DISCOVER_LIST) or a
      // frame captured before padding: an empty padding field tells encodeMme not to pad.
      ...(frame.length < minLengthFor(vlanTci) ? { padding: new Uint8Array(0) } : {}),
    };
    return ok(unknown);
  }
  const r = decodeFields(spec.fields, frame, payloadOffset, spec.type);
  if (!r.ok) return r;
  const end = r.value.end;
  const trailing = frame.subarray(end);
  const minLength = minLengthFor(vlanTci);
  // Keep trailing bytes only when zero-padding to the minimum would not reproduce the frame.
  const needPadding = !(isAllZero(trailing) && frame.length === Math.max(minLength, end));
  return ok({ type: spec.type, ...header, ...r.value.obj, ...(needPadding ? { padding: trailing.slice() } : {}) } as Mme);
}

// ---------------------------------------------------------------- encoding

class Writer {
  buf = new Uint8Array(256);
  length = 0;
  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(v: number): void {
    this.grow(1);
    this.buf[this.length++] = v & 0xff;
  }
  u16le(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
  }
  bytes(b: Uint8Array, size = b.length): void {
    this.grow(size);
    // Short input is zero-filled and long input cut, so the layout stays fixed whatever the caller passed.
    this.buf.set(b.length > size ? b.subarray(0, size) : b, this.length);
    this.length += size;
  }
  finish(minLength: number): Uint8Array {
    this.grow(Math.max(0, minLength - this.length));
    return this.buf.slice(0, Math.max(this.length, minLength));
  }
}

function listLength(obj: Fields, name: string): number {
  const v = obj[name];
  return typeof v === 'string' || Array.isArray(v) ? v.length : 0;
}

function encodeFields(fields: readonly Field[], obj: Fields, w: Writer): void {
  const num = (name: string): number => (typeof obj[name] === 'number' ? (obj[name] as number) : 0);
  const bin = (name: string): Uint8Array => (obj[name] instanceof Uint8Array ? (obj[name] as Uint8Array) : new Uint8Array(0));
  for (const f of fields) {
    switch (f.kind) {
      case 'u8':
        w.u8(num(f.name));
        break;
      case 'u16le':
        w.u16le(num(f.name));
        break;
      case 'u32le': {
        const v = num(f.name) >>> 0;
        w.u16le(v & 0xffff);
        w.u16le(v >>> 16);
        break;
      }
      case 'mac':
        w.bytes(bin(f.name), 6);
        break;
      case 'bytes':
        w.bytes(bin(f.name), f.size);
        break;
      case 'count8':
        w.u8(listLength(obj, f.of));
        break;
      case 'count16':
        w.u16le(listLength(obj, f.of));
        break;
      case 'u8list':
        for (const v of (obj[f.name] as readonly number[] | undefined) ?? []) w.u8(v);
        break;
      case 'text': {
        const s = typeof obj[f.name] === 'string' ? (obj[f.name] as string) : '';
        for (let i = 0; i < s.length; i++) w.u8(s.charCodeAt(i));
        break;
      }
      case 'nibbles': {
        const list = (obj[f.name] as readonly number[] | undefined) ?? [];
        const spare = typeof obj[f.spare] === 'number' ? (obj[f.spare] as number) : 0;
        for (let i = 0; i < list.length; i += 2) w.u8(((list[i] as number) & 0x0f) | (((list[i + 1] ?? spare) & 0x0f) << 4));
        break;
      }
      case 'records':
        for (const r of (obj[f.name] as readonly Fields[] | undefined) ?? []) encodeFields(f.fields, r, w);
        break;
    }
  }
}

/** Encodes a message into a complete Ethernet frame (no FCS), zero-padded to 60 bytes unless `padding` says otherwise. */
export function encodeMme(msg: Mme): Uint8Array {
  const w = new Writer();
  w.bytes(msg.dst, 6);
  w.bytes(msg.src, 6);
  if (msg.vlanTci !== undefined) {
    w.u8(ETHERTYPE_VLAN >> 8);
    w.u8(ETHERTYPE_VLAN);
    w.u8(msg.vlanTci >> 8);
    w.u8(msg.vlanTci);
  }
  w.u8(ETHERTYPE_HOMEPLUG >> 8);
  w.u8(ETHERTYPE_HOMEPLUG);
  w.u8(msg.mmv);
  const spec = msg.type === 'unknown' ? undefined : (specFor(msg.type, msg.mmv) as Spec);
  const mmtype = msg.type === 'unknown' ? msg.mmtype : (spec as Spec).mmtype;
  w.u16le(mmtype);
  if (msg.mmv >= 1) {
    const fmi = msg.fmi ?? 0;
    w.u8(fmi >> 8);
    w.u8(fmi);
  }
  if (hasOui(mmtype)) {
    const oui = msg.type === 'unknown' ? (msg.oui ?? 0) : (spec?.oui ?? 0);
    w.u8(oui >> 16);
    w.u8(oui >> 8);
    w.u8(oui);
  }
  if (msg.type === 'unknown') w.bytes(msg.payload);
  else encodeFields((spec as Spec).fields, msg as unknown as Fields, w);
  if (msg.padding) w.bytes(msg.padding);
  return w.finish(msg.padding ? 0 : minLengthFor(msg.vlanTci));
}

/** Name for display: the modelled type, or the MMTYPE table name, or the hex MMTYPE. */
export function displayName(msg: Mme): string {
  if (msg.type !== 'unknown') return msg.type;
  return msg.name ?? `MMTYPE_0x${msg.mmtype.toString(16).padStart(4, '0')}${msg.oui !== undefined ? `/OUI_${msg.oui.toString(16).padStart(6, '0')}` : ''}`;
}

/** VS_SW_VER.CNF version text: MVERSION up to MVERLENGTH or the first NUL. */
export function swVersionText(msg: { readonly versionBytes: Uint8Array; readonly versionLength: number }): string {
  let end = Math.min(msg.versionLength, msg.versionBytes.length);
  const nul = msg.versionBytes.indexOf(0);
  if (nul >= 0 && nul < end) end = nul;
  return String.fromCharCode(...msg.versionBytes.subarray(0, end));
}
