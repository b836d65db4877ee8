// The limiting-side verdict (issue 14 §2; pyPLC's first use case: "measure which side is the
// limiting element for reduced charging power"). For every CurrentDemand (DC) / ChargingStatus (AC)
// request/response pair: the car's target current and voltage against the charger's present values,
// its maximum limits and its limit-achieved flags; per session, how much of the charging time the
// car limited, the charger limited (current, voltage or power) and neither, with the reason.
//
// A fold: push() takes one V2G message at a time and keeps O(1) state per session (the last
// request, the charger's last known maxima, the running shares), so it works on a streamed capture.
import type { V2gMessageEvent } from './analyzer.js';
import { fieldText, fieldValue } from './fields.js';

export type LimitingSide = 'car' | 'charger' | 'neither';
export type ChargerLimit = 'current' | 'voltage' | 'power';

export interface PairVerdict {
  readonly connection: number;
  /** Frame of the request and of the response. */
  readonly requestFrame: number;
  readonly responseFrame: number;
  readonly timestamp: number;
  readonly side: LimitingSide;
  readonly limit?: ChargerLimit;
  /** Why, in the field's words: `EVSECurrentLimitAchieved`, `EVTargetCurrent 200 A < EVSEMaximumCurrentLimit 500 A`. */
  readonly reason: string;
  readonly evTargetCurrent?: number;
  readonly evTargetVoltage?: number;
  readonly evsePresentCurrent?: number;
  readonly evsePresentVoltage?: number;
  readonly evseMaximumCurrent?: number;
  readonly evseMaximumVoltage?: number;
  readonly evseMaximumPower?: number;
}

export interface LimitingShare {
  /** Seconds of charging time with this verdict. */
  readonly seconds: number;
  /** Share of the session's charging time, 0..1. */
  readonly share: number;
  readonly pairs: number;
}

export interface LimitingVerdict {
  /** Charging time: from the first pair's request to the last pair's response, seconds. */
  readonly chargingSeconds: number;
  readonly pairs: number;
  readonly car: LimitingShare;
  readonly charger: LimitingShare & { readonly current: LimitingShare; readonly voltage: LimitingShare; readonly power: LimitingShare };
  readonly neither: LimitingShare;
  /** The side with the largest share ('neither' for a tie or no pairs). */
  readonly verdict: LimitingSide;
  /** Each reason with its seconds, largest first (at most 8 kept). */
  readonly reasons: readonly { readonly side: LimitingSide; readonly reason: string; readonly seconds: number }[];
}

/**
 * Slack before a value counts as "at" a limit: 1 A / 1 V / 2 % of the limit, whichever is larger.
 * Cars ask a hair under the charger's maximum (tesla-3-din: EVTargetCurrent 22 A against
 * EVSEMaximumCurrentLimit 23 A), and chargers regulate within a few percent.
 */
function slack(limit: number, unit: number): number {
  return Math.max(unit, Math.abs(limit) * 0.02);
}

interface Pending {
  readonly frame: number;
  readonly timestamp: number;
  readonly targetCurrent?: number;
  readonly targetVoltage?: number;
}

interface SessionState {
  pending?: Pending;
  /** The pair waiting for the next request to know its duration. */
  open?: PairVerdict;
  maxCurrent?: number;
  maxVoltage?: number;
  maxPower?: number;
  /** AC: the car's EVMaxCurrent (ChargeParameterDiscoveryReq). */
  evMaxCurrent?: number;
  firstRequest?: number;
  lastResponse?: number;
  pairs: number;
  seconds: Record<'car' | 'neither' | ChargerLimit, number>;
  counts: Record<'car' | 'neither' | ChargerLimit, number>;
  reasons: Map<string, { side: LimitingSide; reason: string; seconds: number }>;
}

