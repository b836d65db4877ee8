// Builders for the messages tsplc sends, with ISO 15118-3 defaults. Every default can be
// overridden; header fields (dst, mmv, fmi) default to what real stacks send (protocol-facts §1.2–1.3).
import { BROADCAST_MAC, QCA_LOCAL_MAC } from './constants.js';
import type { MmeOf, VsNwInfoCnf0, VsNwInfoCnf1 } from './types.js';

type Opt<T> = Omit<T, 'type'>;
type Build<T extends { type: string }, Req extends keyof T> = Pick<T, Req> & Partial<Opt<T>>;

const zeros = (n: number): Uint8Array => new Uint8Array(n);

/** ISO 15118-3: NUM_SOUNDS = C_EV_match_MNBC = 10. */
export const C_EV_MATCH_MNBC = 10;
/** Time_Out = TT_EVSE_match_MNBC = 600 ms, encoded in 100 ms units. */
export const TT_EVSE_MATCH_MNBC_UNITS = 6;
/** RESP_TYPE 1 = "other GP station" (LS, PYS, EC-S; open-plc-utils uses 0). */
export const RESP_TYPE_OTHER_GP_STA = 1;
/** NumGroups of ATTEN_CHAR / ATTEN_PROFILE in Green PHY. */
export const NUM_GROUPS = 58;

export function cmSlacParmReq(o: Build<MmeOf<'CM_SLAC_PARM.REQ'>, 'src' | 'runId'>): MmeOf<'CM_SLAC_PARM.REQ'> {
  return { type: 'CM_SLAC_PARM.REQ', dst: BROADCAST_MAC, mmv: 1, fmi: 0, applicationType: 0, securityType: 0, ...o };
}

export function cmSlacParmCnf(o: Build<MmeOf<'CM_SLAC_PARM.CNF'>, 'src' | 'dst' | 'forwardingSta' | 'runId'>): MmeOf<'CM_SLAC_PARM.CNF'> {
  return {
    type: 'CM_SLAC_PARM.CNF',
    mmv: 1,
    fmi: 0,
    msoundTarget: BROADCAST_MAC,
    numSounds: C_EV_MATCH_MNBC,
    timeOut: TT_EVSE_MATCH_MNBC_UNITS,
    respType: RESP_TYPE_OTHER_GP_STA,
    applicationType: 0,
    securityType: 0,
    ...o,
  };
}

export function cmStartAttenCharInd(
  o: Build<MmeOf<'CM_START_ATTEN_CHAR.IND'>, 'src' | 'forwardingSta' | 'runId'>,
): MmeOf<'CM_START_ATTEN_CHAR.IND'> {
  return {
    type: 'CM_START_ATTEN_CHAR.IND',
    dst: BROADCAST_MAC,
    mmv: 1,
    fmi: 0,
    applicationType: 0,
    securityType: 0,
    numSounds: C_EV_MATCH_MNBC,
    timeOut: TT_EVSE_MATCH_MNBC_UNITS,
    respType: RESP_TYPE_OTHER_GP_STA,
    ...o,
  };
}

export function cmMnbcSoundInd(o: Build<MmeOf<'CM_MNBC_SOUND.IND'>, 'src' | 'runId' | 'cnt'>): MmeOf<'CM_MNBC_SOUND.IND'> {
  return {
    type: 'CM_MNBC_SOUND.IND',
    dst: BROADCAST_MAC,
    mmv: 1,
    fmi: 0,
    applicationType: 0,
    securityType: 0,
    senderId: zeros(17),
    reserved: zeros(8),
    rnd: zeros(16),
    ...o,
  };
}

export function cmAttenProfileInd(o: Build<MmeOf<'CM_ATTEN_PROFILE.IND'>, 'src' | 'dst' | 'pevMac' | 'aag'>): MmeOf<'CM_ATTEN_PROFILE.IND'> {
  return { type: 'CM_ATTEN_PROFILE.IND', mmv: 1, fmi: 0, reserved: 0, ...o };
}

export function cmAttenCharInd(
  o: Build<MmeOf<'CM_ATTEN_CHAR.IND'>, 'src' | 'dst' | 'sourceAddress' | 'runId' | 'aag'>,
): MmeOf<'CM_ATTEN_CHAR.IND'> {
  return {
    type: 'CM_ATTEN_CHAR.IND',
    mmv: 1,
    fmi: 0,
    applicationType: 0,
    securityType: 0,
    sourceId: zeros(17),
    respId: zeros(17),
    numSounds: C_EV_MATCH_MNBC,
    ...o,
  };
}

