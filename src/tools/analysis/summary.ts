// Per-session summary of a capture: one session per TCP connection that
// carried V2G messages. What pyPLC's pcapConverter prints as its statistics
// line (charger MAC and vendor, CableCheck and PreCharge durations) plus the
// message counts, SLAC facts, SOC range and how the session ended.
import { type SlacFacts, type V2gCaptureAnalyzer, type V2gEvent, type V2gMessageEvent, NAMESPACE_SCHEMA } from './analyzer.js';
import { fieldText, fieldValue, findField } from './fields.js';
import { guessChargerVendor } from './vendor.js';
import { LimitingFold, type LimitingVerdict } from './limiting.js';
import { formatIpv6 } from '../../codecs/net/ipv6-address.js';

export interface SessionSummary {
  readonly connection: number;
  readonly start: number;
  readonly end: number;
  readonly ev: string;
  readonly evse: string;
  readonly evMac?: string;
  /** The charger's MAC: EVSE side of SLAC, else the Ethernet source of the TCP server. */
  readonly chargerMac?: string;
  readonly chargerVendor?: string;
  readonly slac: SlacFacts;
  /** Namespace chosen in supportedAppProtocolRes, when the handshake was captured. */
  readonly protocol?: string;
  readonly messages: number;
  readonly messageCounts: Readonly<Record<string, number>>;
  /** Seconds from the first CableCheckReq to the last CableCheckRes. */
  readonly cableCheckDuration?: number;
  /** Seconds from the first PreChargeReq to the last PreChargeRes. */
  readonly preChargeDuration?: number;
  readonly socFirst?: number;
  readonly socLast?: number;
  readonly maxEVSEPresentVoltage?: number;
  readonly maxEVSEPresentCurrent?: number;
  /** pyPLC checkpoint of the last message seen (500 SessionSetupReq … 905 SessionStopRes). */
  readonly lastCheckpoint?: number;
  readonly lastResponse?: { readonly name: string; readonly responseCode?: string; readonly evseStatusCode?: string };
  /** One line: why the session ended, as far as the capture shows. */
  readonly stopReason: string;
  readonly undecoded: number;
  readonly errors: number;
  /** Which side limited the charging current, over the CurrentDemand / ChargingStatus pairs (limiting.ts). */
  readonly limiting?: LimitingVerdict;
}

const STOP_STATUS = new Set(['EVSE_Shutdown', 'EVSE_EmergencyShutdown', 'EVSE_Malfunction', 'EVSE_UtilityInterruptEvent']);
const CABLE_CHECK = /^(DC_)?CableCheck(Req|Res)$/;
const PRE_CHARGE = /^(DC_)?PreCharge(Req|Res)$/;

/**
 * What a session summary needs of one connection, kept as the events go by: a few numbers
 * and strings per connection, nothing per message (a capture of any length is summarised
 * in bounded memory, `tsplc decode` and `tsplc listen` keep no decoded documents).
 */
interface SessionState {
  start: number;
  end: number;
  messages: number;
  counts: Record<string, number>;
  cableCheckReq?: number;
  cableCheckRes?: number;
  preChargeReq?: number;
  preChargeRes?: number;
  socFirst?: number;
  socLast?: number;
  maxVoltage?: number;
  maxCurrent?: number;
  /** AppProtocol list of the first supportedAppProtocolReq, SchemaID of the first Res. */
  offered?: readonly unknown[];
  chosenSchemaId?: unknown;
  sawSapReq: boolean;
  sawSapRes: boolean;
  lastCheckpoint?: number;
  lastResponse?: { readonly name: string; readonly responseCode?: string; readonly evseStatusCode?: string };
  /** The first FAILED response or charger stop status, in session order. */
  firstStop?: string;
  sawSessionStopReq: boolean;
  sawSessionStopRes: boolean;
  /** The first TCP RST/FIN of the connection. */
  firstClose?: string;
  lastName: string;
  undecoded: number;
  errors: number;
}

/** Folds V2G/TCP/error events into per-session summaries without keeping the events. */
export class SessionAccumulator {
  private readonly states = new Map<number, SessionState>();
  /** Which side limited the current: a fold with O(1) state per session (limiting.ts). */
  private readonly limiting = new LimitingFold();

  add(e: V2gEvent): void {
    const id = 'connection' in e ? e.connection : undefined;
    if (id === undefined) return;
    let st = this.states.get(id);
    if (!st) {
      st = { start: e.timestamp, end: NaN, messages: 0, counts: {}, sawSapReq: false, sawSapRes: false, sawSessionStopReq: false, sawSessionStopRes: false, lastName: '', undecoded: 0, errors: 0 };
      this.states.set(id, st);
    }
    if (e.kind === 'error') {
      st.errors++;
      return;
    }
    if (e.kind === 'tcp') {
      if (st.firstClose === undefined && (e.what === 'RST' || e.what === 'FIN')) st.firstClose = `TCP ${e.what} from ${e.direction === 'EV→EVSE' ? 'EV' : 'EVSE'}`;
      return;
    }
    if (e.kind !== 'v2g') return;
    this.message(st, e);
    this.limiting.push(e);
  }