const isReq = (n: string): boolean => n === 'CurrentDemandReq' || n === 'ChargingStatusReq' || n === 'DC_ChargeLoopReq' || n === 'AC_ChargeLoopReq';
const isRes = (n: string): boolean => n === 'CurrentDemandRes' || n === 'ChargingStatusRes' || n === 'DC_ChargeLoopRes' || n === 'AC_ChargeLoopRes';

const first = (body: Parameters<typeof fieldValue>[0], keys: readonly string[]): number | undefined => {
  for (const k of keys) {
    const v = fieldValue(body, k);
    if (v !== undefined) return v;
  }
  return undefined;
};

export class LimitingFold {
  private readonly sessions = new Map<number, SessionState>();

  /** One V2G message, in capture order. Returns the verdict of a pair when this message completes one. */
  push(e: V2gMessageEvent): PairVerdict | undefined {
    if (!e.decoded) return undefined;
    const s = this.state(e.connection);
    const body = e.decoded.body;
    const name = e.name;
    if (name === 'ChargeParameterDiscoveryRes' || isRes(name)) {
      // DIN/ISO-2 DC: DC_EVSEChargeParameter (CPD) and the optional maxima in every CurrentDemandRes;
      // ISO-2 AC: EVSEMaxCurrent; ISO-20 DC: EVSEMaximumChargeCurrent/Power, EVSEMaximumVoltage.
      s.maxCurrent = first(body, ['EVSEMaximumCurrentLimit', 'EVSEMaxCurrent', 'EVSEMaximumChargeCurrent']) ?? s.maxCurrent;
      s.maxVoltage = first(body, ['EVSEMaximumVoltageLimit', 'EVSEMaximumVoltage']) ?? s.maxVoltage;
      s.maxPower = first(body, ['EVSEMaximumPowerLimit', 'EVSEMaximumChargePower']) ?? s.maxPower;
    }
    if (name === 'ChargeParameterDiscoveryReq') s.evMaxCurrent = first(body, ['EVMaxCurrent', 'EVMaximumCurrentLimit', 'EVMaximumChargeCurrent']);
    if (isReq(name)) {
      s.firstRequest ??= e.timestamp;
      if (s.open) this.close(s, e.timestamp);
      const targetCurrent = fieldValue(body, 'EVTargetCurrent');
      const targetVoltage = fieldValue(body, 'EVTargetVoltage');
      s.pending = { frame: e.frame, timestamp: e.timestamp, ...(targetCurrent !== undefined ? { targetCurrent } : {}), ...(targetVoltage !== undefined ? { targetVoltage } : {}) };
      return undefined;
    }
    if (!isRes(name) || !s.pending) return undefined;
    const req = s.pending;
    s.pending = undefined;
    const v = this.judge(e, req, s);
    s.pairs++;
    s.lastResponse = e.timestamp;
    s.open = v;
    return v;
  }

  /** The verdict of one session so far (the last pair counts until its response). */
  verdict(connection: number): LimitingVerdict | undefined {
    const s0 = this.sessions.get(connection);
    if (!s0 || s0.pairs === 0) return undefined;
    // Close the open pair on a copy, so verdict() can be asked mid-stream.
    const s: SessionState = { ...s0, seconds: { ...s0.seconds }, counts: { ...s0.counts }, reasons: new Map([...s0.reasons].map(([k, r]) => [k, { ...r }])) };
    if (s.open && s.lastResponse !== undefined) this.close(s, s.lastResponse, s.open.timestamp);
    const total = s.seconds.car + s.seconds.neither + s.seconds.current + s.seconds.voltage + s.seconds.power;
    const share = (sec: number, pairs: number): LimitingShare => ({ seconds: round(sec), share: total > 0 ? round(sec / total, 4) : 0, pairs });
    const chargerSec = s.seconds.current + s.seconds.voltage + s.seconds.power;
    const chargerPairs = s.counts.current + s.counts.voltage + s.counts.power;
    const ranked: [LimitingSide, number][] = [
      ['car', s.seconds.car],
      ['charger', chargerSec],
      ['neither', s.seconds.neither],
    ];
    ranked.sort((a, b) => b[1] - a[1]);
    const top = ranked[0] as [LimitingSide, number];
    const verdict: LimitingSide = top[1] > 0 && top[1] > (ranked[1] as [LimitingSide, number])[1] ? top[0] : 'neither';
    return {
      chargingSeconds: round(total),
      pairs: s.pairs,
      car: share(s.seconds.car, s.counts.car),
      charger: { ...share(chargerSec, chargerPairs), current: share(s.seconds.current, s.counts.current), voltage: share(s.seconds.voltage, s.counts.voltage), power: share(s.seconds.power, s.counts.power) },
      neither: share(s.seconds.neither, s.counts.neither),
      verdict,
      reasons: [...s.reasons.values()].sort((a, b) => b.seconds - a.seconds).slice(0, 8).map((r) => ({ ...r, seconds: round(r.seconds) })),
    };
  }

