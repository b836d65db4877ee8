// The tsplc configuration schema. Standard timers keep the standard's names
// (TT_match_response, V2G_EVCC_CableCheck_Timeout, ...) and take their defaults
// from each layer's timing object (src/<layer>/timing.ts), so the config and the machines
// cannot drift apart. tsplc's own keys are snake_case. Every pyPLC pyPlc.ini key
// that still means something is mapped (`pyplc:`); the rest are listed in
// droppedPyplcKeys with the reason.
import { slacEvDefaults, slacEvseDefaults, modemDefaults } from '../domain/slac/timing.js';
import { v2gEvDefaults, v2gEvTimeoutDefaults, v2gEvseDefaults, v2gEvseTimeoutDefaults } from '../domain/v2g/config.js';
import { defaultSdpClientTimings } from '../codecs/sdp/timing.js';
import { defaultConnectionManagerTimings, defaultEvseConnectionManagerTimings } from '../domain/connection/timing.js';
import { safeShutdownDefaults } from '../domain/safety/timing.js';
import { defaultSafetyLimits } from '../domain/safety/monitor.js';
import { defaultDisplayTimings } from '../outputs/display/timing.js';
import { pageIds } from '../outputs/display/pages.js';
import { chademoTimeoutDefaults } from '../domain/chademo/config.js';
import { batterySourceNames } from '../domain/ev-source/types.js';
import { dieterDefaultVoltsPerCount } from '../domain/hardware/dieter.js';
import { defaultRelayTimings, relayLinkDefaults } from '../tools/relay/timing.js';
import { bool, int, listOf, ms, num, oneOf, optNum, pin as pinSpec, str, type IntSpec, type KeySpec, type OptionalNumberSpec, type ValueOf } from './spec.js';

const protocols = ['din', 'iso2'] as const;
const lenientFacets = ['length', 'range'] as const;
export const boardNames = ['sim', 'none', 'raspberry-pi', 'raspberry-pi-can', 'raspberry-pi-relay', 'beaglebone', 'celeron55', 'dieter'] as const;
export type BoardName = (typeof boardNames)[number];

// ---- [slac]: ISO 15118-3 timers and counters (names exactly the standard's) ----------
const slacDocs: Record<string, [min: number, max: number, doc: string]> = {
  TT_match_response: [50, 5000, 'wait for a CNF (CM_SLAC_PARM.CNF, CM_VALIDATE.CNF, CM_SLAC_MATCH.CNF) / for CM_ATTEN_CHAR.RSP (ISO 15118-3: 200 ms)'],
  C_EV_match_retry: [0, 100, 'retries of a SLAC request after TT_match_response (ISO 15118-3: 2)'],
  TP_match_sequence: [0, 100, 'EV: CM_SLAC_PARM.CNF → first CM_START_ATTEN_CHAR.IND (0–100 ms; Supercharger/Compleo do not tolerate 250 ms)'],
  TP_EV_batch_msg_interval: [20, 50, 'spacing of CM_START_ATTEN_CHAR.IND and CM_MNBC_SOUND.IND frames (20–50 ms)'],
  C_EV_start_atten_char_inds: [1, 10, 'number of CM_START_ATTEN_CHAR.IND (ISO 15118-3: 3)'],
  C_EV_match_MNBC: [1, 50, 'number of CM_MNBC_SOUND.IND (ISO 15118-3: 10)'],
  TT_EV_atten_results: [500, 20000, 'EV waits for CM_ATTEN_CHAR.IND after the first CM_START_ATTEN_CHAR.IND (ISO 15118-3: 1200 ms)'],
  TT_EVSE_match_MNBC: [600, 600, 'EVSE sound-collection window announced as 6 × 100 ms (a Compleo rejects 1000 ms)'],
  TP_EV_match_session: [0, 2000, 'EV: CM_ATTEN_CHAR.RSP → CM_VALIDATE.REQ / CM_SLAC_MATCH.REQ (standard max 500 ms; ccs32clara and the Ioniq take ~900 ms)'],
  TP_EV_vald_toggle: [600, 3500, 'validation: the EV toggles B-C-B within this window (0.6–3.5 s)'],
  TP_EV_vald_state_duration: [200, 400, 'duration of each B or C state of a validation toggle (200–400 ms)'],
  C_EV_vald_nb_toggles: [1, 3, 'number of B-C-B toggles during validation (1–3)'],
  TT_EVSE_vald_toggle: [600, 3500, 'EVSE validation window in which B-C edges are counted (3.5 s)'],
  TT_EVSE_SLAC_init: [20000, 50000, 'EVSE waits for the first CM_SLAC_PARM.REQ after state B (20–50 s)'],
  TT_match_sequence: [100, 5000, 'EVSE waits for CM_START_ATTEN_CHAR.IND after CM_SLAC_PARM.CNF (400 ms)'],
  TT_EVSE_match_session: [1000, 60000, 'EVSE waits for CM_VALIDATE.REQ / CM_SLAC_MATCH.REQ (10 s)'],
};

type SlacStandardKey = Exclude<keyof typeof slacEvDefaults | keyof typeof slacEvseDefaults, 'parmReqRetries' | 'attenuationLimitDb'>;
type SlacSection = Record<SlacStandardKey, IntSpec> & { readonly parm_req_retries: IntSpec; readonly attenuation_limit_db: OptionalNumberSpec };

function slacSection(): SlacSection {
  const out: Record<string, KeySpec> = {};
  const all: Record<string, unknown> = { ...slacEvDefaults, ...slacEvseDefaults };
  for (const [key, def] of Object.entries(all)) {
    if (typeof def !== 'number') continue;
    const d = slacDocs[key];
    if (!d) continue; // non-standard extras are mapped below under their own names (a test checks none is missed)
    out[key] = key.startsWith('C_') ? int(def, d[0], d[1], d[2]) : ms(def, d[0], d[1], d[2]);
  }
  out.parm_req_retries = int(slacEvDefaults.parmReqRetries, 0, 1000, 'EV: retries of CM_SLAC_PARM.REQ only (standard: C_EV_match_retry; EVerest uses 100 because the charger modem may still be starting)');
  out.attenuation_limit_db = optNum(0, 100, 'EV: ignore an EVSE whose average attenuation is above this (absent: no limit; sources disagree: 10/20/40 dB)', { unit: 'dB' });
  return out as SlacSection;
}

