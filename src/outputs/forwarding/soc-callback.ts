// The SmartEVSE SOC callback as pyPLC's EVSE sends it:
//   POST <endpoint>?current_soc=<%>&full_soc=<%>&energy_capacity=<Wh>&energy_request=<Wh>&evccid=<hex>
// (pyPLC pyPlcEvseMain socStatusCallback). Unknown numbers are -1 (SmartEVSE leaves
// a value it gets as -1 untouched); energies are Wh. pyPLC's observation "some cars
// do not supply the energy capacity, or send 0" is kept: capacity ≤ 0 → the configured
// fallback (soc_fallback_energy_capacity), else -1; energy request ≤ 0 → -1.
// Differences from pyPLC, on purpose:
//  - tsplc reads EVEnergyCapacity/EVEnergyRequest with their multiplier (real Wh);
//    pyPLC took the raw Value and multiplied by 10 (right only for Multiplier 1).
//  - values learnt earlier in the session are kept (pyPLC sent -1 for FullSOC and the
//    energies from CableCheckReq on); a new session forgets them (see facts.ts).
import type { EvFacts } from './facts.js';

export interface SocCallbackQuery {
  readonly current_soc: number;
  readonly full_soc: number;
  readonly energy_capacity: number;
  readonly energy_request: number;
  /** '' when unknown, like pyPLC. */
  readonly evccid: string;
}

const UNKNOWN = -1;

const wholeOrUnknown = (v: number | undefined): number => (v === undefined || !Number.isFinite(v) ? UNKNOWN : Math.round(v));
const positiveOrUnknown = (v: number | undefined): number => (v === undefined || !Number.isFinite(v) || v <= 0 ? UNKNOWN : Math.round(v));

/**
 * The callback's values for these facts, or undefined while the car has told nothing
 * worth forwarding (no SOC, FullSOC, capacity or request yet: an EVCCID alone is not sent).
 */
export function socCallbackQuery(f: EvFacts, fallbackEnergyCapacityWh: number): SocCallbackQuery | undefined {
  if (f.soc === undefined && f.fullSoc === undefined && f.energyCapacityWh === undefined && f.energyRequestWh === undefined) return undefined;
  const capacity = positiveOrUnknown(f.energyCapacityWh);
  return {
    current_soc: wholeOrUnknown(f.soc),
    full_soc: wholeOrUnknown(f.fullSoc),
    energy_capacity: capacity === UNKNOWN && fallbackEnergyCapacityWh > 0 ? Math.round(fallbackEnergyCapacityWh) : capacity,
    energy_request: positiveOrUnknown(f.energyRequestWh),
    evccid: f.evccId ?? '',
  };
}

/** The query string in SmartEVSE's order (`?current_soc=…&…&evccid=…`), values URL-encoded. */
export function socCallbackQueryString(q: SocCallbackQuery): string {
  const pairs: [string, string][] = [
    ['current_soc', String(q.current_soc)],
    ['full_soc', String(q.full_soc)],
    ['energy_capacity', String(q.energy_capacity)],
    ['energy_request', String(q.energy_request)],
    ['evccid', q.evccid],
  ];
  return pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

/** endpoint + query; an endpoint that already has a query string gets `&`. */
export function socCallbackUrl(endpoint: string, q: SocCallbackQuery): string {
  const hash = endpoint.indexOf('#');
  const base = hash >= 0 ? endpoint.slice(0, hash) : endpoint;
  const sep = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${sep}${socCallbackQueryString(q)}`;
}
