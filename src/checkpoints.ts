// The checkpoints of a charging session, named once.
//
// pyPLC's users know a session by these numbers: they appear in pyPLC's
// documentation and logs (../shared/reference/checkpoints.md lists them with
// the side that reaches each one). tsplc reports the same number on the status
// stream (StatusUpdate.checkpoint) whenever a transition reaches one, so logs of
// both can be read side by side. Code names a checkpoint by its key here; the
// number literal appears nowhere else.
export const Checkpoint = {
  /** EVSE: random NID and NMK chosen and set into the own modem. */
  EvseKeySet: 1,
  /** EVSE: 12 V on CP (state A). */
  CpStateA: 2,
  /** Plug inserted (the car waits for it). */
  PlugInserted: 3,
  /** EV: CP pulled to 9 V (state B). */
  CpStateB: 4,
  /** EVSE: 5 % PWM on CP, digital communication requested. */
  PwmFivePercent: 5,
  /** EV: sees 5 %, wakes its communication controller and modem. */
  EvModemWakes: 6,
  /** EV modem: hears the EVSE modem's coordinator beacons. */
  BeaconsHeard: 7,

  /** EV: CM_SLAC_PARM.REQ (may be sent more than once). */
  SlacParmReq: 100,
  /** EVSE: CM_SLAC_PARM.REQ received, CM_SLAC_PARM.CNF sent. */
  SlacParmCnf: 101,
  /** EV: CM_SLAC_PARM.CNF received. */
  SlacParmCnfReceived: 102,
  /** EV: CM_START_ATTEN_CHAR.IND ×3. */
  StartAttenCharInd: 103,
  /** EV: CM_MNBC_SOUND.IND ×10. */
  MnbcSoundInd: 104,
  /** EVSE modem: CM_ATTEN_PROFILE.IND per sound. */
  AttenProfileInd: 110,
  /** EVSE: CM_ATTEN_CHAR.IND with the averaged attenuation per group. */
  AttenCharInd: 120,
  /** EV: CM_ATTEN_CHAR.IND received (possibly from several EVSEs). */
  AttenCharIndReceived: 130,
  /** EV: CM_ATTEN_CHAR.RSP to the chosen EVSE. */
  AttenCharRsp: 140,
  /** EV: CM_SLAC_MATCH.REQ. */
  SlacMatchReq: 150,
  /** EVSE: CM_SLAC_MATCH.CNF with NID and NMK. */
  SlacMatchCnf: 155,
  /** EV: CM_SLAC_MATCH.CNF received, NID and NMK taken. */
  SlacMatchCnfReceived: 160,
  /** EV: CM_SET_KEY.REQ into its own modem. */
  SetKeyReq: 170,
  /** EV modem: restarts to apply the key (≈ 5 s on real modems). */
  ModemRestart: 180,
  /** Both: private network (AVLN) formed. */
  AvlnFormed: 190,

  /** EV: SDP request (UDP multicast ff02::1 port 15118). */
  SdpReq: 200,
  /** EVSE: SDP request received. */
  SdpReqReceived: 201,
  /** EVSE: SDP response with its IPv6 address, TCP port, security and transport. */
  SdpRes: 202,
  /** EV: SDP response received, address and port kept. */
  SdpResReceived: 203,
  /** Either side: neighbour solicitation. */
  NeighbourSolicitation: 204,
  /** The other side: neighbour advertisement. */
  NeighbourAdvertisement: 205,
  /** Both: addressing settled. */
  AddressingSettled: 210,

  /** EVSE: listens on the announced TCP port. */
  TcpListen: 300,
  /** EV: TCP SYN. */
  TcpSyn: 301,
  /** EVSE: SYN+ACK. */
  TcpSynAck: 302,
  /** EV: ACK, connection established. */
  TcpEstablished: 303,

  /** EV: supportedAppProtocolReq. */
  SupportedAppProtocolReq: 400,
  /** EVSE: chooses the protocol. */
  ProtocolChosen: 401,
  /** EVSE: supportedAppProtocolRes. */
  SupportedAppProtocolRes: 402,
  /** EV: knows the protocol. */
  ProtocolKnown: 403,
  /** EV: SessionSetupReq (SessionID 0). */
  SessionSetupReq: 500,
  /** EVSE: SessionSetupRes with the new SessionID. */
  SessionSetupRes: 505,
  /** EV: SessionSetupRes received. */
  SessionSetupResReceived: 506,
  ServiceDiscoveryReq: 510,
  ServiceDiscoveryRes: 515,
  /** ServicePaymentSelectionReq (DIN) / PaymentServiceSelectionReq (ISO-2). */
  PaymentSelectionReq: 520,
  PaymentSelectionRes: 525,
  /** ContractAuthenticationReq (DIN) / AuthorizationReq (ISO-2), repeated while Ongoing. */
  AuthorizationReq: 530,
  AuthorizationRes: 535,
  /** The user authorises (RFID, app). */
  UserAuthorised: 536,
  /** EVSE: authorization Finished. */
  Authorized: 538,
  ChargeParameterDiscoveryReq: 540,
  ChargeParameterDiscoveryRes: 545,
  /** EV: CP state C (or D). */
  CpStateC: 550,
  /** EV: lock the connector. */
  LockConnector: 555,
  /** EV: lock confirmed. */
  Locked: 556,
  CableCheckReq: 560,
  /** EVSE: applies voltage, measures isolation. */
  IsolationMeasuring: 561,
  CableCheckRes: 565,
  /** Both: CableCheck repeated until Finished. */
  CableCheckRepeated: 566,
  /** EV: PreChargeReq (target voltage, ≤ 2 A). */
  PreChargeReq: 570,
  /** EVSE: PreChargeRes with its present voltage. */
  PreChargeRes: 575,
  /** EVSE: adjusts its output voltage. */
  PreChargeAdjusting: 580,
  /** EV: measures inlet and battery voltage (or trusts EVSEPresentVoltage). */
  PreChargeMeasuring: 581,
  /** Both: repeated until the difference is small. */
  PreChargeRepeated: 582,
  /** EV: closes its contactors (difference below ≈ 20 V). */
  ContactorsClosed: 590,
  /** EV: PowerDeliveryReq(Start). */
  PowerDeliveryStartReq: 600,
  PowerDeliveryStartRes: 605,
  /** EV: CurrentDemandReq (DC) / ChargingStatusReq (AC). */
  CurrentDemandReq: 700,
  CurrentDemandRes: 705,
  /** Both: repeated while charging. */
  Charging: 710,
  /** EVSE: stop at the charger (EVSEStatusCode EVSE_Shutdown in CurrentDemandRes). */
  EvseShutdown: 790,
  /** EV: PowerDeliveryReq(Stop). */
  PowerDeliveryStopReq: 800,
  PowerDeliveryStopRes: 805,
  PowerDeliveryStopResReceived: 806,
  /** EV: CP state C → B. */
  CpStateBAfterCharge: 810,
  WeldingDetectionReq: 850,
  WeldingDetectionRes: 855,
  SessionStopReq: 900,
  SessionStopRes: 905,
} as const;

export type CheckpointName = keyof typeof Checkpoint;
/** A pyPLC checkpoint number (one of the values of `Checkpoint`). */
export type Checkpoint = (typeof Checkpoint)[CheckpointName];

const NAMES: ReadonlyMap<number, CheckpointName> = new Map(
  (Object.keys(Checkpoint) as CheckpointName[]).map((k) => [Checkpoint[k], k] as const),
);

/** The name of a checkpoint number, for logs ('SdpResReceived'), or undefined for an unknown number. */
export function checkpointName(n: number): CheckpointName | undefined {
  return NAMES.get(n);
}

/** Narrows a number read from outside (a log, a JSON record) to a checkpoint. */
export function isCheckpoint(n: number): n is Checkpoint {
  return NAMES.has(n);
}