// ---- [v2g]: DIN 70121 / ISO 15118-2 timers (names exactly the standard's) -------------
function v2gTimeoutDoc(key: string): [number, number, string] {
  const m = /^V2G_EVCC_Msg_Timeout_(\w+)$/.exec(key);
  if (m) return key.endsWith('CurrentDemand') ? [100, 10000, `EV waits for ${m[1]}Res (ISO 15118-2 Table 109 / DIN Table 75: 250 ms; real chargers: up to 5 s)`] : [500, 30000, `EV waits for ${m[1]}Res (ISO 15118-2 Table 109)`];
  const secc = /^V2G_SECC_Msg_Performance_Time_(\w+)$/.exec(key);
  if (secc) {
    // Only a diagnostic bound (a late response is logged and counted), so the range stays under the EV's timeout class.
    return key.endsWith('CurrentDemand')
      ? [5, 250, `EVSE: ${secc[1]}Req decoded → Res sent; later is logged and counted (ISO 15118-2 Table 109: 25 ms)`]
      : [100, 5000, `EVSE: ${secc[1]}Req decoded → Res sent; later is logged and counted (ISO 15118-2 Table 109: ${key.endsWith('ServiceDetail') || key.endsWith('PowerDelivery') ? '4.5' : '1.5'} s)`];
  }
  const docs: Record<string, [number, number, string]> = {
    V2G_EVCC_CommunicationSetup_Timeout: [5000, 120000, 'EV: TCP/session start → SessionSetupRes (ISO 15118-2 / DIN: 20 s)'],
    V2G_EVCC_Sequence_Performance_Time: [1000, 120000, 'EV: longest gap between a response and its next request (ISO 15118-2: 40 s)'],
    V2G_EVCC_Ongoing_Timeout: [5000, 600000, 'EV: Authorization/ChargeParameterDiscovery loops while Ongoing (ISO 15118-2: 60 s)'],
    V2G_EVCC_CableCheck_Timeout: [5000, 120000, 'EV: whole CableCheck loop (ISO 15118-2 Table 111, DIN: 40 s)'],
    V2G_EVCC_PreCharge_Timeout: [1000, 60000, 'EV: whole PreCharge loop (ISO 15118-2, DIN: 7 s; ISO 15118-20: 10 s)'],
    V2G_EVCC_ReadyToCharge_Timeout: [10000, 600000, 'DIN: ChargeParameterDiscovery finished → PowerDeliveryReq(ReadyToCharge) (150 s JO vs 250 s EVerest: the longer)'],
    ConnectorLock_Timeout: [100, 30000, 'EV: wait for the connector lock confirmation'],
    Contactor_Timeout: [100, 30000, 'EV: wait for the contactor close/open confirmation'],
    Contactor_CloseTime_WithoutFeedback: [0, 5000, 'EV without contactor feedback: the relay\'s closing time, waited before PowerDelivery(Start)'],
    CurrentDecay_Timeout: [100, 30000, 'EV: at the end of charge, wait for the current to drop before opening the contactors'],
    WeldingDetection_Timeout: [1000, 60000, 'EV: whole WeldingDetection phase (ISO 15118-2 allows 40 s after PowerDeliveryRes(Stop))'],
    Loop_Interval: [0, 5000, 'EV: pause between two requests of an Ongoing / CableCheck / PreCharge loop'],
    ChargeLoop_Interval: [0, 5000, 'EV: pause between two CurrentDemandReq / ChargingStatusReq (real cars: 50–250 ms)'],
    LightBulbDemo_ContactorDelay: [0, 30000, 'EV, ev.light_bulb_demo only: CurrentDemand loop start → contactors close (pyPLC: 2 s)'],
    V2G_SECC_Sequence_Timeout: [5000, 600000, 'EVSE: gap after a response before giving up on the EV (ISO 15118-2 [V2G2-443], DIN: 60 s)'],
    V2G_SECC_CableCheck_Performance_Time: [1000, 120000, 'EVSE: the isolation check must end within this (ISO 15118-2 Table 111: 38 s)'],
    V2G_SECC_PreCharge_Performance_Time: [1000, 60000, 'EVSE: output at EVTargetVoltage within this from the first PreChargeReq, else a warning (ISO 15118-2 Table 111: 5 s)'],
    V2G_SECC_Ongoing_Performance_Time: [1000, 600000, 'EVSE: an Authorization/ChargeParameterDiscovery answer still Ongoing after this is FAILED (ISO 15118-2 [V2G2-712/713]: 55 s)'],
    handshake_timeout: [1000, 60000, 'EVSE (not a timer of the standard): TCP accept → complete supportedAppProtocolReq; a silent or slowloris connection is closed after it (real cars: a few ms; the EV itself gives up after 2 s)'],
    V2G_SECC_CommunicationSetup_Performance_Time: [1000, 120000, 'EVSE: wait for the EV\'s TCP connection after SLAC (ISO 15118-2: 18 s)'],
  };
  return docs[key] ?? [0, 600000, key];
}

type V2gTimerKey = keyof typeof v2gEvTimeoutDefaults | keyof typeof v2gEvseTimeoutDefaults | 'V2G_SECC_CommunicationSetup_Performance_Time';

