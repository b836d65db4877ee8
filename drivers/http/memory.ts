// The in-memory twin of the HTTP POST port (src/ports/http.ts): an endpoint a
// test scripts, on the clock port instead of real timers. It records every
// request, answers with a status after a delay, refuses (as ECONNREFUSED), or
// never answers — and keeps the driver's rules: the deadline covers the whole
// request, an abort ends it at once, a bad URL or scheme fails before anything
// is sent, the promise never rejects. test/ports/http.contract.test.ts runs the
// same contract against it and against drivers/http/post.ts on a real server.
import { preflight } from './preflight.js';
import type { Clock } from '../../src/ports/clock.js';
import type { HttpPost, HttpPostOptions, HttpPostResult } from '../../src/ports/http.js';

export interface HttpRequestSeen {
  readonly method: 'POST';
  readonly url: string;
  readonly body: string;
  readonly contentType?: string;
  /** Clock time when the request was made. */
  readonly at: number;
}

/** How the endpoint answers one request. */
export type HttpReply =
  /** A response with this status after delayMs (default 0). */
  | { readonly status: number; readonly delayMs?: number }
  /** A socket error after delayMs (default 0), e.g. 'connect ECONNREFUSED 127.0.0.1:80'. */
  | { readonly error: string; readonly delayMs?: number }
  /** Accepts the request and never answers (only the deadline or an abort ends it). */
  | { readonly hang: true };

export interface MemoryHttpEndpoint {
  /** The HttpPost port bound to this endpoint. */
  readonly post: HttpPost;
  /** Every request that reached the endpoint, in order. */
  readonly requests: readonly HttpRequestSeen[];
  /** Requests not yet answered, timed out or aborted. */
  readonly inFlight: number;
  /** The most requests in flight at one time. */
  readonly maxInFlight: number;
  /** Replaces the script: called for every request. */
  respond(script: (req: HttpRequestSeen) => HttpReply): void;
}

export interface MemoryHttpEndpointOptions {
  /** Time for delays and deadlines (a SimulatedClock in tests). */
  readonly clock: Clock;
  /** How to answer (default: 200 at once). */
  readonly respond?: (req: HttpRequestSeen) => HttpReply;
}

export function memoryHttpEndpoint(o: MemoryHttpEndpointOptions): MemoryHttpEndpoint {
  const { clock } = o;
  let script: (req: HttpRequestSeen) => HttpReply = o.respond ?? (() => ({ status: 200 }));
  const requests: HttpRequestSeen[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const post: HttpPost = (url: string, options: HttpPostOptions): Promise<HttpPostResult> => {
    const t0 = clock.now();
    return new Promise<HttpPostResult>((resolve) => {
      let settled = false;
      let replyTimer: unknown;
      let counted = false;
      const finish = (r: Omit<HttpPostResult, 'ms'>): void => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(deadline);
        if (replyTimer !== undefined) clock.clearTimeout(replyTimer);
        options.signal?.removeEventListener('abort', onAbort);
        if (counted) inFlight--;
        resolve({ ...r, ms: clock.now() - t0 });
      };
      const onAbort = (): void => finish({ ok: false, error: 'aborted' });
      const deadline = clock.setTimeout(() => finish({ ok: false, error: 'timeout' }), options.timeoutMs);
      const pre = preflight(url, options.signal);
      if ('error' in pre) {
        finish({ ok: false, error: pre.error });
        return;
      }
      options.signal?.addEventListener('abort', onAbort);
      const seen: HttpRequestSeen = { method: 'POST', url, body: options.body ?? '', ...(options.contentType ? { contentType: options.contentType } : {}), at: t0 };
      const reply = script(seen);
      // A refused connection never reaches the endpoint's log, as a server that is down sees nothing.
      if (!('error' in reply)) requests.push(seen);
      counted = true;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if ('hang' in reply) return;
      const answer = (): void => {
        replyTimer = undefined;
        if ('error' in reply) finish({ ok: false, error: reply.error });
        else finish(reply.status >= 200 && reply.status < 300 ? { ok: true, status: reply.status } : { ok: false, status: reply.status, error: `HTTP ${reply.status}` });
      };
      // Even an immediate answer comes later than the call, as a socket's does.
      replyTimer = clock.setTimeout(answer, reply.delayMs ?? 0);
    });
  };

  return {
    post,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    respond(s) {
      script = s;
    },
  };
}