  private state(connection: number): SessionState {
    let s = this.sessions.get(connection);
    if (!s) {
      s = { pairs: 0, seconds: { car: 0, neither: 0, current: 0, voltage: 0, power: 0 }, counts: { car: 0, neither: 0, current: 0, voltage: 0, power: 0 }, reasons: new Map() };
      this.sessions.set(connection, s);
    }
    return s;
  }

  /** A pair lasts from its request to the next request (the last one: to its response). */
  private close(s: SessionState, until: number, from?: number): void {
    const v = s.open as PairVerdict;
    s.open = undefined;
    const start = from ?? v.timestamp;
    const sec = Math.max(0, (until - start) / 1000);
    const key = v.side === 'charger' ? (v.limit as ChargerLimit) : v.side;
    s.seconds[key] += sec;
    s.counts[key]++;
    const reasonKey = `${v.side}|${v.reason}`;
    const r = s.reasons.get(reasonKey);
    if (r) r.seconds += sec;
    else if (s.reasons.size < 64) s.reasons.set(reasonKey, { side: v.side, reason: v.reason, seconds: sec });
  }

  private judge(res: V2gMessageEvent, req: Pending, s: SessionState): PairVerdict {
    const body = (res.decoded as NonNullable<V2gMessageEvent['decoded']>).body;
    const presentCurrent = fieldValue(body, 'EVSEPresentCurrent');
    const presentVoltage = fieldValue(body, 'EVSEPresentVoltage');
    const base = {
      connection: res.connection,
      requestFrame: req.frame,
      responseFrame: res.frame,
      timestamp: req.timestamp,
      ...(req.targetCurrent !== undefined ? { evTargetCurrent: req.targetCurrent } : {}),
      ...(req.targetVoltage !== undefined ? { evTargetVoltage: req.targetVoltage } : {}),
      ...(presentCurrent !== undefined ? { evsePresentCurrent: presentCurrent } : {}),
      ...(presentVoltage !== undefined ? { evsePresentVoltage: presentVoltage } : {}),
      ...(s.maxCurrent !== undefined ? { evseMaximumCurrent: s.maxCurrent } : {}),
      ...(s.maxVoltage !== undefined ? { evseMaximumVoltage: s.maxVoltage } : {}),
      ...(s.maxPower !== undefined ? { evseMaximumPower: s.maxPower } : {}),
    };
    const charger = (limit: ChargerLimit, reason: string): PairVerdict => ({ ...base, side: 'charger', limit, reason });
    // 1. The charger says so (DIN 70121 / ISO 15118-2 CurrentDemandRes: EVSE*LimitAchieved).
    if (fieldText(body, 'EVSECurrentLimitAchieved') === 'true') return charger('current', 'EVSECurrentLimitAchieved');
    if (fieldText(body, 'EVSEPowerLimitAchieved') === 'true') return charger('power', 'EVSEPowerLimitAchieved');
    if (fieldText(body, 'EVSEVoltageLimitAchieved') === 'true') return charger('voltage', 'EVSEVoltageLimitAchieved');
    const I = req.targetCurrent;
    const U = req.targetVoltage;
    if (I === undefined) {
      // AC (ISO-2 ChargingStatusReq carries no target): the charger's EVSEMaxCurrent against the
      // car's EVMaxCurrent from ChargeParameterDiscoveryReq.
      if (s.maxCurrent !== undefined && s.evMaxCurrent !== undefined) {
        if (s.maxCurrent < s.evMaxCurrent - slack(s.evMaxCurrent, 1)) return charger('current', `EVSEMaxCurrent ${s.maxCurrent} A < EVMaxCurrent ${s.evMaxCurrent} A`);
        return { ...base, side: 'car', reason: `EVMaxCurrent ${s.evMaxCurrent} A ≤ EVSEMaxCurrent ${s.maxCurrent} A` };
      }
      return { ...base, side: 'neither', reason: 'no target current and no maxima to compare' };
    }
    // 2. The car asks (about) the charger's maximum: the charger's limit is what binds.
    if (s.maxCurrent !== undefined && I >= s.maxCurrent - slack(s.maxCurrent, 1)) return charger('current', `EVTargetCurrent at EVSEMaximumCurrentLimit ${s.maxCurrent} A`);
    if (s.maxPower !== undefined && U !== undefined && U * I >= s.maxPower - slack(s.maxPower, 100)) return charger('power', `EVTargetVoltage × EVTargetCurrent at EVSEMaximumPowerLimit ${s.maxPower} W`);
    if (s.maxVoltage !== undefined && U !== undefined && U >= s.maxVoltage - slack(s.maxVoltage, 1)) return charger('voltage', `EVTargetVoltage at EVSEMaximumVoltageLimit ${s.maxVoltage} V`);
    // 3. The charger delivers clearly less than asked without reaching a limit: neither side's
    //    request/limit explains it (load, ramp, regulation: the pyPLC light-bulb sessions).
    if (presentCurrent !== undefined && presentCurrent < I - slack(I, 1)) return { ...base, side: 'neither', reason: 'EVSEPresentCurrent below EVTargetCurrent, no charger limit reached' };
    // 4. The car asks less than the charger could give.
    if (s.maxCurrent !== undefined) return { ...base, side: 'car', reason: 'EVTargetCurrent below EVSEMaximumCurrentLimit' };
    return { ...base, side: 'neither', reason: 'charger maxima unknown' };
  }
}

