// Constants of the HomePlug AV / Green PHY management-message (MME) envelope
// and the MMTYPE name table. Sources: HomePlug AV 1.1 / Green PHY 1.1 spec
// numbering as used by open-plc-utils (mme/homeplug.h, mme/qualcomm.h), the
// Wireshark homeplug-av dissector, and the frames in ../shared/captures.

export { ETHERTYPE_HOMEPLUG, ETHERTYPE_VLAN, BROADCAST_MAC } from '../../constants.js';

// Shared instances (typed arrays cannot be frozen): treat them as read-only, copy before mutating.
/** Qualcomm "local" address: the modem attached to this host answers it (open-plc-utils LOCALCAST). */
export const QCA_LOCAL_MAC: Uint8Array = new Uint8Array([0x00, 0xb0, 0x52, 0x00, 0x00, 0x01]);

/** Qualcomm Atheros OUI carried by VS_* messages. */
export const OUI_QUALCOMM = 0x00b052;
/** STMicroelectronics / IoTecha OUI (STP_* messages of ST Green PHY modems, seen in the DS5366 captures). */
export const OUI_ST_IOTECHA = 0x0080e1;
/** dSPACE OUI: its DS5366 tester broadcasts diagnostics as manufacturer-specific MMTYPE 0x8002. */
export const OUI_DSPACE = 0x644d70;

/** Ethernet frames shorter than this (without FCS) are padded by the sender (IEEE 802.3 minimum 64 incl. FCS). */
export const MIN_FRAME_LENGTH = 60;

/** HomePlug MM versions seen in practice: 0 = AV 1.0 (QCA VS_*), 1 = AV 1.1 (SLAC), 2 = AV 2.0 (CM_AMP_MAP). */
export const MAX_MMV = 2;

export const MMTYPE = {
  CC_DISCOVER_LIST_REQ: 0x0014,
  CC_DISCOVER_LIST_CNF: 0x0015,
  CM_ENCRYPTED_PAYLOAD_IND: 0x6006,
  CM_ENCRYPTED_PAYLOAD_RSP: 0x6007,
  CM_SET_KEY_REQ: 0x6008,
  CM_SET_KEY_CNF: 0x6009,
  CM_GET_KEY_REQ: 0x600c,
  CM_GET_KEY_CNF: 0x600d,
  CM_AMP_MAP_REQ: 0x601c,
  CM_AMP_MAP_CNF: 0x601d,
  CM_BRG_INFO_REQ: 0x6020,
  CM_BRG_INFO_CNF: 0x6021,
  CM_NW_INFO_REQ: 0x6038,
  CM_NW_INFO_CNF: 0x6039,
  CM_SLAC_PARM_REQ: 0x6064,
  CM_SLAC_PARM_CNF: 0x6065,
  CM_START_ATTEN_CHAR_IND: 0x606a,
  CM_ATTEN_CHAR_IND: 0x606e,
  CM_ATTEN_CHAR_RSP: 0x606f,
  CM_PKCS_CERT_REQ: 0x6070,
  CM_MNBC_SOUND_IND: 0x6076,
  CM_VALIDATE_REQ: 0x6078,
  CM_VALIDATE_CNF: 0x6079,
  CM_SLAC_MATCH_REQ: 0x607c,
  CM_SLAC_MATCH_CNF: 0x607d,
  CM_SLAC_USER_DATA_REQ: 0x6080,
  CM_ATTEN_PROFILE_IND: 0x6086,
  VS_SW_VER_REQ: 0xa000,
  VS_SW_VER_CNF: 0xa001,
  VS_RS_DEV_REQ: 0xa01c,
  VS_RS_DEV_CNF: 0xa01d,
  VS_NW_INFO_REQ: 0xa038,
  VS_NW_INFO_CNF: 0xa039,
  VS_PL_LINK_STATUS_REQ: 0xa0b8,
  VS_PL_LINK_STATUS_CNF: 0xa0b9,
} as const;

const SUFFIX = ['.REQ', '.CNF', '.IND', '.RSP'] as const;