export function cmAttenCharRsp(o: Build<MmeOf<'CM_ATTEN_CHAR.RSP'>, 'src' | 'dst' | 'sourceAddress' | 'runId'>): MmeOf<'CM_ATTEN_CHAR.RSP'> {
  return {
    type: 'CM_ATTEN_CHAR.RSP',
    mmv: 1,
    fmi: 0,
    applicationType: 0,
    securityType: 0,
    sourceId: zeros(17),
    respId: zeros(17),
    result: 0,
    ...o,
  };
}

export function cmValidateReq(o: Build<MmeOf<'CM_VALIDATE.REQ'>, 'src' | 'dst'>): MmeOf<'CM_VALIDATE.REQ'> {
  return { type: 'CM_VALIDATE.REQ', mmv: 1, fmi: 0, signalType: 0, timer: 0, result: 1, ...o };
}

export function cmValidateCnf(o: Build<MmeOf<'CM_VALIDATE.CNF'>, 'src' | 'dst'>): MmeOf<'CM_VALIDATE.CNF'> {
  // Result 3 "failure": validation is optional for the EVSE [V2G3-A09-51], as EVerest answers.
  return { type: 'CM_VALIDATE.CNF', mmv: 1, fmi: 0, signalType: 0, toggleNum: 0, result: 3, ...o };
}

export function cmSlacMatchReq(o: Build<MmeOf<'CM_SLAC_MATCH.REQ'>, 'src' | 'dst' | 'pevMac' | 'evseMac' | 'runId'>): MmeOf<'CM_SLAC_MATCH.REQ'> {
  return {
    type: 'CM_SLAC_MATCH.REQ',
    mmv: 1,
    fmi: 0,
    applicationType: 0,
    securityType: 0,
    mvfLength: 0x3e,
    pevId: zeros(17),
    evseId: zeros(17),
    reserved: zeros(8),
    ...o,
  };
}

export function cmSlacMatchCnf(
  o: Build<MmeOf<'CM_SLAC_MATCH.CNF'>, 'src' | 'dst' | 'pevMac' | 'evseMac' | 'runId' | 'nid' | 'nmk'>,
): MmeOf<'CM_SLAC_MATCH.CNF'> {
  return {
    type: 'CM_SLAC_MATCH.CNF',
    mmv: 1,
    fmi: 0,
    applicationType: 0,
    securityType: 0,
    mvfLength: 0x56,
    pevId: zeros(17),
    evseId: zeros(17),
    reserved: zeros(8),
    reserved2: 0,
    ...o,
  };
}

/**
 * CM_SET_KEY.REQ to the own modem. Default destination is the QCA local address (EVerest);
 * ccs32clara broadcasts instead. MyNonce defaults to 0 as ISO 15118-3 wants (pyPLC sends 0xAAAAAAAA).
 */
export function cmSetKeyReq(o: Build<MmeOf<'CM_SET_KEY.REQ'>, 'src' | 'nid' | 'newKey'>): MmeOf<'CM_SET_KEY.REQ'> {
  return {
    type: 'CM_SET_KEY.REQ',
    dst: QCA_LOCAL_MAC,
    mmv: 1,
    fmi: 0,
    keyType: 1,
    myNonce: 0,
    yourNonce: 0,
    pid: 4,
    prn: 0,
    pmn: 0,
    ccoCapability: 0,
    newEks: 1,
    ...o,
  };
}

export function cmSetKeyCnf(o: Build<MmeOf<'CM_SET_KEY.CNF'>, 'src' | 'dst'>): MmeOf<'CM_SET_KEY.CNF'> {
  return { type: 'CM_SET_KEY.CNF', mmv: 1, fmi: 0, result: 0, myNonce: 0, yourNonce: 0, pid: 4, prn: 0, pmn: 0, ccoCapability: 0, ...o };
}

export function cmGetKeyReq(o: Build<MmeOf<'CM_GET_KEY.REQ'>, 'src' | 'nid'>): MmeOf<'CM_GET_KEY.REQ'> {
  return {
    type: 'CM_GET_KEY.REQ',
    dst: BROADCAST_MAC,
    mmv: 1,
    fmi: 0,
    requestType: 0,
    requestedKeyType: 1,
    myNonce: 0xaaaaaaaa,
    pid: 4,
    prn: 0,
    pmn: 0,
    ...o,
  };
}

export function cmGetKeyCnf(o: Build<MmeOf<'CM_GET_KEY.CNF'>, 'src' | 'dst' | 'nid' | 'key'>): MmeOf<'CM_GET_KEY.CNF'> {
  return {
    type: 'CM_GET_KEY.CNF',
    mmv: 1,
    fmi: 0,
    result: 0,
    requestedKeyType: 1,
    myNonce: 0,
    yourNonce: 0,
    eks: 1,
    pid: 4,
    prn: 0,
    pmn: 0,
    ...o,
  };
}

