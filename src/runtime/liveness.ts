// What WATCHDOG=1 means: "the root actor and the layer it is in are working".
//
// Before, the heartbeat only proved that the root actor processed a HEARTBEAT event — which an XState
// actor always does, even while the layer it waits for is wedged (issue 8: a session child stuck in
// waitForHandshake on a dead connection, and 58 pings in the minute after). Now every layer state the
// root can be in has a bound from the config: the longest time the layer may go without progress while
// it works correctly (its own timers end it sooner). Progress is a change of the root's state or a
// status update (every request answered, every SLAC/SDP step reports one). A layer that makes no
// progress for longer than its bound is wedged: the heartbeat stops, systemd (WatchdogSec) restarts us.
//
// States that wait for the outside world with no bound of their own (the charger waiting for a car's
// CM_SLAC_PARM.REQ, the car waiting for a plug) are idle, not wedged: they have no bound.
import { Observable, filter, interval, map } from 'rxjs';
import type { Actor, AnyStateMachine } from 'xstate';
import type { Logger } from '../ports/log.js';

/** Root state path ('connecting.session.running') → the longest allowed time without progress, ms; undefined = idle, not watched. */
export type ProgressBounds = (statePath: string) => number | undefined;

export interface LivenessOptions {
  readonly actor: Pick<Actor<AnyStateMachine>, 'getSnapshot' | 'subscribe'>;
  /** Layer progress (StatusBus.updates$). */
  readonly progress$: Observable<unknown>;
  readonly bounds: ProgressBounds;
  readonly now: () => number;
  readonly logger?: Logger;
}

export type LivenessVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface Liveness {
  check(): LivenessVerdict;
  stop(): void;
}

/** Dotted path of a state value: { connecting: { session: 'running' } } → 'connecting.session.running'. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    // A parallel root has several regions: the watched layer is the first one (the managers are not parallel).
    const [k, v] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    if (k === undefined) return '';
    const rest = statePath(v);
    return rest ? `${k}.${rest}` : k;
  }
  return '';
}

export function watchLiveness(o: LivenessOptions): Liveness {
  let path = statePath(o.actor.getSnapshot().value);
  let since = o.now();
  let reported = false;
  const progress = (): void => {
    since = o.now();
    if (reported) o.logger?.log('info', 'layer makes progress again: watchdog pings resume', { state: path });
    reported = false;
  };
  const s1 = o.actor.subscribe({
    next: (snap) => {
      const p = statePath(snap.value);
      if (p !== path) {
        path = p;
        progress();
      }
    },
    error: () => {},
  });
  const s2 = o.progress$.subscribe({ next: progress, error: () => {} });
  return {
    check() {
      const snap = o.actor.getSnapshot();
      if (snap.status !== 'active') return { ok: false, reason: `root actor ${snap.status}` };
      const bound = o.bounds(path);
      const idle = o.now() - since;
      if (bound === undefined || idle <= bound) return { ok: true };
      const reason = `${path} made no progress for ${Math.round(idle)} ms (bound ${bound} ms)`;
      if (!reported) o.logger?.log('error', `wedged: ${reason}; watchdog pings stop`, { state: path, idleMs: Math.round(idle), boundMs: bound });
      reported = true;
      return { ok: false, reason };
    },
    stop() {
      s1.unsubscribe();
      s2.unsubscribe();
    },
  };
}

/**
 * The heartbeat systemd's WATCHDOG=1 follows (src/runtime/systemd.ts): every tick, the root actor must
 * process a HEARTBEAT (a blocked event loop or a stopped actor ends the ticks) and the liveness check
 * must pass (a wedged layer ends them).
 */
export function heartbeat(actor: Pick<Actor<AnyStateMachine>, 'getSnapshot' | 'send'>, liveness: Liveness, periodMs: number): Observable<number> {
  return interval(periodMs).pipe(
    map((n) => {
      if (actor.getSnapshot().status !== 'active') return -1;
      actor.send({ type: 'HEARTBEAT' });
      return liveness.check().ok ? n : -1;
    }),
    filter((n) => n >= 0),
  );
}

/** Margin on top of a layer's own longest timer before it counts as wedged (event-loop lag, report spacing). */
export const WEDGE_MARGIN_MS = 5000;

export interface EvseBoundsConfig {
  readonly V2G_SECC_CommunicationSetup_Performance_Time: number;
  readonly V2G_SECC_Sequence_Timeout: number;
  readonly V2G_SECC_CableCheck_Performance_Time: number;
  readonly V2G_SECC_Ongoing_Performance_Time: number;
  readonly safe_shutdown_timeout: number;
  readonly backoff_max: number;
  /** Modem layer worst case (discovery + SET_KEY + restart, with retries), ms. */
  readonly modemWorstCase: number;
}

/** The charger's bounds: every layer that runs on its own timers; waiting for a car (SLAC) is idle. */
export function evseProgressBounds(c: EvseBoundsConfig): ProgressBounds {
  const session = Math.max(c.V2G_SECC_Sequence_Timeout, c.V2G_SECC_CableCheck_Performance_Time, c.V2G_SECC_Ongoing_Performance_Time) + WEDGE_MARGIN_MS;
  return (p) => {
    if (p.startsWith('connecting.modem')) return c.modemWorstCase + WEDGE_MARGIN_MS;
    if (p.startsWith('connecting.listen')) return WEDGE_MARGIN_MS;
    if (p.startsWith('connecting.discovery')) return c.V2G_SECC_CommunicationSetup_Performance_Time + WEDGE_MARGIN_MS;
    if (p === 'connecting.session.stopping') return c.safe_shutdown_timeout + WEDGE_MARGIN_MS;
    if (p.startsWith('connecting.session')) return session;
    if (p === 'backoff') return c.backoff_max + WEDGE_MARGIN_MS;
    if (p === 'safeShutdown') return c.safe_shutdown_timeout + WEDGE_MARGIN_MS;
    return undefined;
  };
}

export interface EvBoundsConfig {
  /** The longest of the EV's V2G timeouts, ms (each request waits at most this for its response or loop end). */
  readonly longestV2gTimeout: number;
  readonly safe_shutdown_timeout: number;
  readonly backoff_max: number;
  readonly modemWorstCase: number;
}

/** The car's bounds: like the charger's; waiting for the plug or the unplug is idle. SLAC/SDP/TCP end on their own timers. */
export function evProgressBounds(c: EvBoundsConfig): ProgressBounds {
  return (p) => {
    if (p.startsWith('connecting.modem')) return c.modemWorstCase + WEDGE_MARGIN_MS;
    if (p.startsWith('connecting.session')) return c.longestV2gTimeout + WEDGE_MARGIN_MS;
    if (p === 'backoff') return c.backoff_max + WEDGE_MARGIN_MS;
    if (p === 'safeShutdown') return c.safe_shutdown_timeout + WEDGE_MARGIN_MS;
    return undefined;
  };
}
