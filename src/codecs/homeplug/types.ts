// Typed HomePlug AV / Green PHY management messages (MMEs) as plain data.
// Field names follow ISO 15118-3 / HomePlug AV 1.1 (camelCase of the standard's
// names: RunID → runId, M-SOUND_TARGET → msoundTarget, AAG → aag, ...).
// Offsets are in docs/homeplug.md and src/codecs/homeplug/codec.ts.

/** Envelope fields common to every MME. */
export interface MmeHeader {
  /** Destination MAC (6 bytes). */
  readonly dst: Uint8Array;
  /** Source MAC (6 bytes). */
  readonly src: Uint8Array;
  /** 802.1Q tag control information when the frame carried a VLAN tag (dSPACE DS5366 tags its MMEs). */
  readonly vlanTci?: number;
  /** Management message version: 0 (AV 1.0, QCA VS_*), 1 (AV 1.1, SLAC), 2 (AV 2.0). */
  readonly mmv: number;
  /** Fragmentation management info as on the wire (byte 0 = FMID nibbles, byte 1 = FMSN); present when mmv ≥ 1. 0 = unfragmented. */
  readonly fmi?: number;
  /**
   * Bytes after the modelled fields, kept only when re-encoding without them would not reproduce
   * the frame (non-zero padding garbage, a frame longer than the minimum, fields we do not model).
   */
  readonly padding?: Uint8Array;
}

export interface CmSlacParmReq extends MmeHeader {
  readonly type: 'CM_SLAC_PARM.REQ';
  readonly applicationType: number;
  readonly securityType: number;
  readonly runId: Uint8Array;
}

export interface CmSlacParmCnf extends MmeHeader {
  readonly type: 'CM_SLAC_PARM.CNF';
  readonly msoundTarget: Uint8Array;
  readonly numSounds: number;
  /** Time_Out in units of 100 ms (TT_EVSE_match_MNBC; 6 = 600 ms). */
  readonly timeOut: number;
  readonly respType: number;
  readonly forwardingSta: Uint8Array;
  readonly applicationType: number;
  readonly securityType: number;
  readonly runId: Uint8Array;
}

export interface CmStartAttenCharInd extends MmeHeader {
  readonly type: 'CM_START_ATTEN_CHAR.IND';
  readonly applicationType: number;
  readonly securityType: number;
  readonly numSounds: number;
  readonly timeOut: number;
  readonly respType: number;
  readonly forwardingSta: Uint8Array;
  readonly runId: Uint8Array;
}

export interface CmMnbcSoundInd extends MmeHeader {
  readonly type: 'CM_MNBC_SOUND.IND';
  readonly applicationType: number;
  readonly securityType: number;
  /** SenderID (17 bytes): the VIN when known, else zeros. */
  readonly senderId: Uint8Array;
  /** CNT: number of sounds still to come (9 → 0). */
  readonly cnt: number;
  readonly runId: Uint8Array;
  /** 8 reserved bytes after RunID (RunID field is 16 bytes wide on the wire). */
  readonly reserved: Uint8Array;
  /** RND (16 bytes). */
  readonly rnd: Uint8Array;
}

export interface CmAttenProfileInd extends MmeHeader {
  readonly type: 'CM_ATTEN_PROFILE.IND';
  readonly pevMac: Uint8Array;
  readonly reserved: number;
  /** Average attenuation per group in dB; its length is NumGroups on the wire. */
  readonly aag: readonly number[];
}

export interface CmAttenCharInd extends MmeHeader {
  readonly type: 'CM_ATTEN_CHAR.IND';
  readonly applicationType: number;
  readonly securityType: number;
  readonly sourceAddress: Uint8Array;
  readonly runId: Uint8Array;
  readonly sourceId: Uint8Array;
  readonly respId: Uint8Array;
  readonly numSounds: number;
  /** ATTEN_PROFILE: averaged attenuation per group in dB; its length is NumGroups (58) on the wire. */
  readonly aag: readonly number[];
}

export interface CmAttenCharRsp extends MmeHeader {
  readonly type: 'CM_ATTEN_CHAR.RSP';
  readonly applicationType: number;
  readonly securityType: number;
  readonly sourceAddress: Uint8Array;
  readonly runId: Uint8Array;
  readonly sourceId: Uint8Array;
  readonly respId: Uint8Array;
  /** 0 = success. */
  readonly result: number;
}

export interface CmValidateReq extends MmeHeader {
  readonly type: 'CM_VALIDATE.REQ';
  readonly signalType: number;
  /** 0 in the first exchange; N = toggle window (N+1)×100 ms in the second. */
  readonly timer: number;
  readonly result: number;
}