/** CM_AMP_MAP needs MMV 2 (AV 2.0 message; EVerest context.hpp). */
export function cmAmpMapReq(o: Build<MmeOf<'CM_AMP_MAP.REQ'>, 'src' | 'dst' | 'amplitudes'>): MmeOf<'CM_AMP_MAP.REQ'> {
  return { type: 'CM_AMP_MAP.REQ', mmv: 2, fmi: 0, ...o };
}

export function cmAmpMapCnf(o: Build<MmeOf<'CM_AMP_MAP.CNF'>, 'src' | 'dst'>): MmeOf<'CM_AMP_MAP.CNF'> {
  return { type: 'CM_AMP_MAP.CNF', mmv: 2, fmi: 0, resType: 0, ...o };
}

/** VS_SW_VER.REQ broadcast: every QCA modem on the segment answers, which is how modems are counted. */
export function vsSwVerReq(o: Build<MmeOf<'VS_SW_VER.REQ'>, 'src'>): MmeOf<'VS_SW_VER.REQ'> {
  return { type: 'VS_SW_VER.REQ', dst: BROADCAST_MAC, mmv: 0, ...o };
}

/** VS_SW_VER.CNF as a QCA modem sends it: the version string NUL-terminated in a 64-byte MVERSION buffer. */
export function vsSwVerCnf(
  o: Build<MmeOf<'VS_SW_VER.CNF'>, 'src' | 'dst'> & { readonly version?: string },
): MmeOf<'VS_SW_VER.CNF'> {
  const { version = '', ...rest } = o;
  const versionBytes = new Uint8Array(64);
  for (let i = 0; i < Math.min(version.length, 63); i++) versionBytes[i] = version.charCodeAt(i) & 0xff;
  return {
    type: 'VS_SW_VER.CNF',
    mmv: 0,
    mstatus: 0,
    deviceId: 0x20,
    versionLength: Math.min(version.length, 63) + 1,
    versionBytes,
    upgradeable: 0,
    ...rest,
  };
}

export function vsRsDevReq(o: Build<MmeOf<'VS_RS_DEV.REQ'>, 'src'>): MmeOf<'VS_RS_DEV.REQ'> {
  return { type: 'VS_RS_DEV.REQ', dst: QCA_LOCAL_MAC, mmv: 0, ...o };
}

export function vsRsDevCnf(o: Build<MmeOf<'VS_RS_DEV.CNF'>, 'src' | 'dst'>): MmeOf<'VS_RS_DEV.CNF'> {
  return { type: 'VS_RS_DEV.CNF', mmv: 0, mstatus: 0, ...o };
}

export function vsPlLinkStatusReq(o: Build<MmeOf<'VS_PL_LINK_STATUS.REQ'>, 'src'>): MmeOf<'VS_PL_LINK_STATUS.REQ'> {
  return { type: 'VS_PL_LINK_STATUS.REQ', dst: QCA_LOCAL_MAC, mmv: 0, ...o };
}

export function vsPlLinkStatusCnf(o: Build<MmeOf<'VS_PL_LINK_STATUS.CNF'>, 'src' | 'dst' | 'linkStatus'>): MmeOf<'VS_PL_LINK_STATUS.CNF'> {
  return { type: 'VS_PL_LINK_STATUS.CNF', mmv: 0, mstatus: 0, ...o };
}

export function vsNwInfoReq(o: Build<MmeOf<'VS_NW_INFO.REQ'>, 'src'>): MmeOf<'VS_NW_INFO.REQ'> {
  return { type: 'VS_NW_INFO.REQ', dst: QCA_LOCAL_MAC, mmv: 0, ...o };
}

export function vsNwInfoCnf(o: Build<VsNwInfoCnf0, 'src' | 'dst' | 'networks'>): VsNwInfoCnf0 {
  return { type: 'VS_NW_INFO.CNF', mmv: 0, ...o };
}

/** The MMV 1 answer of newer QCA firmware; dataLength is computed from the lists unless given. */
export function vsNwInfoCnf1(o: Build<VsNwInfoCnf1, 'src' | 'dst' | 'networks' | 'stations'>): VsNwInfoCnf1 {
  const dataLength = 2 + 26 * o.networks.length + (o.networks.length > 0 ? 6 + 24 * o.stations.length : 0);
  return { type: 'VS_NW_INFO.CNF', mmv: 1, fmi: 0, subVersion: 0, reserved: 0, dataLength, reserved1: 0, reserved2: new Uint8Array(5), ...o };
}
