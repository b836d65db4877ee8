// What the display shows, folded from what the runtime already has:
//  - status updates of every layer (stage, checkpoint, modem, SLAC, SDP, TCP,
//    shutdown, faults);
//  - measurements from the hardware ports (inlet voltage and current on the
//    car, the supply's output on the charger, the battery's SOC);
//  - the decoded V2G messages (the car's targets and maxima from its requests,
//    the charger's limits and present values from its responses), so the
//    "who is limiting" page needs no extra reporting from the session machines.
// Pure: every fold takes the time it happened at; no clock, no I/O.
import type { StatusUpdate } from '../../status.js';
import type { V2gRequest, V2gResponse } from '../../domain/v2g/model.js';
import { Checkpoint } from '../../checkpoints.js';

export interface DisplayFault {
  /** Short code: a response code, a SafeShutdown fault code, 'BACKOFF', ... */
  readonly code: string;
  readonly detail: string;
  readonly at: number;
}

export interface DisplayFacts {
  readonly role: 'EV' | 'EVSE';
  /** State of the session layer (or `layer:state` before the session starts). */
  readonly stage?: string;
  readonly checkpoint?: number;
  readonly protocol?: string;
  /** When the current plug-in / attempt began (checkpoint 3 or 100 on the car, 1/2 on the charger). */
  readonly startedAt?: number;
  /** When the session ended (905, SessionEnded, runtime ended): the clock stops there. */
  readonly endedAt?: number;
  readonly voltage?: number;
  readonly current?: number;
  readonly soc?: number;
  /** ∫ U·I dt since startedAt, Wh. */
  readonly energyWh: number;
  readonly lastMeasurementAt?: number;
  readonly ev: {
    readonly targetVoltage?: number;
    readonly targetCurrent?: number;
    readonly maxVoltage?: number;
    readonly maxCurrent?: number;
    readonly maxPower?: number;
  };
  readonly evse: {
    readonly maxVoltage?: number;
    readonly maxCurrent?: number;
    readonly maxPower?: number;
    readonly presentVoltage?: number;
    readonly presentCurrent?: number;
    readonly currentLimitAchieved?: boolean;
    readonly voltageLimitAchieved?: boolean;
    readonly powerLimitAchieved?: boolean;
  };
  readonly fault?: DisplayFault;
  /** The SafeShutdownSequence's last state ('StoppingCurrent', ..., 'Finished', 'FaultLocked'). */
  readonly shutdown?: string;
  readonly modem?: string;
  readonly modemMac?: string;
  readonly firmware?: string;
  readonly slac?: string;
  readonly attenuation?: number;
  readonly peerMac?: string;
  readonly nid?: string;
  readonly sdp?: string;
  readonly tcp?: string;
  readonly secc?: string;
  readonly interface?: string;
  readonly mac?: string;
  readonly ipv6?: string;
}

export function initialFacts(role: 'EV' | 'EVSE', link: { interface?: string; mac?: string; ipv6?: string } = {}): DisplayFacts {
  return { role, energyWh: 0, ev: {}, evse: {}, ...link };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined);
