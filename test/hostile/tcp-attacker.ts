// A hostile host on the charger's powerline (issue 8): it does SLAC as a car would, so its modem joins the
// charger's AVLN, finds the charger by SDP, and then attacks SDP (UDP 15118) or the V2G TCP port. Runs in
// the car's network namespace; prints one JSON line with what it saw.
//
//   node --import tsx test/hostile/tcp-attacker.ts <ifname> <attack>
//
// Attacks: sdp-malformed, sdp-burst, tcp-garbage, header-4g, exi-garbage, early-fin, early-rst, silent,
// slowloris, parallel-500, cycles-1000, out-of-order, wrong-session-id, current-demand-100x.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { openAfPacketPort } from '../../drivers/ethernet/index.js';
import { findLinkLocal } from '../../drivers/tcp/node-stack.js';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { createActor, toPromise, type AnyActorLogic } from 'xstate';
import { evModemActor, evSlacActor, type LowerLayerOptions } from '../../src/runtime/slac-layer.js';
import { nullLogger } from '../../src/ports/log.js';
import { SDP_REQUEST_NO_TLS_TCP, decodeSdp, encodeSdpRequest } from '../../src/codecs/sdp/index.js';
import { formatIpv6 } from '../../src/codecs/net/ipv6-address.js';
import { V2gtpPayloadType, V2gtpStreamReassembler, encodeV2gtp } from '../../src/codecs/v2gtp/index.js';
import { decodeHandshakeResponse, encodeHandshakeRequest, offerFor } from '../../src/domain/v2g/dialects/apphand.js';
import { dinDialect } from '../../src/domain/v2g/dialects/index.js';
import type { V2gRequest, V2gResponse } from '../../src/domain/v2g/model.js';
import type { V2gDocument } from '../../src/domain/v2g/document.js';

const [ifname, attack] = process.argv.slice(2);
if (!ifname || !attack) {
  process.stderr.write('usage: tcp-attacker.ts <ifname> <attack>\n');
  process.exit(2);
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const out = (o: Record<string, unknown>): void => void process.stdout.write(JSON.stringify({ attack, ...o }) + '\n');

// 1. Join the charger's AVLN the way a car does.
const eth = openAfPacketPort(ifname, { etherTypes: [0x88e1] });
// The SLAC layer actors `tsplc pev` runs (src/runtime/slac-layer.ts): modem discovery, then SLAC as EV.
const runLayer = <O>(logic: AnyActorLogic): Promise<O> => toPromise(createActor(logic).start()) as Promise<O>;
const slacOpts: LowerLayerOptions = { port: eth, logger: nullLogger, report: () => {}, modem: { timings: { restartPause: 200, confirmInterval: 200, discoveryWindow: 150 } }, slac: { timings: { parmReqRetries: 50 } } };
const modem = await runLayer<{ ok: boolean; reason?: string }>(evModemActor(slacOpts));
// The attacker is not what is tested: it retries SLAC as a car's connection manager would (seen at load 20 with a
// CPU-bound process beside it: the charger's CM_ATTEN_CHAR.IND missed TT_EV_atten_results, "no acceptable
// CM_ATTEN_CHAR.IND"; the standard's windows are tested on virtual time in test/slac).
let slac: { ok: boolean; reason?: string } = modem;
for (let attempt = 0; modem.ok && attempt < 3; attempt++) {
  slac = await runLayer<{ ok: boolean; reason?: string }>(evSlacActor(slacOpts));
  if (slac.ok) break;
}
eth.close();
if (!slac.ok) {
  out({ ok: false, stage: 'slac', detail: JSON.stringify(slac) });
  process.exit(1);
}

// 2. SDP: find the charger's address and port.
const local = findLinkLocal(ifname);
if (!local) {
  out({ ok: false, stage: 'link-local' });
  process.exit(1);
}
const sock = dgram.createSocket({ type: 'udp6' });
await new Promise<void>((r) => sock.bind({ address: `${local}%${ifname}`, port: 0 }, () => r()));
const answers: { address: string; port: number }[] = [];
sock.on('message', (m) => {
  const d = decodeSdp(new Uint8Array(m));
  if (d.ok && d.value.kind === 'response') answers.push({ address: formatIpv6(d.value.address), port: d.value.port });
});
const sdpSend = (data: Uint8Array): Promise<void> => new Promise((r) => sock.send(data, 15118, `ff02::1%${ifname}`, () => r()));
for (let i = 0; i < 40 && answers.length === 0; i++) {
  await sdpSend(encodeSdpRequest(SDP_REQUEST_NO_TLS_TCP));
  await sleep(250);
}
const secc = answers[0];
if (!secc) {
  out({ ok: false, stage: 'sdp' });
  process.exit(1);
}
const host = `${secc.address}%${ifname}`;

/** Connects; resolves with the socket or the error code. */
function connect(timeoutMs = 2000): Promise<net.Socket | string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port: secc!.port });
    const t = setTimeout(() => {
      s.destroy();
      resolve('TIMEOUT');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      resolve(s);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      resolve(e.code ?? 'ERROR');
    });
  });
}

