// The SLAC and modem-management messages as the machines see them: plain
// data named after the fields of ISO 15118-3 / HomePlug GP. The bridge
// (./bridge.ts) maps them to and from frames through the src/codecs/homeplug codec;
// the machines never touch bytes, so they can be driven by tests, by the
// emulator or by a replayed capture alike.

export type Mac = Uint8Array;

export interface SlacParmReq {
  readonly type: 'CM_SLAC_PARM.REQ';
  readonly applicationType: number;
  readonly securityType: number;
  readonly runId: Uint8Array;
}
export interface SlacParmCnf {
  readonly type: 'CM_SLAC_PARM.CNF';
  readonly msoundTarget: Mac;
  readonly numSounds: number;
  /** In units of 100 ms (6 = TT_EVSE_match_MNBC). */
  readonly timeOut: number;
  readonly respType: number;
  readonly forwardingSta: Mac;
  readonly applicationType: number;
  readonly securityType: number;
  readonly runId: Uint8Array;
}
export interface StartAttenCharInd {
  readonly type: 'CM_START_ATTEN_CHAR.IND';
  readonly applicationType: number;
  readonly securityType: number;
  readonly numSounds: number;
  readonly timeOut: number;
  readonly respType: number;
  readonly forwardingSta: Mac;
  readonly runId: Uint8Array;
}
export interface MnbcSoundInd {
  readonly type: 'CM_MNBC_SOUND.IND';
  readonly applicationType: number;
  readonly securityType: number;
  /** 17 bytes: the VIN if known, else zero. */
  readonly senderId: Uint8Array;
  /** Remaining sounds (9 → 0). */
  readonly cnt: number;
  readonly runId: Uint8Array;
  readonly rnd: Uint8Array;
}
export interface AttenProfileInd {
  readonly type: 'CM_ATTEN_PROFILE.IND';
  readonly pevMac: Mac;
  readonly aag: Uint8Array;
}
export interface AttenCharInd {
  readonly type: 'CM_ATTEN_CHAR.IND';
  readonly applicationType: number;
  readonly securityType: number;
  readonly sourceAddress: Mac;
  readonly runId: Uint8Array;
  readonly sourceId: Uint8Array;
  readonly respId: Uint8Array;
  readonly numSounds: number;
  readonly aag: Uint8Array;
}
export interface AttenCharRsp {
  readonly type: 'CM_ATTEN_CHAR.RSP';
  readonly applicationType: number;
  readonly securityType: number;
  readonly sourceAddress: Mac;
  readonly runId: Uint8Array;
  readonly sourceId: Uint8Array;
  readonly respId: Uint8Array;
  readonly result: number;
}
export interface ValidateReq {
  readonly type: 'CM_VALIDATE.REQ';
  readonly signalType: number;
  /** 0 in the first exchange; N = toggle window of (N+1)×100 ms in the second. */
  readonly timer: number;
  readonly result: number;
}
/** CM_VALIDATE.CNF Result values (ISO 15118-3). */
export const ValidateResult = { NotReady: 0, Ready: 1, Success: 2, Failure: 3, NotRequired: 4 } as const;
export interface ValidateCnf {
  readonly type: 'CM_VALIDATE.CNF';
  readonly signalType: number;
  readonly toggleNum: number;
  readonly result: number;
}
export interface SlacMatchReq {
  readonly type: 'CM_SLAC_MATCH.REQ';
  readonly applicationType: number;
  readonly securityType: number;
  readonly pevId: Uint8Array;
  readonly pevMac: Mac;
  readonly evseId: Uint8Array;
  readonly evseMac: Mac;
  readonly runId: Uint8Array;
}
export interface SlacMatchCnf {
  readonly type: 'CM_SLAC_MATCH.CNF';
  readonly applicationType: number;
  readonly securityType: number;
  readonly pevId: Uint8Array;
  readonly pevMac: Mac;
  readonly evseId: Uint8Array;
  readonly evseMac: Mac;
  readonly runId: Uint8Array;
  readonly nid: Uint8Array;
  readonly nmk: Uint8Array;
}
export interface SetKeyReq {
  readonly type: 'CM_SET_KEY.REQ';
  readonly keyType: number;
  readonly myNonce: number;
  readonly yourNonce: number;
  readonly pid: number;
  readonly prn: number;
  readonly pmn: number;
  readonly ccoCapability: number;
  readonly nid: Uint8Array;
  readonly newEks: number;
  readonly newKey: Uint8Array;
}
export interface SetKeyCnf {
  readonly type: 'CM_SET_KEY.CNF';
  /** 0 = success per HomePlug AV; QCA modems answer 1 when they accept the key (and restart). */
  readonly result: number;
  readonly myNonce: number;
  readonly yourNonce: number;
  readonly pid: number;
  readonly prn: number;
  readonly pmn: number;
  readonly ccoCapability: number;
}
export interface GetKeyReq {
  readonly type: 'CM_GET_KEY.REQ';
  readonly requestType: number;
  readonly requestedKeyType: number;
  readonly nid: Uint8Array;
  readonly myNonce: number;
  readonly pid: number;
  readonly prn: number;
  readonly pmn: number;
}
export interface GetKeyCnf {
  readonly type: 'CM_GET_KEY.CNF';
  readonly result: number;
  readonly requestedKeyType: number;
  readonly myNonce: number;
  readonly yourNonce: number;
  readonly nid: Uint8Array;
  readonly eks: number;
  readonly pid: number;
  readonly prn: number;
  readonly pmn: number;
  /** The key (first 16 bytes); zero when the modem does not disclose it. */
  readonly key?: Uint8Array;
}
export interface VsSwVerReq {
  readonly type: 'VS_SW_VER.REQ';
}
export interface VsSwVerCnf {
  readonly type: 'VS_SW_VER.CNF';
  readonly mstatus: number;
  readonly deviceId: number;
  readonly version: string;
}
export interface VsPlLinkStatusReq {
  readonly type: 'VS_PL_LINK_STATUS.REQ';
}
export interface VsPlLinkStatusCnf {
  readonly type: 'VS_PL_LINK_STATUS.CNF';
  readonly mstatus: number;
  /** 1 = link up (member of an AVLN with at least one other station). */
  readonly linkStatus: number;
}
export interface VsRsDevReq {
  readonly type: 'VS_RS_DEV.REQ';
}
export interface VsRsDevCnf {
  readonly type: 'VS_RS_DEV.CNF';
  readonly mstatus: number;
}

