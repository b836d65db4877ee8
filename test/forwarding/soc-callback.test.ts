// The SmartEVSE SOC callback's logic (throttle, last value wins, retry, deadline, close) against
// the HTTP twin (drivers/http/memory.ts) on a SimulatedClock: no server, no wall-clock sleeps, so
// the interval and the deadline are asserted exactly. That the twin behaves like node:http is
// test/ports/http.contract.test.ts's business.
import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryHttpEndpoint, type HttpReply, type HttpRequestSeen, type MemoryHttpEndpoint } from '../../drivers/http/memory.js';
import { MemoryMqttBroker } from '../../drivers/mqtt/memory.js';
import { validateConfig, type TsplcConfig } from '../../src/config/index.js';
import { fromHex } from '../../src/bytes.js';
import { memoryLogger } from '../../src/ports/log.js';
import { attachForwarding, type Forwarding } from '../../src/runtime/forwarding.js';
import type { WireRecord } from '../../src/runtime/v2g-transport.js';
import { StatusBus } from '../../src/status.js';
import { dinDialect } from '../../src/domain/v2g/dialects/index.js';
import type { V2gRequest } from '../../src/domain/v2g/model.js';

function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (!b) throw new Error(`bad hex ${s}`);
  return b;
}

function config(endpoint: string, fallback = 0, enabled = true): TsplcConfig {
  const c = validateConfig({ soc_callback: { enabled, endpoint, fallback_energy_capacity_wh: fallback } });
  if (!c.ok) throw new Error(JSON.stringify(c.error));
  return c.value;
}

const sid = hex('0102030405060708');
function rx(req: V2gRequest): WireRecord {
  const doc = dinDialect.encodeRequest(sid, req);
  if (!doc.ok) throw new Error(doc.error.message);
  return { direction: 'rx', schema: 'din', bytes: new Uint8Array(0), doc: doc.value };
}
const evStatus = (soc: number) => ({ ready: true, errorCode: 'NO_ERROR' as const, soc });
const soc = (r: HttpRequestSeen | undefined) => new URL(r?.url ?? '', 'http://x').searchParams.get('current_soc');

/** Lets the promise chains of the forwarding and the twin run (no time passes). */
const flush = () => new Promise<void>((r) => setImmediate(r));
/** Advances virtual time in small steps, letting promises settle between them. */
async function run(clock: SimulatedClock, ms: number, step = 5): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.increment(Math.min(step, ms - t));
    await flush();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function attach(opts: { fallback?: number; interval?: number; timeout?: number; reply?: (r: HttpRequestSeen) => HttpReply; enabled?: boolean } = {}): {
  fw: Forwarding;
  bus: StatusBus;
  log: ReturnType<typeof memoryLogger>;
  clock: SimulatedClock;
  endpoint: MemoryHttpEndpoint;
} {
  const clock = new SimulatedClock();
  const endpoint = memoryHttpEndpoint({ clock, ...(opts.reply ? { respond: opts.reply } : {}) });
  const bus = new StatusBus(() => clock.now());
  const log = memoryLogger();
  const fw = attachForwarding({
    config: config('http://smartevse.local/ev_state', opts.fallback ?? 0, opts.enabled ?? true),
    status: bus,
    logger: log,
    ports: { http: endpoint.post, mqtt: new MemoryMqttBroker().connect, clock },
    socCallbackIntervalMs: opts.interval ?? 100,
    httpTimeoutMs: opts.timeout ?? 1000,
  });
  cleanups.push(() => fw.close());
  bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
  return { fw, bus, log, clock, endpoint };
}