function v2gSection() {
  const fixed = {
    protocols: listOf(protocols, v2gEvDefaults.protocols, 'EV: protocols offered in supportedAppProtocolReq, in priority order'),
    precharge_voltage_delta: num(v2gEvDefaults.prechargeVoltageDelta, 1, 100, 'EV: PreCharge ends when |U − U_battery| is below this (ccs32clara 20 V, pyPLC 10 V)', {
      unit: 'V',
      pyplc: 'u_delta_max_for_end_of_precharge',
    }),
    precharge_use_inlet_voltage: bool(v2gEvDefaults.prechargeUseInletVoltage, 'EV: end PreCharge on the measured inlet voltage instead of EVSEPresentVoltage'),
    precharge_current: num(v2gEvDefaults.prechargeCurrent, 0, 2, 'EV: PreChargeReq EVTargetCurrent (DIN/ISO 15118-2: at most 2 A)', { unit: 'A' }),
    soc_target: num(v2gEvDefaults.socTarget, 1, 100, 'EV: stop charging at this SOC (pyPLC: 98 %)', { unit: '%' }),
    charge_target_voltage: num(v2gEvDefaults.chargeTargetVoltage, 0, 1000, 'EV: CurrentDemandReq EVTargetVoltage; 0 = the battery maximum voltage', { unit: 'V', pyplc: 'charge_target_voltage' }),
    welding_voltage_limit: num(v2gEvDefaults.weldingVoltageLimit, 0, 100, 'EV: WeldingDetection ends below this EVSEPresentVoltage (ccs32clara: 40 V)', { unit: 'V' }),
    welding_max_rounds: int(v2gEvDefaults.weldingMaxRounds, 0, 100, 'EV: at most this many WeldingDetectionReq (ccs32clara: 10)'),
    accept_isolation_invalid: bool(
      v2gEvDefaults.acceptIsolationInvalid,
      'EV: accept CableCheck Finished with EVSEIsolationStatus Invalid or absent (some DIN chargers never report Valid; OpenV2Gx-based ISO-2 chargers such as pyPLC leave it out)',
    ),
    lenient_facets: listOf(
      lenientFacets,
      v2gEvDefaults.lenientFacets,
      'EV: schema facets of the charger\'s messages accepted with one warning per field and session instead of a decode error: "range" (integer bounds: OpenV2Gx writes SAScheduleTupleID 0), "length" (string/binary lengths: its empty EVSEID); [] = strict',
      0,
    ),
  };
  const out: Record<string, KeySpec> = { ...fixed };
  const timers: Record<V2gTimerKey, number> = {
    ...v2gEvTimeoutDefaults,
    ...v2gEvseTimeoutDefaults,
    V2G_SECC_CommunicationSetup_Performance_Time: defaultEvseConnectionManagerTimings.V2G_SECC_CommunicationSetup_Performance_Time,
  };
  for (const [key, def] of Object.entries(timers)) {
    const [min, max, doc] = v2gTimeoutDoc(key);
    out[key] = ms(def, min, max, doc);
  }
  return out as typeof fixed & Record<V2gTimerKey, IntSpec>;
}

/** The schema: section → key → spec. */
// ---- [chademo]: the CCS-to-CHAdeMO bridge (ev.battery_source = "chademo"; docs/chademo.md) ----
const pin = (doc: string) => pinSpec(`${doc} (a name as the board prints it, GPIO17 / P9_23, or its GPIO number; -1 = not fitted)`);
const chademoTimerDocs: Record<keyof typeof chademoTimeoutDefaults, [number, number, string]> = {
  CHA_Cycle: [50, 200, 'CAN cycle of 0x108/0x109 (CHAdeMO: 100 ms)'],
  CHA_T_VehicleReady: [1000, 30000, 'D1 → the car closes k and sets 102.5.0 (CHAdeMO: 8 s)'],
  CHA_T_D2: [5000, 60000, 'k + READY → D2 (compatibility, lock, CCS precharge; CHAdeMO: 20 s)'],
  CHA_T_ContactorClose: [1000, 20000, 'D2 → the car reports its contactors closed (CHAdeMO: 4 s)'],
  CHA_T_Contactor09: [500, 10000, 'protocol 0.9 (no contactor flag): contactors taken as closed/open after (2 s)'],
  CHA_T_CurrentRequest: [1000, 20000, 'contactors closed → current request > 0 (CHAdeMO: 4 s)'],
  CHA_T_CanSilence: [300, 5000, 'no valid 0x102 for this long → stop (CHAdeMO: 1 s)'],
  CHA_T_CurrentDown: [500, 20000, 'STOPPED → current ≤ chademo.stop_current; past it the stop goes on, logged'],
  CHA_T_ContactorOpen: [1000, 20000, 'current down → the car reports its contactors open (CHAdeMO: 4 s)'],
  CHA_T_Lock: [200, 10000, 'plug lock command → lock feedback'],
  CHA_T_SafeVoltage: [1000, 120000, 'D1 off → connector below chademo.safe_voltage; past it the plug stays locked (logged)'],
};
const chademoSection = {
  can_interface: str('can0', 'SocketCAN interface of the CAN HAT (CHAdeMO CAN-H/CAN-L)', { pattern: /^[A-Za-z0-9_.-]{1,15}$/, patternHint: 'an interface name such as can0' }),
  can_bitrate: int(500000, 10000, 1000000, 'CAN bitrate the interface must be set to (CHAdeMO: 500 kbit/s; the driver does not set it, `ip link` does)', { unit: 'bit/s' }),
  protocol: oneOf(['0.9', '1.0', '2.0'], '1.0', 'highest CHAdeMO protocol the bridge speaks (the session uses the lower of this and the car\'s)'),
  pin_d1: pin('output: d1, charger start signal (CHAdeMO pin 2, 12 V through a relay)'),
  pin_d2: pin('output: d2, charger ready (CHAdeMO pin 10, through a relay)'),
  pin_k: pin('input: j, vehicle charge permission (CHAdeMO pin 4; low = the car closed k)'),
  pin_lock: pin('output: CHAdeMO plug lock motor, lock direction'),
  pin_unlock: pin('output: CHAdeMO plug lock motor, unlock direction'),
  pin_lock_feedback: pin('input: CHAdeMO plug lock feedback (high = locked)'),
  max_current: int(125, 0, 255, 'the bridge\'s own current cap (cable/adapter rating); 0 = only the CCS charger\'s limit', { unit: 'A' }),
  current_ramp: num(20, 1, 500, 'how fast the current handed to the CCS session may rise', { unit: 'A/s' }),
  stop_current: num(5, 0, 20, 'D2 drops only at or below this current (CHAdeMO: 5 A)', { unit: 'A' }),
  safe_voltage: num(60, 10, 60, 'no CHAdeMO unlock at or above this connector voltage', { unit: 'V' }),
  empty_voltage_ratio: num(0.78, 0.5, 0.95, 'precharge estimate: pack voltage at 0 % SOC as a fraction of the 0x102 target voltage, when 0x100 gives no minimum voltage'),
  welding_detection: bool(false, '0x108 byte 0: the bridge supports welding detection'),
  ...(Object.fromEntries(Object.entries(chademoTimerDocs).map(([k, [min, max, doc]]) => [k, ms(chademoTimeoutDefaults[k as keyof typeof chademoTimeoutDefaults], min, max, doc)])) as Record<
    keyof typeof chademoTimeoutDefaults,
    IntSpec
  >),
};