  private message(st: SessionState, m: V2gMessageEvent): void {
    const name = m.name;
    st.messages++;
    st.end = m.timestamp;
    st.lastName = name;
    st.counts[name] = (st.counts[name] ?? 0) + 1;
    if (name === '?') st.undecoded++;
    if (m.checkpoint !== undefined) st.lastCheckpoint = m.checkpoint;
    const isReq = name.endsWith('Req');
    const isRes = name.endsWith('Res');
    // span(): from the first Req to the last Res of the step.
    if (CABLE_CHECK.test(name)) {
      if (isReq) st.cableCheckReq ??= m.timestamp;
      if (isRes) st.cableCheckRes = m.timestamp;
    }
    if (PRE_CHARGE.test(name)) {
      if (isReq) st.preChargeReq ??= m.timestamp;
      if (isRes) st.preChargeRes = m.timestamp;
    }
    if (name === 'SessionStopReq') st.sawSessionStopReq = true;
    if (name === 'SessionStopRes') st.sawSessionStopRes = true;
    const d = m.decoded;
    if (name === 'supportedAppProtocolReq' && !st.sawSapReq) {
      st.sawSapReq = true;
      if (d) {
        const list = findField(d.body, 'AppProtocol');
        if (Array.isArray(list)) st.offered = list;
      }
    }
    if (name === 'supportedAppProtocolRes' && !st.sawSapRes) {
      st.sawSapRes = true;
      if (d) st.chosenSchemaId = findField(d.body, 'SchemaID') ?? null;
    }
    if (!d) return;
    const body = d.body;
    const soc = fieldValue(body, 'EVRESSSOC') ?? fieldValue(body, 'PresentSOC');
    if (soc !== undefined) {
      st.socFirst ??= soc;
      st.socLast = soc;
    }
    const v = fieldValue(body, 'EVSEPresentVoltage');
    if (v !== undefined) st.maxVoltage = st.maxVoltage === undefined ? v : Math.max(st.maxVoltage, v);
    const i = fieldValue(body, 'EVSEPresentCurrent');
    if (i !== undefined) st.maxCurrent = st.maxCurrent === undefined ? i : Math.max(st.maxCurrent, i);
    if (isRes) {
      const rc = fieldText(body, 'ResponseCode');
      const sc = fieldText(body, 'EVSEStatusCode');
      st.lastResponse = { name, ...(rc !== undefined ? { responseCode: rc } : {}), ...(sc !== undefined ? { evseStatusCode: sc } : {}) };
      if (st.firstStop === undefined) {
        if (rc && /^FAILED/i.test(rc)) st.firstStop = `${name} ${rc}`;
        else if (sc && STOP_STATUS.has(sc)) st.firstStop = `charger stop: ${sc} in ${name}`;
      }
    }
  }

  /** Summaries of the sessions seen so far, in the analyser's session order. */
  summaries(analyzer: V2gCaptureAnalyzer): SessionSummary[] {
    const out: SessionSummary[] = [];
    for (const c of analyzer.sessionConnections) {
      const id = c.info.id;
      const st = this.states.get(id);
      if (!st || st.messages === 0) continue;
      const facts = analyzer.sessionFacts(id);
      let protocol: string | undefined;
      if (st.offered && st.chosenSchemaId !== undefined) {
        for (const p of st.offered) {
          if (p && typeof p === 'object' && !Array.isArray(p)) {
            const o = p as Record<string, unknown>;
            if (o.SchemaID === st.chosenSchemaId && typeof o.ProtocolNamespace === 'string') protocol = o.ProtocolNamespace;
          }
        }
      }
      const chargerMac = facts?.slac.evseMac ?? facts?.serverMac;
      const vendor = chargerMac ? guessChargerVendor(chargerMac) : undefined;
      const evMac = facts?.clientMac ?? facts?.slac.evMac;
      out.push({
        connection: id,
        start: st.start,
        end: st.end,
        ev: `[${formatIpv6(c.info.client.address)}]:${c.info.client.port}`,
        evse: `[${formatIpv6(c.info.server.address)}]:${c.info.server.port}`,
        ...(evMac ? { evMac } : {}),
        ...(chargerMac ? { chargerMac } : {}),
        ...(vendor ? { chargerVendor: vendor } : {}),
        slac: facts?.slac ?? {},
        ...(protocol ? { protocol } : {}),
        messages: st.messages,
        messageCounts: { ...st.counts },
        ...opt('cableCheckDuration', span(st.cableCheckReq, st.cableCheckRes)),
        ...opt('preChargeDuration', span(st.preChargeReq, st.preChargeRes)),
        ...opt('socFirst', st.socFirst),
        ...opt('socLast', st.socLast),
        ...opt('maxEVSEPresentVoltage', st.maxVoltage),
        ...opt('maxEVSEPresentCurrent', st.maxCurrent),
        ...opt('lastCheckpoint', st.lastCheckpoint),
        ...(st.lastResponse ? { lastResponse: st.lastResponse } : {}),
        stopReason: stopReason(st),
        undecoded: st.undecoded,
        errors: st.errors,
        ...limitingOf(this.limiting.verdict(id)),
      });
    }
    return out;
  }
}

function span(req: number | undefined, res: number | undefined): number | undefined {
  if (req === undefined || res === undefined || res < req) return undefined;
  return Number(((res - req) / 1000).toFixed(3));
}

export function summarizeSessions(events: readonly V2gEvent[], analyzer: V2gCaptureAnalyzer): SessionSummary[] {
  const acc = new SessionAccumulator();
  for (const e of events) acc.add(e);
  return acc.summaries(analyzer);
}

function limitingOf(v: LimitingVerdict | undefined): { limiting?: LimitingVerdict } {
  return v ? { limiting: v } : {};
}

function opt<K extends string>(k: K, v: number | undefined): { [P in K]?: number } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: number };
}

/** The first thing, in session order, that ended it (FAILED response, charger stop status, EV stop, TCP end). */
function stopReason(st: SessionState): string {
  if (st.firstStop !== undefined) return st.firstStop;
  if (st.sawSessionStopReq || st.sawSessionStopRes) return st.sawSessionStopRes ? 'normal end: SessionStop' : 'SessionStopReq without response';
  if (st.firstClose !== undefined) return `${st.firstClose} after ${st.lastName}`;
  return `capture ends after ${st.lastName}`;
}

export { NAMESPACE_SCHEMA };