describe('SOC callback (HTTP twin, virtual time)', () => {
  it('POSTs exactly the query SmartEVSE expects, with -1 for unknown and the fallback capacity', async () => {
    const { fw, clock, endpoint } = attach({ fallback: 40000 });
    fw.onWire(rx({ kind: 'SessionSetup', evccId: hex('02005a3c4e21') }));
    // No EVEnergyCapacity (optional in DIN), no FullSOC: fallback and -1.
    fw.onWire(rx({ kind: 'ChargeParameterDiscovery', mode: 'DC_extended', dc: { evStatus: evStatus(31), maxCurrent: 125, maxVoltage: 420, energyRequestWh: 20000 } }));
    await run(clock, 10);
    expect(endpoint.requests).toEqual([{ method: 'POST', body: '', at: 0, url: 'http://smartevse.local/ev_state?current_soc=31&full_soc=-1&energy_capacity=40000&energy_request=20000&evccid=02005a3c4e21' }]);
    expect(fw.stats().socCallback).toMatchObject({ sent: 1, ok: 1, failed: 0 });
  });

  it('at most one request per interval; the last value wins; unchanged values are not repeated', async () => {
    const interval = 400;
    const { fw, clock, endpoint } = attach({ interval });
    // A CurrentDemand loop far faster than the interval: SOC 40 → 49, all at t = 0.
    for (let s = 40; s < 50; s++) fw.onWire(rx({ kind: 'CurrentDemand', evStatus: evStatus(s), targetVoltage: 380, targetCurrent: 90, chargingComplete: false }));
    await run(clock, interval * 2);
    for (let i = 0; i < 5; i++) fw.onWire(rx({ kind: 'CurrentDemand', evStatus: evStatus(49), targetVoltage: 380, targetCurrent: 90, chargingComplete: false }));
    await run(clock, interval * 2);
    expect(endpoint.requests.map(soc)).toEqual(['40', '49']);
    // The first goes at once, the newest waits exactly one interval.
    expect(endpoint.requests.map((r) => r.at)).toEqual([0, interval]);
    // 41..48 were replaced before they could be sent.
    expect(fw.stats().socCallback.superseded).toBe(8);
  });

  it('endpoint down: logged, counted, retried once per interval with the newest values, no crash', async () => {
    const interval = 100;
    let down = true;
    const { fw, clock, endpoint, log } = attach({ interval });
    const seen: string[] = [];
    endpoint.respond((r) => {
      if (down) return { error: 'connect ECONNREFUSED 192.168.1.20:80' };
      seen.push(soc(r) ?? '');
      return { status: 200 };
    });
    for (let s = 10; s < 1010; s++) fw.onWire(rx({ kind: 'CableCheck', evStatus: evStatus(s % 101) }));
    await run(clock, 650);
    const st = fw.stats().socCallback;
    // t = 0, 100, …, 600: one attempt per interval, whatever was offered (1000 values).
    expect(st.sent).toBe(7);
    expect(st.failed).toBe(7);
    expect(st.ok).toBe(0);
    expect(st.lastError).toMatch(/ECONNREFUSED/);
    expect(log.lines.filter((l) => l.level === 'warn' && l.message === 'SOC callback failed').length).toBe(st.failed);
    // The endpoint comes back: the newest value arrives at the next interval, once.
    down = false;
    await run(clock, 300);
    expect(seen).toEqual([String(1009 % 101)]);
    expect(fw.stats().socCallback.ok).toBe(1);
  });

  it('an HTTP error status counts as a failure and is retried like a refused connection', async () => {
    let status = 503;
    const { fw, clock } = attach({ interval: 50, reply: () => ({ status }) });
    fw.onWire(rx({ kind: 'CableCheck', evStatus: evStatus(70) }));
    await run(clock, 60);
    expect(fw.stats().socCallback).toMatchObject({ sent: 2, ok: 0, failed: 2, lastError: 'HTTP 503' });
    status = 200;
    await run(clock, 50);
    expect(fw.stats().socCallback).toMatchObject({ sent: 3, ok: 1, failed: 2 });
  });

  it('slow endpoint: the deadline ends the request, one request at a time, close() aborts what is in flight', async () => {
    const { fw, clock, endpoint, log } = attach({ interval: 50, timeout: 250, reply: () => ({ hang: true }) });
    for (let s = 1; s <= 20; s++) {
      fw.onWire(rx({ kind: 'CableCheck', evStatus: evStatus(s) }));
      await run(clock, 20);
    }
    // 400 ms of offers against a 250 ms deadline: the first times out at 250, the second starts then.
    expect(fw.stats().socCallback.failed).toBe(1);
    expect(endpoint.maxInFlight).toBe(1);
    expect(fw.stats().socCallback.lastError).toBe('timeout');
    expect(log.lines.some((l) => l.message === 'SOC callback failed' && l.fields?.error === 'timeout' && l.fields.ms === 250)).toBe(true);
    expect(endpoint.inFlight).toBe(1);
    // close() does not wait for the deadline: the request in flight is aborted at once.
    await fw.close();
    expect(endpoint.inFlight).toBe(0);
    await run(clock, 1000);
    expect(endpoint.requests.length).toBe(2);
  });

  it('disabled: no request at all', async () => {
    const { fw, clock, endpoint } = attach({ enabled: false, interval: 10 });
    fw.onWire(rx({ kind: 'CableCheck', evStatus: evStatus(50) }));
    await run(clock, 150);
    expect(endpoint.requests).toEqual([]);
    expect(fw.stats().socCallback.sent).toBe(0);
  });
});