export type SlacMessage =
  | SlacParmReq
  | SlacParmCnf
  | StartAttenCharInd
  | MnbcSoundInd
  | AttenProfileInd
  | AttenCharInd
  | AttenCharRsp
  | ValidateReq
  | ValidateCnf
  | SlacMatchReq
  | SlacMatchCnf;

export type ModemMessage = SetKeyReq | SetKeyCnf | GetKeyReq | GetKeyCnf | VsSwVerReq | VsSwVerCnf | VsPlLinkStatusReq | VsPlLinkStatusCnf | VsRsDevReq | VsRsDevCnf;

export type HomePlugMessage = SlacMessage | ModemMessage;

/** A message to send, and to whom (the bridge adds our MAC as source). */
export interface OutgoingMme {
  readonly dst: Mac;
  readonly msg: HomePlugMessage;
}

/** The event every SLAC / modem machine receives for an arriving MME. */
export interface MmeEvent {
  readonly type: 'MME';
  readonly msg: HomePlugMessage;
  /** Source MAC of the frame. */
  readonly from: Mac;
  /** Destination MAC of the frame (ListenMode uses it). */
  readonly to?: Mac;
  readonly timestamp?: number;
}

export { BROADCAST_MAC as BROADCAST } from '../../constants.js';
/** The QCA "local" address of the modem attached to a host (OPU qualcomm.h LOCALCAST). */
export const QCA_LOCALCAST: Mac = new Uint8Array([0x00, 0xb0, 0x52, 0x00, 0x00, 0x01]);

/** Random bytes from the platform CSPRNG (WebCrypto is a global in Node ≥ 20 and browsers: no import needed). */
export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}
