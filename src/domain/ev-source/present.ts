// The charger's present values and limits from the responses the car receives
// (DIN and ISO 15118-2 carry the same element names): for MQTT publication.
import type { V2gDocument } from '../v2g/document.js';

const value = (pv: unknown): number | undefined => {
  const p = pv as { Value?: number; Multiplier?: number } | undefined;
  return p && typeof p.Value === 'number' ? p.Value * 10 ** (p.Multiplier ?? 0) : undefined;
};

export interface ChargerFacts {
  readonly presentVoltage?: number;
  readonly presentCurrent?: number;
  readonly maxVoltage?: number;
  readonly maxCurrent?: number;
}

/** The facts one received document tells; empty when it tells none. */
export function chargerFactsOf(doc: V2gDocument | undefined): ChargerFacts {
  if (!doc || !('V2G_Message' in doc)) return {};
  const body = doc.V2G_Message.Body as Record<string, Record<string, unknown> | undefined>;
  const res = body.CurrentDemandRes ?? body.PreChargeRes ?? body.WeldingDetectionRes;
  const out: Record<string, number> = {};
  if (res) {
    const v = value(res.EVSEPresentVoltage);
    const i = value(res.EVSEPresentCurrent);
    if (v !== undefined) out.presentVoltage = v;
    if (i !== undefined) out.presentCurrent = i;
    const mv = value(res.EVSEMaximumVoltageLimit);
    const mi = value(res.EVSEMaximumCurrentLimit);
    if (mv !== undefined) out.maxVoltage = mv;
    if (mi !== undefined) out.maxCurrent = mi;
  }
  const cpd = body.ChargeParameterDiscoveryRes;
  const dc = cpd?.DC_EVSEChargeParameter as Record<string, unknown> | undefined;
  if (dc) {
    const mv = value(dc.EVSEMaximumVoltageLimit);
    const mi = value(dc.EVSEMaximumCurrentLimit);
    if (mv !== undefined) out.maxVoltage = mv;
    if (mi !== undefined) out.maxCurrent = mi;
  }
  return out;
}
