// The HttpPost port (src/ports/http.ts) over node:http: a small HTTP(S) POST for callbacks (SmartEVSE SOC callback, listener logging URL):
// one request, an empty body unless given, a hard deadline covering connect, headers
// and body, and never a rejected promise — the caller logs and counts the result.
// node:http rather than fetch: no keep-alive pool that outlives the caller, and the
// deadline is ours (a slow endpoint must not hold the EVSE's event loop hostage).
import { preflight } from './preflight.js';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HttpPost, HttpPostOptions, HttpPostResult } from '../../src/ports/http.js';
import { errorMessage } from '../../src/errors.js';

export type { HttpPost, HttpPostOptions, HttpPostResult } from '../../src/ports/http.js';

/** The HttpPost port over node:http / node:https. */
export const httpPost: HttpPost = (url: string, o: HttpPostOptions): Promise<HttpPostResult> => {
  const t0 = performance.now();
  const elapsed = (): number => Math.round((performance.now() - t0) * 10) / 10;
  return new Promise<HttpPostResult>((resolve) => {
    let settled = false;
    let req: ClientRequest | undefined;
    const finish = (r: Omit<HttpPostResult, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve({ ...r, ms: elapsed() });
    };
    const fail = (error: string): void => {
      finish({ ok: false, error });
      req?.destroy();
    };
    const onAbort = (): void => fail('aborted');
    const timer = setTimeout(() => fail('timeout'), o.timeoutMs);
    const pre = preflight(url, o.signal);
    if ('error' in pre) {
      finish({ ok: false, error: pre.error });
      return;
    }
    const parsed = pre.url;
    o.signal?.addEventListener('abort', onAbort);
    const body = o.body ?? '';
    const send = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    try {
      req = send(parsed, {
        method: 'POST',
        agent: false,
        headers: { 'Content-Length': Buffer.byteLength(body), ...(o.contentType ? { 'Content-Type': o.contentType } : {}), Connection: 'close' },
      });
    } catch (e) {
      finish({ ok: false, error: errorMessage(e) });
      return;
    }
    req.on('error', (e) => fail(e.message));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      // Drain the body: the request is complete only when the response is.
      res.resume();
      res.on('error', (e) => fail(e.message));
      res.on('end', () => finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `HTTP ${status}` }));
    });
    req.end(body);
  });
};