function round(x: number, digits = 3): number {
  return Number(x.toFixed(digits));
}

/** The verdicts of every session in a list of messages (convenience for whole-capture analysis). */
export function limitingVerdicts(messages: Iterable<V2gMessageEvent>): Map<number, LimitingVerdict> {
  const f = new LimitingFold();
  const ids = new Set<number>();
  for (const m of messages) {
    f.push(m);
    ids.add(m.connection);
  }
  const out = new Map<number, LimitingVerdict>();
  for (const id of ids) {
    const v = f.verdict(id);
    if (v) out.set(id, v);
  }
  return out;
}

/** One line for the text summary: `limiting: charger 100 % (current 100 %), car 0 %, neither 0 % of 612.3 s — EVSECurrentLimitAchieved`. */
export function limitingText(v: LimitingVerdict): string {
  const pc = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const parts = [`current ${pc(v.charger.current.share)}`, `voltage ${pc(v.charger.voltage.share)}`, `power ${pc(v.charger.power.share)}`];
  const top = v.reasons[0];
  return `limiting: ${v.verdict} — car ${pc(v.car.share)}, charger ${pc(v.charger.share)} (${parts.join(', ')}), neither ${pc(v.neither.share)} of ${v.chargingSeconds} s charging, ${v.pairs} pairs${top ? `; mostly ${top.side}: ${top.reason}` : ''}`;
}