// Base names (MMTYPE with the two sub-type bits cleared). HomePlug AV 1.1 §11.1 numbering,
// cross-checked against open-plc-utils mme/homeplug.h and Wireshark's homeplug-av dissector.
const STANDARD_BASES: ReadonlyMap<number, string> = new Map([
  [0x0000, 'CC_CCO_APPOINT'], [0x0004, 'CC_BACKUP_APPOINT'], [0x0008, 'CC_LINK_INFO'], [0x000c, 'CC_HANDOVER'],
  [0x0010, 'CC_HANDOVER_INFO'], [0x0014, 'CC_DISCOVER_LIST'], [0x0018, 'CC_LINK_NEW'], [0x001c, 'CC_LINK_MOD'],
  [0x0020, 'CC_LINK_SQZ'], [0x0024, 'CC_LINK_REL'], [0x0028, 'CC_DETECT_REPORT'], [0x002c, 'CC_WHO_RU'],
  [0x0030, 'CC_ASSOC'], [0x0034, 'CC_LEAVE'], [0x0038, 'CC_SET_TEI_MAP'], [0x003c, 'CC_RELAY'],
  [0x0040, 'CC_BEACON_RELIABILITY'], [0x0044, 'CC_ALLOC_MOVE'], [0x0048, 'CC_ACCESS_NEW'], [0x004c, 'CC_ACCESS_REL'],
  [0x0050, 'CC_DCPPC'], [0x0054, 'CC_HP1_DET'], [0x0058, 'CC_BLE_UPDATE'], [0x005c, 'CC_BCAST_REPEAT'],
  [0x0060, 'CC_MH_LINK_NEW'], [0x0064, 'CC_ISP_DetectionReport'], [0x0068, 'CC_ISP_StartReSync'],
  [0x006c, 'CC_ISP_FinishReSync'], [0x0070, 'CC_ISP_ReSyncDetected'], [0x0074, 'CC_ISP_ReSyncTransmit'],
  [0x0078, 'CC_POWERSAVE'], [0x007c, 'CC_POWERSAVE_EXIT'], [0x0080, 'CC_POWERSAVE_LIST'], [0x0084, 'CC_STOP_POWERSAVE'],
  [0x2000, 'CP_PROXY_APPOINT'], [0x2004, 'PH_PROXY_APPOINT'], [0x2008, 'CP_PROXY_WAKE'],
  [0x4000, 'NN_INL'], [0x4004, 'NN_NEW_NET'], [0x4008, 'NN_ADD_ALLOC'], [0x400c, 'NN_REL_ALLOC'], [0x4010, 'NN_REL_NET'],
  [0x6000, 'CM_UNASSOCIATED_STA'], [0x6004, 'CM_ENCRYPTED_PAYLOAD'], [0x6008, 'CM_SET_KEY'], [0x600c, 'CM_GET_KEY'],
  [0x6010, 'CM_SC_JOIN'], [0x6014, 'CM_CHAN_EST'], [0x6018, 'CM_TM_UPDATE'], [0x601c, 'CM_AMP_MAP'],
  [0x6020, 'CM_BRG_INFO'], [0x6024, 'CM_CONN_NEW'], [0x6028, 'CM_CONN_REL'], [0x602c, 'CM_CONN_MOD'],
  [0x6030, 'CM_CONN_INFO'], [0x6034, 'CM_STA_CAP'], [0x6038, 'CM_NW_INFO'], [0x603c, 'CM_GET_BEACON'],
  [0x6040, 'CM_HFID'], [0x6044, 'CM_MME_ERROR'], [0x6048, 'CM_NW_STATS'], [0x604c, 'CM_LINK_STATS'],
  [0x6050, 'CM_ROUTE_INFO'], [0x6054, 'CM_UNREACHABLE'], [0x6058, 'CM_MH_CONN_NEW'], [0x605c, 'CM_EXTENDED_TONEMASK'],
  [0x6060, 'CM_STA_IDENTIFY'], [0x6064, 'CM_SLAC_PARM'], [0x6068, 'CM_START_ATTEN_CHAR'], [0x606c, 'CM_ATTEN_CHAR'],
  [0x6070, 'CM_PKCS_CERT'], [0x6074, 'CM_MNBC_SOUND'], [0x6078, 'CM_VALIDATE'], [0x607c, 'CM_SLAC_MATCH'],
  [0x6080, 'CM_SLAC_USER_DATA'], [0x6084, 'CM_ATTEN_PROFILE'],
]);