/** 'urn:din:70121:2012:MsgDef' / 'din' → 'DIN'; 'urn:iso:15118:2:2013:MsgDef' / 'iso2' → 'ISO-2'. */
export function protocolName(s: string): string {
  if (/din/i.test(s)) return 'DIN';
  if (/15118:2:|^iso2$/i.test(s)) return 'ISO-2';
  if (/15118:20|^iso20/i.test(s)) return 'ISO-20';
  return s.slice(0, 8);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Checkpoints where a new attempt begins: the clock and the energy restart (pyPLC numbering, docs/protocol.md). */
const START_CHECKPOINTS = new Set([3, 100, 1, 2]);

function fault(code: string, detail: string, at: number): DisplayFault {
  // Bounded: a peer's text never overflows the page model.
  return { code: code.slice(0, 40), detail: detail.slice(0, 120), at };
}

export function foldStatus(f: DisplayFacts, u: StatusUpdate): DisplayFacts {
  const at = u.time ?? f.lastMeasurementAt ?? 0;
  const d = u.details ?? {};
  let next: DisplayFacts = { ...f, ...(u.checkpoint !== undefined ? { checkpoint: u.checkpoint } : {}) };
  const start = u.checkpoint !== undefined && START_CHECKPOINTS.has(u.checkpoint) && (f.startedAt === undefined || f.endedAt !== undefined);
  if (start) {
    // A new car or a new attempt: the last session's numbers and faults go.
    next = { ...initialFacts(f.role, { ...(f.interface ? { interface: f.interface } : {}), ...(f.mac ? { mac: f.mac } : {}), ...(f.ipv6 ? { ipv6: f.ipv6 } : {}) }), ...pick(f), checkpoint: u.checkpoint as number, startedAt: at };
  }
  const soc = num(d.soc);
  if (soc !== undefined) next = { ...next, soc };
  const protocol = str(d.protocol);
  if (protocol && protocol !== 'none') next = { ...next, protocol: protocolName(protocol) };
  switch (u.layer) {
    case 'session': {
      // The car reports the request it sends ('PowerDeliveryStop') and then the response
      // ('PowerDeliveryRes'); the charger reports the request and response it handled
      // ('SupportedAppProtocolReq', 'CurrentDemandRes'). The stage is the message pair's name,
      // and a response keeps the more precise name its request gave.
      const m = /^(.*?)(Req|Res)$/.exec(u.state);
      const base = m ? (m[1] as string) : u.state;
      if (!m || !(next.stage ?? '').startsWith(base)) next = { ...next, stage: base };
      const rc = str(d.responseCode);
      if (rc && /^FAILED/i.test(rc)) next = { ...next, fault: fault(rc, `${u.state}`, at) };
      if (u.state === 'SafeShutdown') next = { ...next, fault: fault('SafeShutdown', str(d.reason) ?? 'requested', at) };
      if (u.state === 'ChargingFinished' || u.state === 'SessionEnded' || u.checkpoint === Checkpoint.SessionStopRes) next = { ...next, endedAt: at };
      break;
    }
    case 'shutdown': {
      next = { ...next, shutdown: u.state };
      const faults = str(d.faults);
      if (faults) next = { ...next, fault: fault(faults.split(',')[0] ?? faults, faults, at) };
      else if (u.state === 'requested' || u.state === 'StoppingCurrent') {
        const reason = str(d.reason);
        if (reason && reason !== 'SessionStop') next = { ...next, fault: fault('SafeShutdown', reason, at) };
      } else if (u.state === 'timeout') next = { ...next, fault: fault('SHUTDOWN_TIMEOUT', str(d.reason) ?? 'SafeShutdown did not report done', at) };
      break;
    }
    case 'modem': {
      next = { ...next, modem: u.state, ...(str(d.modemMac) ? { modemMac: str(d.modemMac) } : {}), ...(str(d.firmware) ? { firmware: str(d.firmware) } : {}), ...(str(d.nid) ? { nid: str(d.nid) } : {}) };
      if (u.state === 'Failed') next = { ...next, fault: fault('MODEM', str(d.reason) ?? 'modem failed', at) };
      break;
    }
    case 'slac': {
      const peer = str(d.evseMac) ?? str(d.evMac);
      const att = num(d.attenuation);
      next = { ...next, slac: u.state, ...(peer ? { peerMac: peer } : {}), ...(att !== undefined ? { attenuation: att } : {}) };
      if (u.state === 'Failed') next = { ...next, fault: fault('SLAC', str(d.reason) ?? 'SLAC failed', at) };
      break;
    }
    case 'sdp':
      next = { ...next, sdp: u.state };
      if (u.state === 'failed') next = { ...next, fault: fault('SDP', str(d.reason) ?? 'no SDP response', at) };
      break;
    case 'tcp': {
      const peer = str(d.secc) ?? str(d.ev);
      next = { ...next, tcp: u.state, ...(peer ? { secc: peer } : {}) };
      break;
    }
    case 'runtime':
      if (u.state === 'backoff') next = { ...next, fault: fault('BACKOFF', str(d.reason) ?? 'retrying', at) };
      if (u.state === 'ended') next = { ...next, stage: str(d.end) ?? 'ended', endedAt: next.endedAt ?? at };
      else if (next.stage === undefined || next.startedAt === at) next = { ...next, stage: `${u.layer}:${u.state}` };
      break;
    case 'hardware':
      if (u.state === 'OutputOffOnCpState') next = { ...next, fault: fault('CP_STATE', `output off: CP ${str(d.cp) ?? '?'}`, at) };
      break;
    default:
      break;
  }
  if (next.stage === undefined && u.layer !== 'session') next = { ...next, stage: `${u.layer}:${u.state}` };
  return next;
}

/** The link facts that survive a new attempt (modem, interface). */
function pick(f: DisplayFacts): Partial<DisplayFacts> {
  return {
    ...(f.modem ? { modem: f.modem } : {}),
    ...(f.modemMac ? { modemMac: f.modemMac } : {}),
    ...(f.firmware ? { firmware: f.firmware } : {}),
    ...(f.soc !== undefined ? { soc: f.soc } : {}),
    ...(f.voltage !== undefined ? { voltage: f.voltage } : {}),
    ...(f.current !== undefined ? { current: f.current } : {}),
    ...(f.lastMeasurementAt !== undefined ? { lastMeasurementAt: f.lastMeasurementAt } : {}),
  };
}

/** A new voltage and/or current reading: energy is integrated with the previous values up to `at`. */
export function foldMeasurement(f: DisplayFacts, m: { readonly voltage?: number; readonly current?: number; readonly soc?: number }, at: number): DisplayFacts {
  let energyWh = f.energyWh;
  if (f.lastMeasurementAt !== undefined && f.voltage !== undefined && f.current !== undefined && f.startedAt !== undefined && f.endedAt === undefined) {
    const dt = Math.max(0, at - Math.max(f.lastMeasurementAt, f.startedAt)) / 3_600_000;
    // Only energy into the battery counts (a negative current is a sensor offset at rest).
    energyWh += Math.max(0, f.voltage * f.current) * dt;
  }
  const v = num(m.voltage);
  const i = num(m.current);
  const s = num(m.soc);
  return { ...f, energyWh, lastMeasurementAt: at, ...(v !== undefined ? { voltage: v } : {}), ...(i !== undefined ? { current: i } : {}), ...(s !== undefined ? { soc: s } : {}) };
}

export function foldRequest(f: DisplayFacts, req: V2gRequest): DisplayFacts {
  switch (req.kind) {
    case 'ChargeParameterDiscovery': {
      const p = req.dc ?? req.ac;
      if (!p) return f;
      return { ...f, ev: { ...f.ev, maxVoltage: p.maxVoltage, maxCurrent: p.maxCurrent, ...(req.dc?.maxPower !== undefined ? { maxPower: req.dc.maxPower } : {}) }, ...(req.dc ? { soc: req.dc.evStatus.soc } : {}) };
    }
    case 'PreCharge':
    case 'CurrentDemand':
      return {
        ...f,
        soc: req.evStatus.soc,
        ev: {
          ...f.ev,
          targetVoltage: req.targetVoltage,
          targetCurrent: req.targetCurrent,
          ...(req.kind === 'CurrentDemand' && req.maxCurrent !== undefined ? { maxCurrent: req.maxCurrent } : {}),
          ...(req.kind === 'CurrentDemand' && req.maxVoltage !== undefined ? { maxVoltage: req.maxVoltage } : {}),
          ...(req.kind === 'CurrentDemand' && req.maxPower !== undefined ? { maxPower: req.maxPower } : {}),
        },
      };
    default:
      return f;
  }
}

export function foldResponse(f: DisplayFacts, res: V2gResponse): DisplayFacts {
  switch (res.kind) {
    case 'ChargeParameterDiscovery': {
      if (res.dc) return { ...f, evse: { ...f.evse, maxVoltage: res.dc.maxVoltage, maxCurrent: res.dc.maxCurrent, ...(res.dc.maxPower !== undefined ? { maxPower: res.dc.maxPower } : {}) } };
      if (res.ac) return { ...f, evse: { ...f.evse, maxVoltage: res.ac.nominalVoltage, maxCurrent: res.ac.maxCurrent } };
      return f;
    }
    case 'PreCharge':
    case 'WeldingDetection':
      return { ...f, evse: { ...f.evse, presentVoltage: res.presentVoltage } };
    case 'CurrentDemand':
      return {
        ...f,
        evse: {
          ...f.evse,
          presentVoltage: res.presentVoltage,
          presentCurrent: res.presentCurrent,
          currentLimitAchieved: res.currentLimitAchieved,
          voltageLimitAchieved: res.voltageLimitAchieved,
          powerLimitAchieved: res.powerLimitAchieved,
          ...(res.maxVoltage !== undefined ? { maxVoltage: res.maxVoltage } : {}),
          ...(res.maxCurrent !== undefined ? { maxCurrent: res.maxCurrent } : {}),
          ...(res.maxPower !== undefined ? { maxPower: res.maxPower } : {}),
        },
      };
    case 'ChargingStatus':
      return res.maxCurrent !== undefined ? { ...f, evse: { ...f.evse, maxCurrent: res.maxCurrent } } : f;
    default:
      return f;
  }
}

export type LimitingSide = { readonly side: 'charger' | 'car'; readonly what: 'current' | 'voltage' | 'power' } | undefined;

/**
 * Which side sets the current now. The charger is limiting when it says so
 * (EVSECurrentLimitAchieved / PowerLimitAchieved / VoltageLimitAchieved, DIN
 * 70121 §9.4.2.4.3) or when the car asks for at least the charger's maximum;
 * otherwise the car's request (its BMS) is the limit.
 */
export function limitingSide(f: DisplayFacts): LimitingSide {
  const { ev, evse } = f;
  if (evse.powerLimitAchieved) return { side: 'charger', what: 'power' };
  if (evse.currentLimitAchieved) return { side: 'charger', what: 'current' };
  if (evse.voltageLimitAchieved) return { side: 'charger', what: 'voltage' };
  if (ev.targetCurrent === undefined) return undefined;
  if (evse.maxCurrent !== undefined && ev.targetCurrent >= evse.maxCurrent - 0.5) return { side: 'charger', what: 'current' };
  if (evse.maxPower !== undefined && ev.targetVoltage !== undefined && ev.targetVoltage * ev.targetCurrent >= evse.maxPower * 0.99) return { side: 'charger', what: 'power' };
  return { side: 'car', what: 'current' };
}