// ---- [relay]: tsplc relay (docs/relay.md): its own waits and the raspberry-pi-relay board's wiring ----
const relaySection = {
  charger_response_timeout: ms(defaultRelayTimings.chargerResponseTimeout, 500, 120000, 'the charger\'s response to a forwarded request; later = the charger leg failed (V2G_SECC_Sequence_Timeout of [v2g] bounds the car\'s next request)'),
  stop_response_timeout: ms(defaultRelayTimings.stopResponseTimeout, 100, 30000, 'each of the relay\'s own stop requests towards the charger (0 A, PowerDelivery stop, SessionStop) waits this long for its response'),
  car_answer_window: ms(defaultRelayTimings.carAnswerWindow, 0, 30000, 'after a stop or a failed charger leg: how long the relay answers the car itself (EVSE_Shutdown / EVSE_EmergencyShutdown) before closing its connection'),
  link_timeout: ms(defaultRelayTimings.linkTimeout, 10000, 600000, 'both legs up (SLAC, SDP, TCP on both sides) within this, else the relay gives up'),
  car_slac_retry_pause: ms(relayLinkDefaults.carSlacRetryPause, 0, 60000, 'pause between two SLAC attempts towards a car that has not matched yet'),
  tcp_connect_timeout: ms(relayLinkDefaults.tcpConnectTimeout, 100, 60000, 'TCP connect to the charger after SDP'),
  pwm_chip: int(0, 0, 31, 'raspberry-pi-relay, car side: /sys/class/pwm/pwmchipN of the CP PWM (dtoverlay=pwm,pin=18,func=2 gives pwmchip0)'),
  pwm_channel: int(0, 0, 15, 'raspberry-pi-relay, car side: the channel of pwm_chip (GPIO18 = PWM0 = channel 0, GPIO19 = channel 1)'),
  pin_car_cp_pwm: pin('raspberry-pi-relay, car side: the pin the PWM channel drives into the ±12 V CP driver (only checked against the other pins; the overlay routes it); default GPIO18'),
  car_cp_adc_channel: int(2, 0, 3, 'raspberry-pi-relay, car side: ADS1115 input (hardware.i2c_bus, hardware.adc_address) on the car\'s CP, behind a peak hold and a divider'),
  car_cp_scale: num(4, 0.5, 20, 'raspberry-pi-relay, car side: CP volts per ADC volt (the divider ratio; +12 V must stay under 4.096 V at the ADC)'),
  car_cp_adc_interval: ms(20, 10, 1000, 'raspberry-pi-relay, car side: time between two CP conversions (the car switches B→C within 100 ms of its request)'),
  pin_charger_cp_b: pin('raspberry-pi-relay, charger side: output that connects the 2.74 kΩ state-B load behind the diode (off = state A towards the charger); default GPIO23'),
  pin_charger_cp_c: pin('raspberry-pi-relay, charger side: output that adds the 1.3 kΩ state-C load; default GPIO24'),
  pin_charger_cp_d: pin('raspberry-pi-relay, charger side: output that adds the 270 Ω state-D load (ventilation); -1 = not fitted, D is presented as C with a warning'),
  pin_charger_cp_pwm: pin('raspberry-pi-relay, charger side: input from a comparator on the charger\'s CP; its duty cycle is measured from the edges; default GPIO25'),
};