export interface CmValidateCnf extends MmeHeader {
  readonly type: 'CM_VALIDATE.CNF';
  readonly signalType: number;
  readonly toggleNum: number;
  /** 0 not ready, 1 ready, 2 success, 3 failure, 4 not required. */
  readonly result: number;
}

interface SlacMatchCommon extends MmeHeader {
  readonly applicationType: number;
  readonly securityType: number;
  /** MVFLength (little-endian): 0x3E in the REQ, 0x56 in the CNF. Kept as sent, not recomputed. */
  readonly mvfLength: number;
  readonly pevId: Uint8Array;
  readonly pevMac: Uint8Array;
  readonly evseId: Uint8Array;
  readonly evseMac: Uint8Array;
  readonly runId: Uint8Array;
  readonly reserved: Uint8Array;
}

export interface CmSlacMatchReq extends SlacMatchCommon {
  readonly type: 'CM_SLAC_MATCH.REQ';
}

export interface CmSlacMatchCnf extends SlacMatchCommon {
  readonly type: 'CM_SLAC_MATCH.CNF';
  /** NID (7 bytes) of the AVLN the EV is to join. */
  readonly nid: Uint8Array;
  readonly reserved2: number;
  /** NMK (16 bytes). */
  readonly nmk: Uint8Array;
}

export interface CmSetKeyReq extends MmeHeader {
  readonly type: 'CM_SET_KEY.REQ';
  /** 1 = NMK (AES-128). */
  readonly keyType: number;
  readonly myNonce: number;
  readonly yourNonce: number;
  /** PID: 4 = HLE protocol. */
  readonly pid: number;
  readonly prn: number;
  readonly pmn: number;
  readonly ccoCapability: number;
  readonly nid: Uint8Array;
  /** NewEKS: 1 = NMK. */
  readonly newEks: number;
  readonly newKey: Uint8Array;
}

export interface CmSetKeyCnf extends MmeHeader {
  readonly type: 'CM_SET_KEY.CNF';
  /** 0 = success per the standard; QCA modems answer 1 when they accepted the key (ccs32clara). */
  readonly result: number;
  readonly myNonce: number;
  readonly yourNonce: number;
  readonly pid: number;
  readonly prn: number;
  readonly pmn: number;
  readonly ccoCapability: number;
}

export interface CmGetKeyReq extends MmeHeader {
  readonly type: 'CM_GET_KEY.REQ';
  /** 0 = direct. */
  readonly requestType: number;
  readonly requestedKeyType: number;
  readonly nid: Uint8Array;
  readonly myNonce: number;
  readonly pid: number;
  readonly prn: number;
  readonly pmn: number;
}

export interface CmGetKeyCnf extends MmeHeader {
  readonly type: 'CM_GET_KEY.CNF';
  /** 0 = key granted. */
  readonly result: number;
  readonly requestedKeyType: number;
  readonly myNonce: number;
  readonly yourNonce: number;
  readonly nid: Uint8Array;
  readonly eks: number;
  readonly pid: number;
  readonly prn: number;
  readonly pmn: number;
  /** First 16 bytes of the key field (an NMK is 16 bytes; QCA modems send ~384 more zero bytes, kept in padding). */
  readonly key: Uint8Array;
}

export interface CmAmpMapReq extends MmeHeader {
  readonly type: 'CM_AMP_MAP.REQ';
  /** Amplitude map entries (4 bits each); AMLEN on the wire is their count. */
  readonly amplitudes: readonly number[];
  /** With an odd AMLEN: the unused high nibble of the last byte, kept only when a sender fills it. */
  readonly spareNibble?: number;
}

export interface CmAmpMapCnf extends MmeHeader {
  readonly type: 'CM_AMP_MAP.CNF';
  /** 0 = success. */
  readonly resType: number;
}

export interface VsSwVerReq extends MmeHeader {
  readonly type: 'VS_SW_VER.REQ';
}

export interface VsSwVerCnf extends MmeHeader {
  readonly type: 'VS_SW_VER.CNF';
  readonly mstatus: number;
  /** MDEVICEID: 0x20 QCA7420/7450, 0x21 QCA6410, 0x22 QCA7000 (Wireshark's table). */
  readonly deviceId: number;
  /** MVERLENGTH: length of the version string including its NUL. */
  readonly versionLength: number;
  /**
   * MVERSION: a fixed 64-byte buffer on QCA firmware (Wireshark reads it so); bytes after the NUL are
   * often 0xFF garbage, kept so frames re-encode exactly. Read the text with swVersionText().
   */
  readonly versionBytes: Uint8Array;
  readonly upgradeable: number;
}

export interface VsRsDevReq extends MmeHeader {
  readonly type: 'VS_RS_DEV.REQ';
}

