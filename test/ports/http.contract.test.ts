// The HTTP POST port's contract (src/ports/http.ts), run against the real driver
// (drivers/http/post.ts on a node:http server on 127.0.0.1) and against its twin
// (drivers/http/memory.ts on a SimulatedClock), so the twin the forwarding tests use
// cannot drift from what node:http does. No timing assertions: deadlines are checked
// by their outcome ('timeout'), not by how long they took.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { httpPost } from '../../drivers/http/post.js';
import { memoryHttpEndpoint } from '../../drivers/http/memory.js';
import type { HttpPost, HttpPostResult } from '../../src/ports/http.js';

type Behaviour = { readonly status: number } | { readonly hang: true } | { readonly refuse: true };

interface Seen {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly body: string;
  readonly contentType?: string;
}

interface Harness {
  readonly post: HttpPost;
  /** A URL of the endpoint for this path. */
  url(path: string): string;
  behave(b: Behaviour): void;
  /** Waits for a result (the twin: runs virtual time until it settles). */
  settle(p: Promise<HttpPostResult>): Promise<HttpPostResult>;
  seen(): Seen[];
  close(): Promise<void>;
}

async function realHarness(): Promise<Harness> {
  let behaviour: Behaviour = { status: 200 };
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', body, ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}) });
      if ('status' in behaviour) {
        res.statusCode = behaviour.status;
        res.end('body the driver drains');
      }
      // hang: never answer
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  // A port where nothing listens: bound, then closed again.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return {
    post: httpPost,
    url: (path) => `http://127.0.0.1:${'refuse' in behaviour ? closedPort : port}${path}`,
    behave: (b) => (behaviour = b),
    settle: (p) => p,
    seen: () => seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function twinHarness(): Promise<Harness> {
  const clock = new SimulatedClock();
  let behaviour: Behaviour = { status: 200 };
  const endpoint = memoryHttpEndpoint({
    clock,
    respond: () => ('refuse' in behaviour ? { error: 'connect ECONNREFUSED 127.0.0.1:1' } : behaviour),
  });
  return {
    post: endpoint.post,
    url: (path) => `http://twin.invalid${path}`,
    behave: (b) => (behaviour = b),
    async settle(p) {
      let done: HttpPostResult | undefined;
      void p.then((r) => (done = r));
      for (let i = 0; i < 10_000 && !done; i++) {
        await new Promise<void>((r) => setImmediate(r));
        if (!done) clock.increment(10);
      }
      if (!done) throw new Error('the twin did not settle within 100 s of virtual time');
      return done;
    },
    seen: () => endpoint.requests.map((r) => ({ method: r.method, path: new URL(r.url).pathname + new URL(r.url).search, body: r.body, ...(r.contentType ? { contentType: r.contentType } : {}) })),
    close: async () => {},
  };
}

const harnesses: [string, () => Promise<Harness>][] = [
  ['drivers/http/post.ts on node:http', realHarness],
  ['drivers/http/memory.ts (twin)', twinHarness],
];

describe.each(harnesses)('HTTP POST contract: %s', (_name, make) => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('2xx: ok with the status; the endpoint sees one POST with path, query, body and content type', async () => {
    h = await make();
    const r = await h.settle(h.post(h.url('/ev_state?current_soc=31&evccid=02005a3c4e21'), { timeoutMs: 5000 }));
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(r.error).toBeUndefined();
    expect(typeof r.ms).toBe('number');
    const r2 = await h.settle(h.post(h.url('/log'), { timeoutMs: 5000, body: '{"a":1}', contentType: 'application/json' }));
    expect(r2.ok).toBe(true);
    expect(h.seen()).toEqual([
      { method: 'POST', path: '/ev_state?current_soc=31&evccid=02005a3c4e21', body: '' },
      { method: 'POST', path: '/log', body: '{"a":1}', contentType: 'application/json' },
    ]);
  });

  it("an error status: not ok, the status, error 'HTTP <status>'", async () => {
    h = await make();
    h.behave({ status: 503 });
    expect(await h.settle(h.post(h.url('/x'), { timeoutMs: 5000 }))).toMatchObject({ ok: false, status: 503, error: 'HTTP 503' });
  });

  it("no answer: the deadline ends the request with 'timeout'", async () => {
    h = await make();
    h.behave({ hang: true });
    const r = await h.settle(h.post(h.url('/slow'), { timeoutMs: 150 }));
    expect(r).toMatchObject({ ok: false, error: 'timeout' });
    expect(r.status).toBeUndefined();
    // Sent once, never retried. Whether it reached the endpoint is not this case's point (the abort case
    // waits for that): the deadline counts from the call, and on a loaded machine its 150 ms timer can run
    // before the connect is even processed — libuv runs due timers before it polls the sockets.
    expect(h.seen().length).toBeLessThanOrEqual(1);
  });

  it("abort: 'aborted' at once, and a signal aborted before the call sends nothing", async () => {
    h = await make();
    h.behave({ hang: true });
    const a = new AbortController();
    const p = h.post(h.url('/slow'), { timeoutMs: 60_000, signal: a.signal });
    // Abort once the request reached the endpoint.
    for (let i = 0; i < 500 && h.seen().length === 0; i++) await new Promise<void>((r) => setImmediate(r));
    a.abort();
    expect(await h.settle(p)).toMatchObject({ ok: false, error: 'aborted' });
    const before = h.seen().length;
    const b = new AbortController();
    b.abort();
    expect(await h.settle(h.post(h.url('/never'), { timeoutMs: 5000, signal: b.signal }))).toMatchObject({ ok: false, error: 'aborted' });
    expect(h.seen().length).toBe(before);
  });

  it('nothing listens: a socket error naming ECONNREFUSED, never a rejection', async () => {
    h = await make();
    h.behave({ refuse: true });
    const r = await h.settle(h.post(h.url('/ev_state'), { timeoutMs: 5000 }));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/ECONNREFUSED/);
    expect(h.seen()).toEqual([]);
  });

  it('a bad URL or scheme fails before anything is sent', async () => {
    h = await make();
    expect(await h.settle(h.post('not a url', { timeoutMs: 5000 }))).toMatchObject({ ok: false, error: "bad URL 'not a url'" });
    expect(await h.settle(h.post('ftp://127.0.0.1/x', { timeoutMs: 5000 }))).toMatchObject({ ok: false, error: 'unsupported scheme ftp:' });
    expect(h.seen()).toEqual([]);
  });
});
