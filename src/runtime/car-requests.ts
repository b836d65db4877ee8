// The car's V2G requests as the facts simulated hardware acts on (boards/types.ts CarRequest):
// the runtime reads them off the wire records and hands them to the board's simulation hook, so
// the board needs no EXI types and the runtime no knowledge of which board simulates what.
import type { CarRequest } from '../../boards/types.js';
import type { WireRecord } from './v2g-transport.js';

type Body = Record<string, Record<string, unknown> | undefined>;

/** A PhysicalValue (Value × 10^Multiplier) in its unit, or undefined. */
function physical(pv: unknown): number | undefined {
  if (typeof pv !== 'object' || pv === null) return undefined;
  const { Value, Multiplier } = pv as { Value?: unknown; Multiplier?: unknown };
  return typeof Value === 'number' ? Value * 10 ** (typeof Multiplier === 'number' ? Multiplier : 0) : undefined;
}

/** The facts of a decoded DIN / ISO-2 request, or undefined for any other message. */
export function carRequestOf(doc: WireRecord['doc']): CarRequest | undefined {
  if (!doc || !('V2G_Message' in doc)) return undefined;
  const body = doc.V2G_Message.Body as Body;
  for (const kind of ['PreCharge', 'CurrentDemand'] as const) {
    const req = body[`${kind}Req`];
    if (!req) continue;
    const targetVoltage = physical(req.EVTargetVoltage);
    const targetCurrent = physical(req.EVTargetCurrent);
    return { kind, ...(targetVoltage !== undefined ? { targetVoltage } : {}), ...(targetCurrent !== undefined ? { targetCurrent } : {}) };
  }
  const pd = body.PowerDeliveryReq;
  if (pd)
    return {
      kind: 'PowerDelivery',
      dc: pd.DC_EVPowerDeliveryParameter !== undefined,
      ...(typeof pd.ChargeProgress === 'string' ? { chargeProgress: pd.ChargeProgress } : {}),
      ...(typeof pd.ReadyToChargeState === 'boolean' ? { readyToChargeState: pd.ReadyToChargeState } : {}),
    };
  if (body.CableCheckReq) return { kind: 'CableCheck' };
  if (body.WeldingDetectionReq) return { kind: 'WeldingDetection' };
  if (body.SessionStopReq) return { kind: 'SessionStop' };
  return undefined;
}

/**
 * The onWire tap that feeds the board's simulation hook with the car's requests: on the EV they
 * are what it sends (tx), on the EVSE what it receives (rx). Undefined for real boards.
 */
export function simulationTap(board: { readonly simulation?: { carRequest(r: CarRequest): void } }, carSends: 'tx' | 'rx'): ((r: WireRecord) => void) | undefined {
  const sim = board.simulation;
  if (!sim) return undefined;
  return (r) => {
    if (r.direction !== carSends) return;
    const req = carRequestOf(r.doc);
    if (req) sim.carRequest(req);
  };
}