export interface VsRsDevCnf extends MmeHeader {
  readonly type: 'VS_RS_DEV.CNF';
  readonly mstatus: number;
}

export interface VsPlLinkStatusReq extends MmeHeader {
  readonly type: 'VS_PL_LINK_STATUS.REQ';
}

export interface VsPlLinkStatusCnf extends MmeHeader {
  readonly type: 'VS_PL_LINK_STATUS.CNF';
  readonly mstatus: number;
  /** 0 = no link, 1 = link up (open-plc-utils plclink). */
  readonly linkStatus: number;
}

export interface VsNwInfoReq extends MmeHeader {
  readonly type: 'VS_NW_INFO.REQ';
}

export interface VsNwInfoStation {
  readonly mac: Uint8Array;
  readonly tei: number;
  readonly bridgedMac: Uint8Array;
  readonly avgPhyRateTx: number;
  readonly avgPhyRateRx: number;
}

export interface VsNwInfoNetwork {
  readonly nid: Uint8Array;
  readonly snid: number;
  readonly tei: number;
  readonly role: number;
  readonly ccoMac: Uint8Array;
  readonly ccoTei: number;
  readonly stations: readonly VsNwInfoStation[];
}

/** VS_NW_INFO.CNF, AV 1.0 layout (MMV 0): stations nested in their network. */
export interface VsNwInfoCnf0 extends MmeHeader {
  readonly type: 'VS_NW_INFO.CNF';
  readonly mmv: 0;
  readonly networks: readonly VsNwInfoNetwork[];
}

export interface VsNwInfoNetwork1 {
  readonly nid: Uint8Array;
  readonly reserved: Uint8Array;
  readonly snid: number;
  readonly tei: number;
  readonly reserved1: Uint8Array;
  /** 0 station, 1 proxy coordinator, 2 central coordinator. */
  readonly role: number;
  readonly ccoMac: Uint8Array;
  readonly ccoTei: number;
  readonly reserved2: Uint8Array;
}

export interface VsNwInfoStation1 {
  readonly mac: Uint8Array;
  readonly tei: number;
  readonly reserved: Uint8Array;
  readonly bridgedMac: Uint8Array;
  /** Mbit/s. */
  readonly avgPhyRateTx: number;
  /** Tx coupling (low nibble), Rx coupling (high nibble). */
  readonly coupling: number;
  readonly reserved1: Uint8Array;
  readonly avgPhyRateRx: number;
  readonly reserved2: Uint8Array;
}

/** VS_NW_INFO.CNF, AV 1.1 layout (MMV 1, QCA7420 firmware 1.4): networks, then all stations. */
export interface VsNwInfoCnf1 extends MmeHeader {
  readonly type: 'VS_NW_INFO.CNF';
  readonly mmv: 1;
  readonly subVersion: number;
  readonly reserved: number;
  /** Length from the byte after this field to the end of the data (as the modem sends it). */
  readonly dataLength: number;
  readonly reserved1: number;
  readonly networks: readonly VsNwInfoNetwork1[];
  readonly reserved2: Uint8Array;
  readonly stations: readonly VsNwInfoStation1[];
}

export type VsNwInfoCnf = VsNwInfoCnf0 | VsNwInfoCnf1;

/** A well-formed MME of a type tsplc does not model: kept whole so it re-encodes byte-identically. */
export interface UnknownMme extends MmeHeader {
  readonly type: 'unknown';
  readonly mmtype: number;
  /** OUI for manufacturer/vendor-specific MMTYPEs (0x8000–0xBFFF). */
  readonly oui?: number;
  /** Name from the MMTYPE tables, when known. */
  readonly name?: string;
  /** Everything after the MMV/MMTYPE/FMI/OUI header, padding included. */
  readonly payload: Uint8Array;
}

export type KnownMme =
  | CmSlacParmReq
  | CmSlacParmCnf
  | CmStartAttenCharInd
  | CmMnbcSoundInd
  | CmAttenProfileInd
  | CmAttenCharInd
  | CmAttenCharRsp
  | CmValidateReq
  | CmValidateCnf
  | CmSlacMatchReq
  | CmSlacMatchCnf
  | CmSetKeyReq
  | CmSetKeyCnf
  | CmGetKeyReq
  | CmGetKeyCnf
  | CmAmpMapReq
  | CmAmpMapCnf
  | VsSwVerReq
  | VsSwVerCnf
  | VsRsDevReq
  | VsRsDevCnf
  | VsPlLinkStatusReq
  | VsPlLinkStatusCnf
  | VsNwInfoReq
  | VsNwInfoCnf;

export type Mme = KnownMme | UnknownMme;
export type MmeType = Mme['type'];
export type MmeOf<T extends MmeType> = Extract<Mme, { type: T }>;