/** Waits until the charger ends the connection; resolves with how (FIN / RST) and after how many ms. */
function serverEnd(s: net.Socket, limitMs: number): Promise<{ how: string; afterMs: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let how = 'none';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ how: 'still open', afterMs: Math.round(performance.now() - t0) });
    }, limitMs);
    s.on('data', () => {});
    s.on('error', (e: NodeJS.ErrnoException) => (how = e.code ?? 'error'));
    s.on('end', () => (how = 'FIN'));
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ how, afterMs: Math.round(performance.now() - t0) });
    });
  });
}

/** A V2G client on one connection: request → response, with V2GTP reassembly. */
function v2gClient(s: net.Socket) {
  const reasm = new V2gtpStreamReassembler();
  const queue: Uint8Array[] = [];
  let waiter: ((m: Uint8Array | undefined) => void) | undefined;
  let closed = false;
  s.on('data', (b: Buffer) => {
    for (const m of reasm.push(new Uint8Array(b)).messages) {
      if (waiter) {
        const w = waiter;
        waiter = undefined;
        w(m.payload);
      } else queue.push(m.payload);
    }
  });
  s.on('error', () => {});
  s.on('close', () => {
    closed = true;
    waiter?.(undefined);
  });
  const next = (ms = 3000): Promise<Uint8Array | undefined> =>
    queue.length > 0
      ? Promise.resolve(queue.shift())
      : closed
        ? Promise.resolve(undefined)
        : new Promise((r) => {
            const t = setTimeout(() => ((waiter = undefined), r(undefined)), ms);
            waiter = (m) => (clearTimeout(t), r(m));
          });
  let sid: Uint8Array = new Uint8Array([0]);
  const write = (schema: 'appHand' | 'din', doc: V2gDocument): void => {
    const e = exiCodec.encode(schema, doc);
    if (!e.ok) throw new Error(e.error.message);
    s.write(encodeV2gtp(V2gtpPayloadType.Exi, e.value));
  };
  const decodeRes = (m: Uint8Array | undefined): V2gResponse | undefined => {
    if (!m) return undefined;
    const d = exiCodec.decode('din', m);
    if (!d.ok) return undefined;
    const r = dinDialect.decodeResponse(d.value);
    if (!r.ok) return undefined;
    if (r.value.body.kind === 'SessionSetup') sid = r.value.sessionId;
    return r.value.body;
  };
  return {
    closed: () => closed,
    async handshake(): Promise<boolean> {
      write('appHand', encodeHandshakeRequest(offerFor(['din'])));
      const m = await next();
      if (!m) return false;
      const d = exiCodec.decode('appHand', m);
      return d.ok && decodeHandshakeResponse(d.value).ok;
    },
    /** The V2GTP frame of a request (for pipelined bursts). */
    encode(req: V2gRequest, sessionId: Uint8Array = sid): Uint8Array {
      const doc = dinDialect.encodeRequest(sessionId, req);
      if (!doc.ok) throw new Error(doc.error.message);
      const e = exiCodec.encode('din', doc.value);
      if (!e.ok) throw new Error(e.error.message);
      return encodeV2gtp(V2gtpPayloadType.Exi, e.value);
    },
    /** Sends without waiting (pipelining). */
    send(req: V2gRequest, sessionId: Uint8Array = sid): void {
      const doc = dinDialect.encodeRequest(sessionId, req);
      if (!doc.ok) throw new Error(doc.error.message);
      write('din', doc.value);
    },
    async request(req: V2gRequest, sessionId: Uint8Array = sid): Promise<V2gResponse | undefined> {
      this.send(req, sessionId);
      return decodeRes(await next());
    },
    async response(ms?: number): Promise<V2gResponse | undefined> {
      return decodeRes(await next(ms));
    },
  };
}

