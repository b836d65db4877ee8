// The car's facts as the charger learns them during one V2G session, folded
// from two sources the EVSE runtime already has:
//  - the EV's requests (WireRecord 'rx' → dialect decode → neutral V2gRequest):
//    SessionSetupReq.EVCCID, ChargeParameterDiscoveryReq (DC_EVStatus.EVRESSSOC,
//    FullSOC, EVEnergyCapacity, EVEnergyRequest; AC: EAmount), EVRESSSOC of
//    CableCheckReq / PreChargeReq / PowerDeliveryReq / CurrentDemandReq /
//    WeldingDetectionReq, EVTargetVoltage/Current of PreChargeReq and CurrentDemandReq;
//  - the session layer's status updates (state name, checkpoint, and the details
//    v2g-evse already reports: evccId at SessionSetupRes, soc/targetVoltage/
//    targetCurrent at CurrentDemandRes; fullSoc/energyCapacityWh/energyRequestWh
//    are read too, so a machine that reports them needs no wire tap).
// Pure: no I/O, no clock. A new session (checkpoint 401, supportedAppProtocolReq)
// forgets the previous car's values: a SOC callback must never carry the last car's SOC.
import { toHex } from '../../bytes.js';
import type { StatusUpdate } from '../../status.js';
import type { V2gRequest } from '../../domain/v2g/model.js';

export interface EvFacts {
  /** EVRESSSOC, percent. */
  readonly soc?: number;
  /** FullSOC, percent (DC ChargeParameterDiscoveryReq, optional there). */
  readonly fullSoc?: number;
  /** EVEnergyCapacity in Wh (DC ChargeParameterDiscoveryReq, optional; some cars send 0). */
  readonly energyCapacityWh?: number;
  /** EVEnergyRequest (DC) or EAmount (AC) in Wh. */
  readonly energyRequestWh?: number;
  /** EVCCID as lowercase hex without separators (usually the car's MAC). */
  readonly evccId?: string;
  /** EVTargetVoltage / EVTargetCurrent of the last PreChargeReq or CurrentDemandReq. */
  readonly targetVoltage?: number;
  readonly targetCurrent?: number;
  /** The session layer's last state name ('CurrentDemandRes', 'SessionEnded', ...). */
  readonly fsmState?: string;
  /** The last pyPLC checkpoint number reported by any layer. */
  readonly checkpoint?: number;
  /** Incremented at every new V2G session (checkpoint 401). */
  readonly session: number;
}

export const noFacts: EvFacts = { session: 0 };

/** Checkpoint of supportedAppProtocolReq: the first message of every V2G session. */
export const CHECKPOINT_NEW_SESSION = 401;

/** The car's values carried by one request (neutral model, DIN and ISO-2 alike). */
export function factsOfRequest(req: V2gRequest): Partial<EvFacts> {
  switch (req.kind) {
    case 'SessionSetup':
      return { evccId: toHex(req.evccId) };
    case 'ChargeParameterDiscovery': {
      const out: { -readonly [K in keyof EvFacts]?: EvFacts[K] } = {};
      if (req.dc) {
        out.soc = req.dc.evStatus.soc;
        if (req.dc.fullSoc !== undefined) out.fullSoc = req.dc.fullSoc;
        if (req.dc.energyCapacityWh !== undefined) out.energyCapacityWh = req.dc.energyCapacityWh;
        if (req.dc.energyRequestWh !== undefined) out.energyRequestWh = req.dc.energyRequestWh;
      }
      // ISO 15118-2 AC_EVChargeParameter carries no SOC; EAmount is the energy the car asks for.
      if (req.ac) out.energyRequestWh = req.ac.energyAmountWh;
      return out;
    }
    case 'CableCheck':
    case 'WeldingDetection':
      return { soc: req.evStatus.soc };
    case 'PreCharge':
    case 'CurrentDemand':
      return { soc: req.evStatus.soc, targetVoltage: req.targetVoltage, targetCurrent: req.targetCurrent };
    case 'PowerDelivery':
      return req.dc ? { soc: req.dc.evStatus.soc } : {};
    default:
      return {};
  }
}

export function foldRequest(facts: EvFacts, req: V2gRequest): EvFacts {
  return { ...facts, ...factsOfRequest(req) };
}

const numericDetails = ['soc', 'fullSoc', 'energyCapacityWh', 'energyRequestWh', 'targetVoltage', 'targetCurrent'] as const;

export function foldStatus(facts: EvFacts, u: StatusUpdate): EvFacts {
  let f: EvFacts = facts;
  if (u.checkpoint === CHECKPOINT_NEW_SESSION) f = { session: facts.session + 1 };
  if (u.checkpoint !== undefined) f = { ...f, checkpoint: u.checkpoint };
  if (u.layer !== 'session') return f;
  const out: { -readonly [K in keyof EvFacts]?: EvFacts[K] } = { ...f, fsmState: u.state };
  const d = u.details ?? {};
  for (const k of numericDetails) {
    const v = d[k];
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  if (typeof d.evccId === 'string' && d.evccId.length > 0) out.evccId = d.evccId.toLowerCase();
  return out as EvFacts;
}