export const schema = {
  general: {
    mode: oneOf(['pev', 'evse', 'listen'], 'pev', 'role: pev (car), evse (charger), listen (sniffer)', { pyplc: 'mode' }),
    interface: str('eth0', 'network interface of the HomePlug modem', { pyplc: 'eth_interface', pattern: /^[A-Za-z0-9_.:@-]{1,15}$/, patternHint: 'an interface name (1–15 characters)' }),
    board: oneOf(boardNames, 'sim', 'hardware profile (see docs/boards.md)', { pyplc: 'digital_output_device' }),
    exit_on_session_end: bool(false, 'exit after a session ends (a supervisor such as systemd starts the next one with a fresh log)', { pyplc: 'exit_on_session_end' }),
    exit_if_no_local_link_address_is_found: bool(false, 'exit when the interface has no IPv6 link-local address', { pyplc: 'exit_if_no_local_link_address_is_found' }),
  },
  slac: slacSection(),
  modem: {
    discovery_window: ms(modemDefaults.discoveryWindow, 100, 10000, 'collect answers to VS_SW_VER.REQ / CM_GET_KEY.REQ for this long (pyPLC ~0.5 s)'),
    set_key_timeout: ms(modemDefaults.setKeyTimeout, 100, 10000, 'wait for CM_SET_KEY.CNF (EVerest: 500 ms)'),
    restart_pause: ms(modemDefaults.restartPause, 0, 30000, 'pause after CM_SET_KEY.CNF while the modem restarts (~5 s; an Alpitronic took ~7 s)'),
    confirm_interval: ms(modemDefaults.confirmInterval, 100, 10000, 'interval between network confirmations while waiting for the modem'),
    TT_match_join: ms(modemDefaults.TT_match_join, 1000, 30000, 'join the AVLN after CM_SLAC_MATCH.CNF within this (ISO 15118-3: max 12 s)'),
    retries: int(modemDefaults.retries, 0, 100, 'retries of discovery / SET_KEY before giving up'),
  },
  sdp: {
    SDP_retry_interval: ms(defaultSdpClientTimings.SDP_retry_interval, 250, 5000, 'EV: wait for an SDP response before the next request ([V2G2-159]: ≥ 250 ms; pyPLC 500 ms)'),
    SDP_max_requests: int(defaultSdpClientTimings.SDP_max_requests, 1, 1000, 'EV: SDP requests before giving up ([V2G2-161]: 50)'),
  },
  v2g: v2gSection(),
  connection: {
    backoff_initial: ms(defaultConnectionManagerTimings.backoffInitial, 0, 60000, 'first back-off after a failed attempt (modem … TCP); doubles per attempt'),
    backoff_max: ms(defaultConnectionManagerTimings.backoffMax, 0, 600000, 'longest back-off between attempts'),
    max_attempts: int(defaultConnectionManagerTimings.maxAttempts, 0, 100000, 'attempts before giving up; 0 = forever (a parked car keeps trying, like pyPLC)'),
    safe_shutdown_timeout: ms(defaultConnectionManagerTimings.safeShutdownTimeout, 1000, 600000, 'after this the connection manager logs the SafeShutdownSequence as hung (keep it above the [safety] worst case)'),
  },
  ev: {
    battery_capacity_wh: num(28000, 1000, 300000, 'usable battery energy (EVEnergyCapacity; pyPLC 28 kWh)', { unit: 'Wh' }),
    max_voltage: num(398, 50, 1000, 'EVMaximumVoltageLimit (pyPLC 398 V)', { unit: 'V' }),
    max_current: num(100, 1, 1000, 'EVMaximumCurrentLimit (pyPLC 100 A)', { unit: 'A' }),
    max_power: num(v2gEvDefaults.maxPower, 1000, 1_000_000, 'EVMaximumPowerLimit (pyPLC 98 kW)', { unit: 'W' }),
    charge_current_limit: num(v2gEvDefaults.chargeCurrentLimit, 0, 1000, 'extra cap on the requested current (CurrentDemandReq EVTargetCurrent); 0 = none', { unit: 'A', pyplc: 'charge_target_current' }),
    energy_request_wh: num(v2gEvDefaults.energyRequestWh, 0, 300000, 'EVEnergyRequest; 0 = computed from capacity and SOC', { unit: 'Wh' }),
    full_soc: num(v2gEvDefaults.fullSoc, 0, 100, 'FullSOC', { unit: '%' }),
    bulk_soc: num(v2gEvDefaults.bulkSoc, 0, 100, 'BulkSOC', { unit: '%' }),
    energy_transfer_mode: oneOf(['DC_extended', 'DC_core', 'AC_single_phase_core', 'AC_three_phase_core'], 'DC_extended', 'RequestedEnergyTransferMode (DIN: DC only)'),
    ac_min_current: num(v2gEvDefaults.acMinCurrent, 0, 80, 'AC: EVMinCurrent', { unit: 'A' }),
    ac_max_current: num(v2gEvDefaults.acMaxCurrent, 0, 80, 'AC: EVMaxCurrent', { unit: 'A' }),
    ac_max_voltage: num(v2gEvDefaults.acMaxVoltage, 100, 500, 'AC: EVMaxVoltage', { unit: 'V' }),
    evccid: str('auto', 'EVCCID: "auto" = the modem interface MAC (DIN/ISO practice), or a MAC aa:bb:cc:dd:ee:ff', {
      pattern: /^(auto|[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5})$/,
      patternHint: '"auto" or a MAC address aa:bb:cc:dd:ee:ff',
    }),
    battery_source: oneOf(batterySourceNames, 'static', 'where pack voltage, SOC and current limit come from: static ([ev] values), celeron55 (the board\'s serial BMS link), mqtt (pyPLC\'s car-side topics), chademo (the CCS-to-CHAdeMO bridge: the CHAdeMO car on CAN, board raspberry-pi-can, docs/chademo.md). On board sim the simulated battery is used', {
      pyplc: 'charge_parameter_backend',
    }),
    battery_voltage: optNum(50, 1000, 'static source: the pack voltage (the PreCharge target; never derived from the SOC). Required for battery_source = "static" on real boards', { unit: 'V' }),
    mqtt_inlet_voltage: bool(false, 'mqtt source: use <topic>/inlet_voltage as the inlet voltage sensor (plausibility check before the contactors close; the SafeShutdownSequence then waits for it to be safe)'),
    battery_stale_timeout: ms(2000, 200, 60000, 'live sources (celeron55, mqtt): no update within this → current request 0, then a graceful stop (pyPLC CHAdeMO: 1 s)'),
    soc_simulation: bool(false, 'simulate the SOC as pyPLC does: start at initial_soc, rise at soc_simulation_rate while the contactors are closed', { pyplc: 'soc_simulation' }),
    soc_simulation_rate: num(10, 0.01, 100, 'SOC rise of the simulation while the contactors are closed (pyPLC: 0.5 % per 30 ms cycle)', { unit: '%/s' }),
    initial_soc: num(20, 0, 100, 'SOC of the static source and start SOC of the simulation (pyPLC: 20 %)', { unit: '%' }),
    light_bulb_demo: bool(false, 'demo without a battery (pyPLC): do not close the contactors at the end of PreCharge, close them 2 s into the CurrentDemand loop (avoids overshoot without load)', { pyplc: 'light_bulb_demo' }),
  },
  evse: {
    protocol_preference: listOf(protocols, v2gEvseDefaults.protocolPreference, 'protocol preference when the EV offers several (pyPLC: DIN first)'),
    evse_id: str('ZZ00000', 'EVSEID', { pattern: /^[ -~]{1,32}$/, patternHint: '1–32 printable ASCII characters' }),
    max_voltage: num(v2gEvseDefaults.maxVoltage, 50, 1500, 'EVSEMaximumVoltageLimit', { unit: 'V' }),
    min_voltage: num(v2gEvseDefaults.minVoltage, 0, 1500, 'EVSEMinimumVoltageLimit', { unit: 'V' }),
    max_current: num(v2gEvseDefaults.maxCurrent, 1, 1000, 'EVSEMaximumCurrentLimit', { unit: 'A' }),
    min_current: num(v2gEvseDefaults.minCurrent, 0, 1000, 'EVSEMinimumCurrentLimit', { unit: 'A' }),
    max_power: num(v2gEvseDefaults.maxPower, 1000, 1_000_000, 'EVSEMaximumPowerLimit', { unit: 'W' }),
    peak_current_ripple: num(v2gEvseDefaults.peakCurrentRipple, 0, 100, 'EVSEPeakCurrentRipple', { unit: 'A' }),
    authorization_ongoing_rounds: int(v2gEvseDefaults.authorizationOngoingRounds, 0, 1000, 'Ongoing answers to Authorization / ContractAuthentication before Finished (pyPLC: 1)'),
    charge_parameter_ongoing_rounds: int(v2gEvseDefaults.chargeParameterOngoingRounds, 0, 1000, 'Ongoing answers to ChargeParameterDiscovery before Finished'),
    isolation_check_voltage: num(v2gEvseDefaults.isolationCheckVoltage, 0, 1500, 'CableCheck test voltage; 0 = the EV maximum voltage capped at max_voltage (pyPLC cable checker: ~300 V)', { unit: 'V' }),
    precharge_current_limit: num(v2gEvseDefaults.prechargeCurrentLimit, 0, 2, 'current limit during PreCharge (DIN/ISO 15118-2: ≤ 2 A)', { unit: 'A' }),
    allow_new_session_after_stopping: bool(v2gEvseDefaults.allowNewSessionAfterStop, 'after SessionStop or a lost connection, accept a new session', { pyplc: 'allow_new_session_after_stopping' }),
  },
  safety: {
    current_limit: num(safeShutdownDefaults.currentLimit, 0.5, 50, 'contactors open only at or below this current', { unit: 'A' }),
    safe_voltage: num(safeShutdownDefaults.safeVoltage, 10, 60, 'the connector unlocks only below this inlet voltage (IEC 61851-23: 60 V DC)', { unit: 'V' }),
    current_drop_deadline: ms(safeShutdownDefaults.currentDropDeadline, 100, 30000, 'longest wait for the current to drop before opening anyway (logged as a fault; pyPLC/ccs32clara: 2 s)'),
    contactor_open_deadline: ms(safeShutdownDefaults.contactorOpenDeadline, 100, 30000, 'longest wait for the contactor feedback to report open (beyond: welded, stay locked)'),
    safe_voltage_deadline: ms(safeShutdownDefaults.safeVoltageDeadline, 1000, 120000, 'longest wait for the inlet to become safe (beyond: stay locked, fault)'),
    discharge_wait_without_sensor: ms(safeShutdownDefaults.dischargeWaitWithoutSensor, 0, 30000, 'without an inlet voltage sensor: wait this long after opening, then unlock (pyPLC: 1 s)'),
    unlock_deadline: ms(safeShutdownDefaults.unlockDeadline, 100, 30000, 'longest wait for the lock to report unlocked'),
    precharge_delta: num(defaultSafetyLimits.prechargeDelta, 1, 100, 'safety monitor: contactors may close only when |inlet − battery| is below this', { unit: 'V' }),
    lock_grace: ms(defaultSafetyLimits.lockGraceMs, 0, 30000, 'safety monitor: CP C/D may precede the lock confirmation by this much'),
    inlet_plausibility_delta: num(v2gEvDefaults.inletPlausibilityDelta, 1, 200, 'EV with an inlet sensor: the contactors close only when |EVSEPresentVoltage − inlet voltage| is within this, else refuse and shut down', { unit: 'V' }),
  },
  hardware: {
    serial_port: str('/dev/ttyUSB0', 'serial device (celeron55, serial display)', { pyplc: 'serial_port', pattern: /^\/dev\/\S+$/, patternHint: 'a device path such as /dev/ttyUSB0' }),
    serial_baud: int(19200, 1200, 4_000_000, 'serial speed', { unit: 'baud', pyplc: 'serial_baud' }),
    gpio_backend: oneOf(['board', 'gpiochip', 'sysfs'], 'board', 'GPIO boards: how lines are driven — gpiochip = the kernel\'s GPIO character device (/dev/gpiochipN, uAPI v2 as libgpiod), sysfs = /sys/class/gpio through onoff (deprecated; its numbers moved on the Raspberry Pi 5), board = the board\'s default (gpiochip on raspberry-pi, raspberry-pi-can and beaglebone)'),
    gpio_chip: str('', 'gpiochip backend, Raspberry Pi: the header\'s chip device; empty = found by label (pinctrl-rp1 on the Pi 5, pinctrl-bcm2711 / -bcm2835 before); BeagleBone banks are always found by label', { allowEmpty: true, pattern: /^\/dev\/gpiochip\d+$/, patternHint: 'a device such as /dev/gpiochip4, or empty' }),
    gpio_chip_offset: int(0, 0, 4096, 'sysfs backend only: added to every GPIO number (sysfs GPIO base; 512 on Raspberry Pi kernels ≥ 6.6)'),
    pin_cp_state_c: pin('output switching the CP state-C resistor; beaglebone default P9_41'),
    pin_contactor: pin('output for the power contactor; beaglebone default P9_17'),
    pin_contactor2: pin('output for the second contactor (pyPLC relay2)'),
    pin_contactor_feedback: pin('input, high when the contactor is closed; -1 = no feedback'),
    pin_lock: pin('output pulsed to lock the connector; -1 = no lock'),
    pin_unlock: pin('output pulsed to unlock the connector; -1 = no lock'),
    pin_lock_feedback: pin('input, high when the connector is locked; -1 = no feedback'),
    pin_pp: pin('input from the proximity-pilot (PP) comparator, active while the plug is in'),
    pp_active_low: bool(false, 'the PP input reads low while the plug is in'),
    pin_cp_pwm: pin('input from a CP comparator: the charger\'s PWM duty is measured from its edges (5 % = a charger wants to talk)'),
    pp_adc: oneOf(['none', 'ads1115'], 'none', 'GPIO boards: plug detection by measuring the PP resistor (IEC 61851-1 Rc: 1.5 kΩ 13 A, 680 Ω 20 A, 220 Ω 32 A, 100 Ω 63 A; open = no plug) on an ADS1115 input (the inlet ADC\'s chip: i2c_bus, adc_address)'),
    pp_adc_channel: int(1, 0, 3, 'ADS1115 input AIN0–AIN3 wired to PP (not the inlet-voltage channel)'),
    pp_pullup: num(1000, 10, 100000, 'PP divider: the pull-up from pp_supply_voltage to PP; Rc in the plug goes from PP to PE', { unit: 'Ω' }),
    pp_supply_voltage: num(3.3, 1, 5, 'PP divider: the voltage the pull-up is tied to (at most 4.096 V, the ADC range)', { unit: 'V' }),
    pp_open_threshold: num(3000, 1600, 100000, 'PP resistance above which no plug is in (Rc open); between 1.5 kΩ and this the cable is 13 A', { unit: 'Ω' }),
    pp_hysteresis: num(10, 0, 40, 'PP: a reading must pass a threshold by this much before the plug state or cable rating changes', { unit: '%' }),
    lock_pulse: ms(300, 10, 5000, 'duration of the lock/unlock motor pulse'),
    dieter_volts_per_count: num(dieterDefaultVoltsPerCount, 0.001, 10, 'dieter board: inlet volts per ADC count of its A0 input (pyPLC: 1.08 V / 1024 × 6250 / 9.4)', { unit: 'V' }),
    inlet_adc: oneOf(['none', 'ads1115'], 'none', 'GPIO boards: ADC measuring the inlet voltage through a divider (what pyPLC called analog_input_device)'),
    i2c_bus: int(1, 0, 31, 'I2C bus number of the ADC (/dev/i2c-N)'),
    adc_address: int(0x48, 0x48, 0x4b, 'I2C address of the ADS1115 (72–75 = 0x48–0x4B)'),
    adc_channel: int(0, 0, 3, 'ADS1115 input AIN0–AIN3 wired to the divider'),
    inlet_voltage_scale: num(200, 1, 2000, 'inlet volts per ADC volt (divider ratio; the ADC input range is ±4.096 V)'),
    adc_interval: ms(100, 20, 5000, 'time between two inlet-voltage conversions'),
    display: oneOf(['none', 'serial', 'board'], 'none', 'status display: none, a serial text display (SerialToOLED), or the board\'s own (celeron55 dispN=)', { pyplc: 'display_via_serial' }),
    display_serial_port: str('', 'serial device of the text display (empty: serial_port)', { allowEmpty: true, pattern: /^\/dev\/\S+$/, patternHint: 'a device path such as /dev/ttyUSB1, or empty' }),
  },
  // [display]: the status display actor (docs/display.md); defaults from machines/display.
  display: {
    backend: oneOf(['auto', 'ssd1306', 'sh1106', 'serial', 'board', 'twin', 'none'], 'auto', 'auto = the board\'s: raspberry-pi/beaglebone an SSD1306 on I2C, celeron55 its disp0..2 lines, hardware.display = "serial" a SerialToOLED, sim/none the in-memory twin'),
    size: oneOf(['128x64', '128x32'], '128x64', 'I2C panel size (SH1106: 128x64 only)'),
    i2c_bus: int(1, 0, 31, 'I2C bus of the panel (/dev/i2c-N)'),
    address: int(0x3c, 0x3c, 0x3d, 'I2C address of the panel (60 = 0x3C, 61 = 0x3D)'),
    contrast: int(0xcf, 0, 255, 'panel contrast (SSD1306 81h)'),
    flip: bool(false, 'panel mounted upside down: rotate by 180°'),
    pages: listOf(pageIds, pageIds, 'pages shown, in rotation order'),
    page_period: ms(defaultDisplayTimings.display_page_period, 0, 600000, 'show each page this long; 0 = no rotation (the button steps)'),
    max_fps: num(4, 0.1, 30, 'at most this many redraws per second'),
    draw_timeout: ms(defaultDisplayTimings.display_draw_timeout, 50, 30000, 'a draw taking longer is a stalled display: logged once, retried with back-off'),
    retry_initial: ms(defaultDisplayTimings.display_retry, 100, 60000, 'first retry after a failed or stalled draw; doubles on every further failure'),
    retry_max: ms(defaultDisplayTimings.display_retry_max, 1000, 3600000, 'longest wait between two retries'),
    button_pin: pinSpec('GPIO boards: input (pressed = low) that steps to the next page, a name as the board prints it (GPIO17 / P9_23) or its GPIO number; -1 = none'),
    text_width: int(20, 8, 40, 'serial text displays: characters per line'),
  },
  logging: {
    level: oneOf(['debug', 'info', 'warn', 'error'], 'info', 'log level (debug includes every decoded message, as pyPLC evse_printtrace did)', { pyplc: 'evse_printtrace' }),
    udp_syslog: bool(false, 'also send each line as UDP syslog broadcast to port 514 (so it shows inside a Wireshark capture)', { pyplc: 'udp_syslog_enable' }),
    session_records_dir: str('', 'directory for per-session pcapng + JSON-lines records; empty = no records', { allowEmpty: true }),
    session_records_max_mb: int(500, 1, 1_000_000, 'bounded disk use of the session records', { unit: 'MB' }),
    session_record_max_mb: int(50, 1, 1_000_000, 'bound of one session record (pcapng + JSON lines); beyond it the record notes the cut and stops', { unit: 'MB' }),
    session_record_foreign_fps: int(100, 0, 1_000_000, 'frames per second recorded that are neither from nor to this station (other stations\' broadcasts, a flood); the rest are counted in the record; 0 = no cap', { unit: 'frames/s' }),
    repeat_limit: int(50, 0, 1_000_000, 'similar log lines (same component, level and message, numbers and MACs aside) per repeat_interval; the rest are summarised in one "suppressed K similar lines" line; 0 = no limit'),
    repeat_interval: ms(10_000, 100, 3_600_000, 'the interval of repeat_limit'),
  },
  soc_callback: {
    enabled: bool(false, 'EVSE: POST the car\'s SOC to endpoint (SmartEVSE)', { pyplc: 'soc_callback_enabled' }),
    endpoint: str('', 'URL; tsplc appends ?current_soc=&full_soc=&energy_capacity=&energy_request=&evccid=', {
      allowEmpty: true,
      pyplc: 'soc_callback_endpoint',
      pattern: /^https?:\/\/\S+$/,
      patternHint: 'an http(s) URL or empty',
    }),
    fallback_energy_capacity_wh: num(0, 0, 300000, 'energy capacity reported when the car sends none; 0 = report -1 (unknown)', { unit: 'Wh', pyplc: 'soc_fallback_energy_capacity' }),
    interval: ms(5000, 500, 600000, 'at most one POST per interval; the newest values win (SmartEVSE needs no more)'),
  },
  mqtt: {
    enabled: bool(false, 'publish status and accept commands over MQTT'),
    broker: str('localhost:1883', 'broker host[:port]', { pyplc: 'mqtt_broker', pattern: /^[A-Za-z0-9_.:[\]-]+$/, patternHint: 'host or host:port' }),
    topic: str('tsplc', 'topic prefix', { pyplc: 'mqtt_topic', pattern: /^[^#+\s]+$/, patternHint: 'a topic without wildcards or spaces' }),
    qos: int(0, 0, 1, 'MQTT QoS of the state publications (0 at most once, 1 at least once)'),
  },
  chademo: chademoSection,
  relay: relaySection,
} as const;

export type Schema = typeof schema;
export type SectionName = keyof Schema;

/** The validated configuration: every key present, typed from its spec. */
export type TsplcConfig = { readonly [S in SectionName]: { readonly [K in keyof Schema[S]]: ValueOf<Schema[S][K]> } };

/**
 * Keys tsplc once accepted but never acted on, removed; and the pyPLC keys that set them.
 * A config file may still carry one at its default (it asked for nothing: no effect); any
 * other value is an error with this reason, on load and on `tsplc config import`.
 */
export const unsupportedKeys: Readonly<Record<string, { readonly default: boolean | string | number; readonly pyplc?: string; readonly reason: string }>> = {
  'v2g.chargeloop_use_inlet_voltage': { default: false, pyplc: 'use_physical_inlet_voltage_during_chargeloop', reason: 'not supported: the charge loop reports EVSEPresentVoltage; the inlet sensor is used for PreCharge (v2g.precharge_use_inlet_voltage), the plausibility check and the SafeShutdownSequence' },
  'evse.simulate_precharge': { default: false, pyplc: 'evse_simulate_precharge', reason: 'not supported: a charger without a power supply runs on board "sim" (simulated output) or "none" (the output echoes the target)' },
  'evse.power_supply_via_homeplug_message': { default: false, pyplc: 'evse_power_supply_control_via_special_homeplug_message', reason: 'not supported: pyPLC\'s ATTEN_CHAR.IND power-supply message has no tsplc driver' },
  'evse.testsuite_enable': { default: false, pyplc: 'testsuite_enable', reason: 'not supported as a key: run `tsplc evse --faults <scenario>` (docs/user-manual.md) for fault injection' },
  'evse.modem_restart_wait': { default: 8000, reason: 'not supported: the wait after SET_KEY is modem.restart_pause' },
  'logging.show_decoded_messages': { default: false, pyplc: 'evse_show_decoded_transmit_message', reason: 'not supported: logging.level = "debug" logs every message; session records (logging.session_records_dir) keep them decoded' },
  'logging.print_raw_exi': { default: false, pyplc: 'sniffer_print_raw_exi', reason: 'not supported: `tsplc decode <capture>` prints every message with its EXI' },
  'logging.evse_mac_log_file': { default: '', pyplc: 'log_the_evse_mac_to_file', reason: 'not supported: the charger MAC is in the log line of CM_SLAC_PARM.CNF and in the session record' },
  'logging.listener_logging_url': { default: '', pyplc: 'logging_url', reason: 'not supported: the HTTP MAC logger of one pyPLC listener variant is not part of tsplc' },
};

/** pyPLC keys tsplc does not carry over, and why. */
export const droppedPyplcKeys: Readonly<Record<string, string>> = {
  analog_input_device: 'the board (general.board) chooses the inputs together with the outputs (celeron55 reports inlet_v itself; GPIO boards use hardware.inlet_adc)',
  eth_windows_interface_name: 'Windows only; tsplc runs on Linux',
  is_simulation_without_modems: 'use `tsplc sim` (both sides on one machine); on import, true selects general.board = "sim"',
  evsemode_environment: 'selected the pyPLC EVSE test environment; tsplc selects hardware through general.board',
  smart_listener_configuration: 'GPS position and beeper of one listener variant; not part of tsplc',
};

/** Every section and its specs, for generic code (validation, docs). */
export function sections(): [SectionName, Record<string, KeySpec>][] {
  return Object.entries(schema) as [SectionName, Record<string, KeySpec>][];
}
