// What `tsplc pev|evse` print when they end: the session summary as text, or with --json as one
// JSON line (the form scripts and the tests read).
import type { LatencyStats } from './latency.js';
import { formatSummary, type SessionSummary } from './progress.js';
import type { Role } from './role-args.js';
import type { RoleEnd } from './role-shutdown.js';

export interface RoleSummary {
  readonly role: Role;
  readonly end: RoleEnd;
  readonly summary: SessionSummary;
  /** EV: the response times per request type. */
  readonly latency: Record<string, LatencyStats>;
  /** EV: the lock feedback as the process exits ('unlocked' after a finished SafeShutdownSequence). */
  readonly connectorLock?: string;
  /** EVSE: responses later than V2G_SECC_Msg_Performance_Time (the transport counts them). */
  readonly lateResponses?: number;
}

export function formatRoleSummary(s: RoleSummary, json: boolean): string {
  if (json)
    return (
      JSON.stringify({
        role: s.role,
        end: s.end,
        summary: s.summary,
        ...(s.role === 'pev' ? { responseTimesMs: s.latency } : {}),
        ...(s.connectorLock !== undefined ? { connectorLock: s.connectorLock } : {}),
        ...(s.lateResponses !== undefined ? { lateResponses: s.lateResponses } : {}),
      }) + '\n'
    );
  let out = formatSummary(s.summary, s.end) + '\n';
  if (s.lateResponses !== undefined && s.lateResponses > 0) out += `  ${s.lateResponses} response(s) later than V2G_SECC_Msg_Performance_Time (see the log)\n`;
  for (const [k, v] of Object.entries(s.latency)) out += `  ${k}Res after ${v.p50} ms (p50), ${v.p99} ms (p99), n=${v.n}\n`;
  return out;
}
