// Per-session summary of a capture: one session per TCP connection that
// carried V2G messages. What pyPLC's pcapConverter prints as its statistics
// line (charger MAC and vendor, CableCheck and PreCharge durations) plus the
// message counts, SLAC facts, SOC range and how the session ended.
import { type SlacFacts, type V2gCaptureAnalyzer, type V2gEvent, type V2gMessageEvent, NAMESPACE_SCHEMA } from './analyzer.js';
import { fieldText, fieldValue, findField } from './fields.js';
import { guessChargerVendor } from './vendor.js';
import { type LimitingVerdict, limitingVerdicts } from './limiting.js';
import { formatIpv6 } from '../net/ipv6-address.js';

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

function span(msgs: readonly V2gMessageEvent[], stem: RegExp): number | undefined {
  const req = msgs.find((m) => stem.test(m.name) && m.name.endsWith('Req'));
  const res = [...msgs].reverse().find((m) => stem.test(m.name) && m.name.endsWith('Res'));
  if (!req || !res || res.timestamp < req.timestamp) return undefined;
  return Number(((res.timestamp - req.timestamp) / 1000).toFixed(3));
}

export function summarizeSessions(events: readonly V2gEvent[], analyzer: V2gCaptureAnalyzer): SessionSummary[] {
  const byConn = new Map<number, V2gEvent[]>();
  for (const e of events) {
    const id = 'connection' in e ? e.connection : undefined;
    if (id === undefined) continue;
    let list = byConn.get(id);
    if (!list) byConn.set(id, (list = []));
    list.push(e);
  }
  const out: SessionSummary[] = [];
  for (const c of analyzer.sessionConnections) {
    const id = c.info.id;
    const evs = byConn.get(id) ?? [];
    const msgs = evs.filter((e): e is V2gMessageEvent => e.kind === 'v2g');
    if (msgs.length === 0) continue;
    const facts = analyzer.sessionFacts(id);
    const counts: Record<string, number> = {};
    for (const m of msgs) counts[m.name] = (counts[m.name] ?? 0) + 1;
    const socs = msgs.map((m) => (m.decoded ? (fieldValue(m.decoded.body, 'EVRESSSOC') ?? fieldValue(m.decoded.body, 'PresentSOC')) : undefined)).filter((v): v is number => v !== undefined);
    const max = (k: string): number | undefined => {
      const vs = msgs.map((m) => (m.decoded ? fieldValue(m.decoded.body, k) : undefined)).filter((v): v is number => v !== undefined);
      return vs.length ? Math.max(...vs) : undefined;
    };
    let protocol: string | undefined;
    const sapReq = msgs.find((m) => m.name === 'supportedAppProtocolReq');
    const sapRes = msgs.find((m) => m.name === 'supportedAppProtocolRes');
    if (sapReq?.decoded && sapRes?.decoded) {
      const id2 = findField(sapRes.decoded.body, 'SchemaID');
      const list = findField(sapReq.decoded.body, 'AppProtocol');
      if (Array.isArray(list)) {
        for (const p of list) {
          if (p && typeof p === 'object' && !Array.isArray(p) && p.SchemaID === id2 && typeof p.ProtocolNamespace === 'string') protocol = p.ProtocolNamespace;
        }
      }
    }
    const responses = msgs.filter((m) => m.name.endsWith('Res') && m.decoded);
    const last = responses[responses.length - 1];
    const lastResponse = last?.decoded
      ? {
          name: last.name,
          ...(fieldText(last.decoded.body, 'ResponseCode') !== undefined ? { responseCode: fieldText(last.decoded.body, 'ResponseCode') as string } : {}),
          ...(fieldText(last.decoded.body, 'EVSEStatusCode') !== undefined ? { evseStatusCode: fieldText(last.decoded.body, 'EVSEStatusCode') as string } : {}),
        }
      : undefined;
    let lastCheckpoint: number | undefined;
    for (const m of msgs) lastCheckpoint = m.checkpoint ?? lastCheckpoint;
    const chargerMac = facts?.slac.evseMac ?? facts?.serverMac;
    const vendor = chargerMac ? guessChargerVendor(chargerMac) : undefined;
    const evMac = facts?.clientMac ?? facts?.slac.evMac;
    out.push({
      connection: id,
      start: (evs[0] as V2gEvent).timestamp,
      end: (msgs[msgs.length - 1] as V2gMessageEvent).timestamp,
      ev: `[${formatIpv6(c.info.client.address)}]:${c.info.client.port}`,
      evse: `[${formatIpv6(c.info.server.address)}]:${c.info.server.port}`,
      ...(evMac ? { evMac } : {}),
      ...(chargerMac ? { chargerMac } : {}),
      ...(vendor ? { chargerVendor: vendor } : {}),
      slac: facts?.slac ?? {},
      ...(protocol ? { protocol } : {}),
      messages: msgs.length,
      messageCounts: counts,
      ...opt('cableCheckDuration', span(msgs, /^(DC_)?CableCheck(Req|Res)$/)),
      ...opt('preChargeDuration', span(msgs, /^(DC_)?PreCharge(Req|Res)$/)),
      ...opt('socFirst', socs[0]),
      ...opt('socLast', socs[socs.length - 1]),
      ...opt('maxEVSEPresentVoltage', max('EVSEPresentVoltage')),
      ...opt('maxEVSEPresentCurrent', max('EVSEPresentCurrent')),
      ...opt('lastCheckpoint', lastCheckpoint),
      ...(lastResponse ? { lastResponse } : {}),
      stopReason: stopReason(msgs, evs),
      undecoded: msgs.filter((m) => m.name === '?').length,
      errors: evs.filter((e) => e.kind === 'error').length,
      ...limitingOf(msgs, id),
    });
  }
  return out;
}

function limitingOf(msgs: readonly V2gMessageEvent[], id: number): { limiting?: LimitingVerdict } {
  const v = limitingVerdicts(msgs).get(id);
  return v ? { limiting: v } : {};
}

function opt<K extends string>(k: K, v: number | undefined): { [P in K]?: number } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: number };
}

/** The first thing, in session order, that ended it (FAILED response, charger stop status, EV stop, TCP end). */
function stopReason(msgs: readonly V2gMessageEvent[], evs: readonly V2gEvent[]): string {
  for (const m of msgs) {
    if (!m.decoded || !m.name.endsWith('Res')) continue;
    const rc = fieldText(m.decoded.body, 'ResponseCode');
    if (rc && /^FAILED/i.test(rc)) return `${m.name} ${rc}`;
    const st = fieldText(m.decoded.body, 'EVSEStatusCode');
    if (st && STOP_STATUS.has(st)) return `charger stop: ${st} in ${m.name}`;
  }
  const stop = msgs.find((m) => m.name === 'SessionStopReq' || m.name === 'SessionStopRes');
  if (stop) return msgs.some((m) => m.name === 'SessionStopRes') ? 'normal end: SessionStop' : 'SessionStopReq without response';
  const close = evs.find((e) => e.kind === 'tcp' && (e.what === 'RST' || e.what === 'FIN'));
  const last = msgs[msgs.length - 1] as V2gMessageEvent;
  if (close && close.kind === 'tcp') return `TCP ${close.what} from ${close.direction === 'EV→EVSE' ? 'EV' : 'EVSE'} after ${last.name}`;
  return `capture ends after ${last.name}`;
}

export { NAMESPACE_SCHEMA };