// Qualcomm Atheros vendor-specific bases (open-plc-utils mme/qualcomm.h; Wireshark's names in brackets
// where they differ: GET_SW, OP_ATTR, LNK_STATS, TONE_MAP_TX/RX, GET_ENET_PHY, FR_LBK).
const QUALCOMM_BASES: ReadonlyMap<number, string> = new Map([
  [0xa000, 'VS_SW_VER'], [0xa004, 'VS_WR_MEM'], [0xa008, 'VS_RD_MEM'], [0xa00c, 'VS_ST_MAC'], [0xa010, 'VS_GET_NVM'],
  [0xa014, 'VS_RSVD_1'], [0xa018, 'VS_RSVD_2'], [0xa01c, 'VS_RS_DEV'], [0xa020, 'VS_WR_MOD'], [0xa024, 'VS_RD_MOD'], [0xa028, 'VS_MOD_NVM'], [0xa02c, 'VS_WD_RPT'],
  [0xa030, 'VS_LNK_STATS'], [0xa034, 'VS_SNIFFER'], [0xa038, 'VS_NW_INFO'], [0xa03c, 'VS_RSVD_3'], [0xa040, 'VS_CP_RPT'], [0xa044, 'VS_ARPC'],
  [0xa048, 'VS_FR_LBK'], [0xa04c, 'VS_LBK_STAT'], [0xa050, 'VS_SET_KEY'], [0xa054, 'VS_MFG_STRING'],
  [0xa058, 'VS_RD_CBLOCK'], [0xa05c, 'VS_SET_SDRAM'], [0xa060, 'VS_HOST_ACTION'], [0xa064, 'VS_RD_BLK_NVM'], [0xa068, 'VS_OP_ATTRIBUTES'],
  [0xa06c, 'VS_ENET_SETTINGS'], [0xa070, 'VS_TONE_MAP_CHAR'], [0xa074, 'VS_NW_INFO_STATS'], [0xa078, 'VS_SLAVE_MEM'],
  [0xa07c, 'VS_FAC_DEFAULTS'], [0xa080, 'VS_PTS_NVM'], [0xa084, 'VS_MULTICAST_INFO'], [0xa088, 'VS_CLASSIFICATION'], [0xa08c, 'VS_DIAG_STAGE'],
  [0xa090, 'VS_RX_TONE_MAP_CHAR'], [0xa094, 'VS_SET_LED_BEHAVIOR'], [0xa098, 'VS_WRITE_AND_EXECUTE_APPLET'],
  [0xa09c, 'VS_MDIO_COMMAND'], [0xa0a0, 'VS_SLAVE_REG'], [0xa0a4, 'VS_BANDWIDTH_LIMITING'], [0xa0a8, 'VS_SNID_OPERATION'],
  [0xa0ac, 'VS_NN_MITIGATE'], [0xa0b0, 'VS_MODULE_OPERATION'], [0xa0b4, 'VS_DIAG_NETWORK_PROBE'],
  [0xa0b8, 'VS_PL_LINK_STATUS'], [0xa0bc, 'VS_GPIO_STATE_CHANGE'], [0xa0c0, 'VS_CONN_ADD'], [0xa0c4, 'VS_CONN_MOD'],
  [0xa0c8, 'VS_CONN_REL'], [0xa0cc, 'VS_CONN_INFO'], [0xa0d0, 'VS_MULTIPORT_LNK_STA'], [0xa0d4, 'VS_RAND_MAC_ADDR'], [0xa0d8, 'VS_CUSTOM_INFO'], [0xa0dc, 'VS_EM_ID_TABLE'],
  [0xa0e0, 'VS_STANDBY'], [0xa0e4, 'VS_SLEEPSCHEDULE'], [0xa0e8, 'VS_SLEEPSCHEDULE_NOTIFICATION'],
  [0xa0f0, 'VS_MICROCONTROLLER_DIAG'], [0xa0f4, 'VS_DEBUG_INFO'], [0xa0f8, 'VS_GET_PROPERTY'], [0xa100, 'VS_SET_PROPERTY'],
  [0xa104, 'VS_PHYSWITCH_MDIO'], [0xa108, 'VS_FLASH_ERASE'], [0xa10c, 'VS_SELFTEST_ONETIME_CONFIG'], [0xa110, 'VS_SELFTEST_RESULTS'],
  [0xa114, 'VS_MDU_TRAFFIC_STATS'], [0xa118, 'VS_FORWARD_CONFIG'], [0xa148, 'VS_ACCESS_LEVEL_CONTROL'],
  // Not in open-plc-utils nor Wireshark: our name. QCA modems in EVSE mode broadcast it once per
  // M-SOUND (pyPLC charger captures): PEV MAC, NumGroups 58, reserved, AAG — a vendor twin of CM_ATTEN_PROFILE.IND.
  [0xa14c, 'VS_ATTEN_PROFILE'],
  [0xa200, 'VS_HYBRID_INFO'],
]);

// ST / IoTecha vendor-specific bases as named by Wireshark's homeplug-av dissector (the DS5366 captures).
const ST_BASES: ReadonlyMap<number, string> = new Map([[0xa22c, 'STP_CPSTATE']]);

/** Display name of an MMTYPE, e.g. 0x6064 → 'CM_SLAC_PARM.REQ'. `oui` selects the vendor table for 0x8000–0xBFFF. */
export function mmeName(mmtype: number, oui?: number): string | undefined {
  const base = mmtype & 0xfffc;
  const suffix = SUFFIX[mmtype & 3] as string;
  let name: string | undefined;
  if (mmtype < 0x8000) name = STANDARD_BASES.get(base);
  else if (oui === undefined || oui === OUI_QUALCOMM) name = QUALCOMM_BASES.get(base);
  // The same QCA firmware sends 0xA14E with OUI 00:00:00 in about half the frames (pyPLC charger captures).
  else if (oui === 0 && base === 0xa14c) name = QUALCOMM_BASES.get(base);
  else if (oui === OUI_ST_IOTECHA) name = ST_BASES.get(base);
  else if (oui === OUI_DSPACE && base === 0x8000) name = 'DSPACE_DIAG';
  return name === undefined ? undefined : name + suffix;
}

/** True for manufacturer-specific (0x8000–0x9FFF) and vendor-specific (0xA000–0xBFFF) MMTYPEs, which carry an OUI. */
export function hasOui(mmtype: number): boolean {
  return mmtype >= 0x8000 && mmtype < 0xc000;
}