const evStatus = { ready: true, errorCode: 'NO_ERROR', soc: 30 } as const;
const evccId = new Uint8Array([0x02, 0, 0, 0, 0, 0x66]);

async function setupSession(c: ReturnType<typeof v2gClient>): Promise<string | undefined> {
  if (!(await c.handshake())) return 'handshake';
  if ((await c.request({ kind: 'SessionSetup', evccId }))?.responseCode !== 'OK_NewSessionEstablished') return 'SessionSetup';
  return undefined;
}

async function run(): Promise<Record<string, unknown>> {
  switch (attack) {
    case 'sdp-malformed': {
      const req = encodeSdpRequest(SDP_REQUEST_NO_TLS_TCP);
      const withHeader = (b: number[], len: number): Uint8Array => Uint8Array.from([0x01, 0xfe, ...b, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255]);
      const sent: Record<string, Uint8Array> = {
        'length 0': new Uint8Array(0),
        'length 1': Uint8Array.of(0x01),
        'length 7': req.subarray(0, 7),
        'length 8 (header only)': req.subarray(0, 8),
        'length 9': req.subarray(0, 9),
        'wrong version 02/FD': Uint8Array.from([0x02, 0xfd, ...req.subarray(2)]),
        'version pair not inverted 01/01': Uint8Array.from([0x01, 0x01, ...req.subarray(2)]),
        'payload type 0x8001 (EXI)': Uint8Array.from([...withHeader([0x80, 0x01], 2), 0x10, 0x00]),
        'payload type 0x9001 (SDP response)': Uint8Array.from([...withHeader([0x90, 0x01], 2), 0x10, 0x00]),
        'payload type 0xFFFF': Uint8Array.from([...withHeader([0xff, 0xff], 2), 0x10, 0x00]),
        'length 0xFFFFFFFF': Uint8Array.from([...withHeader([0x90, 0x00], 0xffffffff), 0x10, 0x00]),
        'security 0x42': Uint8Array.from([...req.subarray(0, 8), 0x42, 0x00]),
        'transport 0x77': Uint8Array.from([...req.subarray(0, 8), 0x10, 0x77]),
        '60 KB': Uint8Array.from([...withHeader([0x90, 0x00], 60_000), ...randomBytes(60_000)]),
      };
      const before = answers.length;
      for (const d of Object.values(sent)) {
        await sdpSend(d);
        await sleep(20);
      }
      await sleep(300);
      const answeredMalformed = answers.length - before;
      await sdpSend(req);
      await sleep(500);
      return { ok: answeredMalformed === 0 && answers.length > before, sent: Object.keys(sent).length, answeredMalformed, stillAnswers: answers.length > before };
    }
    case 'sdp-burst': {
      const req = encodeSdpRequest(SDP_REQUEST_NO_TLS_TCP);
      const before = answers.length;
      const t0 = performance.now();
      for (let i = 0; i < 10_000; i++) {
        sock.send(req, 15118, `ff02::1%${ifname}`);
        if (i % 200 === 199) await sleep(1);
      }
      const sentMs = Math.round(performance.now() - t0);
      await sleep(1500);
      return { ok: answers.length > before, sent: 10_000, sentMs, answered: answers.length - before };
    }
    case 'tcp-garbage':
    case 'header-4g':
    case 'exi-garbage': {
      const s = await connect();
      if (typeof s === 'string') return { ok: false, connect: s };
      const payload =
        attack === 'tcp-garbage'
          ? randomBytes(512)
          : attack === 'header-4g'
            ? Buffer.from([0x01, 0xfe, 0x80, 0x01, 0xff, 0xff, 0xff, 0xff, ...randomBytes(64)])
            : Buffer.from(encodeV2gtp(V2gtpPayloadType.Exi, Uint8Array.from([0x80, ...randomBytes(40)])));
      s.write(payload);
      const end = await serverEnd(s, 10_000);
      return { ok: end.how !== 'still open', closedBy: end.how, afterMs: end.afterMs };
    }
    case 'early-fin':
    case 'early-rst': {
      const s = await connect();
      if (typeof s === 'string') return { ok: false, connect: s };
      if (attack === 'early-fin') s.end();
      else s.resetAndDestroy();
      await sleep(300);
      return { ok: true };
    }
    case 'silent':
    case 'slowloris': {
      const s = await connect();
      if (typeof s === 'string') return { ok: false, connect: s };
      // Slowloris: a V2GTP header promising 100 bytes of EXI, then only 10 of them (18 bytes in all), then nothing.
      if (attack === 'slowloris') s.write(Buffer.from([0x01, 0xfe, 0x80, 0x01, 0, 0, 0, 100, ...randomBytes(10)]));
      const end = await serverEnd(s, 90_000);
      return { ok: end.how !== 'still open', closedBy: end.how, afterMs: end.afterMs };
    }
    case 'parallel-500': {
      const results = await Promise.all(Array.from({ length: 500 }, () => connect(3000)));
      const socks = results.filter((r): r is net.Socket => typeof r !== 'string');
      const outcome: Record<string, number> = { connected: socks.length };
      for (const r of results) if (typeof r === 'string') outcome[r] = (outcome[r] ?? 0) + 1;
      // How many does the charger keep open? Wait for the outcome (at most one left: the session slot, closed
      // after handshake_timeout), bounded by 10 s. A fixed "after 1 s" measured the scheduler at load 20 with
      // a CPU-bound process beside it: the kernel had completed 199 handshakes from the backlog before the
      // starved charger closed its listener, and they were still open a second later.
      // Count only what is still open now: a connection the charger reset while Promise.all still waited for
      // slower connects has already emitted 'close' (a listener attached now would never hear it, and it
      // would be counted open for good — seen at load 9 with a CPU-bound process beside the suite).
      const live = socks.filter((s) => !s.destroyed);
      let open = live.length;
      for (const s of live) {
        s.on('error', () => {});
        s.on('close', () => (open -= 1));
      }
      const t0 = Date.now();
      while (open > 1 && Date.now() - t0 < 2_000) await sleep(50);
      // A connection can look open here without the charger holding anything: when the starved charger's
      // accept queue was full, the kernel dropped the handshake's last ACK (the client believes it is
      // connected, the server keeps only a request), and closing the listener drops that request without a
      // RST. A client that never sends never learns. One byte tells them apart: a socket the charger still
      // holds takes it (and the charger must close it), a phantom answers RST.
      if (open > 1) {
        outcome.probed = open;
        for (const s of live) if (!s.destroyed) s.write(Uint8Array.of(0x01));
      }
      while (open > 1 && Date.now() - t0 < 10_000) await sleep(50);
      outcome.stillOpen = open;
      outcome.settledMs = Date.now() - t0;
      for (const s of socks) s.resetAndDestroy();
      return { ok: open <= 1, ...outcome };
    }
    case 'cycles-1000': {
      const outcome: Record<string, number> = {};
      let timeouts = 0;
      for (let i = 0; i < 1000; i++) {
        const r = await connect(300);
        const k = typeof r === 'string' ? r : 'connected';
        outcome[k] = (outcome[k] ?? 0) + 1;
        if (typeof r !== 'string') {
          r.on('error', () => {});
          r.resetAndDestroy();
        }
        // Once the charger went back to SLAC (fresh NMK), our modem is outside its AVLN: connects time out.
        timeouts = k === 'TIMEOUT' ? timeouts + 1 : 0;
        if (timeouts >= 5) {
          outcome.stoppedAfter = i + 1;
          break;
        }
      }
      return { ok: true, cycles: Object.values(outcome).reduce((a, b) => a + b, 0) - (outcome.stoppedAfter ?? 0), ...outcome };
    }
    case 'out-of-order':
    case 'wrong-session-id': {
      const s = await connect();
      if (typeof s === 'string') return { ok: false, connect: s };
      const c = v2gClient(s);
      const failed = await setupSession(c);
      if (failed) return { ok: false, failed };
      const res =
        attack === 'out-of-order'
          ? await c.request({ kind: 'PowerDelivery', progress: 'Start', dc: { evStatus, chargingComplete: false } })
          : await c.request({ kind: 'ServiceDiscovery' }, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
      const want = attack === 'out-of-order' ? 'FAILED_SequenceError' : 'FAILED_UnknownSession';
      const end = await serverEnd(s, 5000);
      return { ok: res?.responseCode === want && end.how !== 'still open', response: `${res?.kind ?? 'none'} ${res?.responseCode ?? ''}`, closedBy: end.how };
    }
    case 'current-demand-100x': {
      const s = await connect();
      if (typeof s === 'string') return { ok: false, connect: s };
      const c = v2gClient(s);
      const failed = await setupSession(c);
      if (failed) return { ok: false, failed };
      const steps: V2gRequest[] = [{ kind: 'ServiceDiscovery' }, { kind: 'PaymentServiceSelection', payment: 'ExternalPayment', serviceIds: [1] }];
      for (const r of steps) if (!(await c.request(r))?.responseCode.startsWith('OK')) return { ok: false, failed: r.kind };
      for (let i = 0; i < 50; i++) {
        const r = await c.request({ kind: 'Authorization' });
        if (!r || !r.responseCode.startsWith('OK')) return { ok: false, failed: 'Authorization', got: r?.responseCode };
        if (r.kind === 'Authorization' && r.processing === 'Finished') break;
      }
      let cpd: V2gResponse | undefined;
      for (let i = 0; i < 50; i++) {
        cpd = await c.request({ kind: 'ChargeParameterDiscovery', mode: 'DC_extended', dc: { evStatus, maxCurrent: 100, maxVoltage: 420 } });
        if (cpd && 'processing' in cpd && cpd.processing === 'Finished') break;
      }
      for (let i = 0; i < 200; i++) {
        const r = await c.request({ kind: 'CableCheck', evStatus });
        if (!r || !r.responseCode.startsWith('OK')) return { ok: false, failed: 'CableCheck', got: r?.responseCode };
        if (r.kind === 'CableCheck' && r.processing === 'Finished') break;
        await sleep(100);
      }
      for (let i = 0; i < 100; i++) {
        const r = await c.request({ kind: 'PreCharge', evStatus, targetVoltage: 380, targetCurrent: 1 });
        if (!r || !r.responseCode.startsWith('OK')) return { ok: false, failed: 'PreCharge', got: r?.responseCode };
        if (r.kind === 'PreCharge' && Math.abs(r.presentVoltage - 380) < 20) break;
        await sleep(100);
      }
      const pd = await c.request({ kind: 'PowerDelivery', progress: 'Start', dc: { evStatus, chargingComplete: false } });
      if (!pd?.responseCode.startsWith('OK')) return { ok: false, failed: 'PowerDelivery', got: pd?.responseCode };
      // The normal loop sends one CurrentDemandReq per response plus ChargeLoop_Interval (100 ms): ~10/s.
      // 100×: 1000/s (3000 requests), pipelined in bursts of 10 without waiting for the answers.
      const t0 = performance.now();
      let sent = 0;
      let answered = 0;
      const counting = (async () => {
        while (!c.closed() && (await c.response(2000))) answered += 1;
      })();
      const burst = Buffer.concat(Array.from({ length: 10 }, () => c.encode({ kind: 'CurrentDemand', evStatus, targetVoltage: 380, targetCurrent: 20, chargingComplete: false })));
      while (sent < 3000 && !c.closed()) {
        s.write(burst);
        sent += 10;
        if (sent % 50 === 0) await sleep(Math.max(0, (sent / 1000) * 1000 - (performance.now() - t0)));
      }
      const seconds = (performance.now() - t0) / 1000;
      await sleep(1000);
      s.resetAndDestroy();
      await counting;
      return { ok: answered > 0, sent, answered, ratePerS: Math.round(sent / seconds) };
    }
    default:
      return { ok: false, error: `unknown attack ${attack}` };
  }
}

const t0 = performance.now();
const r = await run();
out({ ...r, ms: Math.round(performance.now() - t0), secc: `${secc.address} ${secc.port}` });
sock.close();
process.exit(0);
