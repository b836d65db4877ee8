// The V2G transport with a codec that loads its schemas on demand (src/runtime/exi-codec-on-demand.ts,
// as `tsplc pev`/`tsplc evse` run it): what needs a schema that is still loading waits, with
// everything that arrives after it, and runs in arrival order once the load settles; a load that
// fails becomes the typed error of each encode/decode of that schema. The loads are held and
// released by the test (the real schema modules behind a gate).
import { Subject } from 'rxjs';
import { createActor, sendTo, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { codecLoader, type SchemaImports } from '../../src/codecs/exi/load.js';
import type { SchemaId } from '../../src/codecs/exi/index.js';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { onDemandExiCodec } from '../../src/runtime/exi-codec-on-demand.js';
import { v2gTransportActor, type TransportCommand } from '../../src/runtime/v2g-transport.js';
import { memoryLogger } from '../../src/ports/log.js';
import type { TcpConnection, TcpEvent } from '../../src/ports/net.js';
import { V2gtpPayloadType, encodeV2gtp } from '../../src/codecs/v2gtp/index.js';
import { dinDialect, encodeHandshakeRequest, encodeHandshakeResponse, offerFor } from '../../src/domain/v2g/index.js';
import type { V2gDocument } from '../../src/domain/v2g/document.js';

const sid = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

/** The real schema modules, each released (or failed) by the test. */
function gatedImports() {
  const gates = new Map<string, { release: () => void; fail: (e: Error) => void }>();
  const calls: string[] = [];
  const real: SchemaImports = {
    appHand: () => import('../../src/codecs/exi/schemas/appHand.js'),
    din: () => import('../../src/codecs/exi/schemas/din.js'),
    iso2: () => import('../../src/codecs/exi/schemas/iso2.js'),
    'iso20-common': () => import('../../src/codecs/exi/schemas/iso20Common.js'),
    'iso20-dc': () => import('../../src/codecs/exi/schemas/iso20Dc.js'),
    'iso20-ac': () => import('../../src/codecs/exi/schemas/iso20Ac.js'),
  };
  const gated = <S extends SchemaId>(schema: S) =>
    (() => {
      calls.push(schema);
      return new Promise<void>((release, fail) => gates.set(schema, { release: () => release(), fail })).then(() => real[schema]());
    }) as SchemaImports[S];
  const imports = Object.fromEntries((Object.keys(real) as SchemaId[]).map((s) => [s, gated(s)])) as unknown as SchemaImports;
  const gate = (schema: SchemaId) => {
    const g = gates.get(schema);
    if (!g) throw new Error(`no load of ${schema} started`);
    return g;
  };
  return { imports, calls, release: (s: SchemaId) => gate(s).release(), fail: (s: SchemaId, e: Error) => gate(s).fail(e) };
}

/** Lets the loads' promise chains run (a dynamic import takes some turns of the event loop). */
const settle = () => new Promise((r) => setTimeout(r, 50));

function world(role: 'ev' | 'evse') {
  const g = gatedImports();
  const events$ = new Subject<TcpEvent>();
  const written: Uint8Array[] = [];
  const conn: TcpConnection = {
    localAddress: 'fe80::1',
    localPort: 50000,
    remoteAddress: 'fe80::2',
    remotePort: 50001,
    events$,
    write: (d) => void written.push(d),
    close: () => events$.next({ type: 'closed', reason: 'local' }),
    destroy: () => events$.next({ type: 'closed', reason: 'reset' }),
  };
  const logger = memoryLogger();
  const seen: { type: string; [k: string]: unknown }[] = [];
  const parent = setup({
    actors: { transport: v2gTransportActor({ role, codec: onDemandExiCodec(codecLoader(g.imports)), logger }) },
  }).createMachine({
    invoke: { id: 't', src: 'transport', input: { connection: conn } },
    on: {
      TO_SESSION: { actions: ({ event }) => void seen.push((event as unknown as { event: { type: string } }).event) },
      CMD: { actions: sendTo('t', ({ event }) => (event as unknown as { cmd: TransportCommand }).cmd) },
    },
  });
  const actor = createActor(parent).start();
  const command = (cmd: TransportCommand) => actor.send({ type: 'CMD', cmd } as never);
  const exi = (schema: SchemaId, doc: unknown) => {
    const r = exiCodec.encode(schema as 'appHand', doc as V2gDocument);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  const rx = (schema: SchemaId, doc: unknown) => events$.next({ type: 'data', data: encodeV2gtp(V2gtpPayloadType.Exi, exi(schema, doc)) });
  return { ...g, actor, written, seen, logger, command, rx, events$ };
}

const setupReq = () => {
  const d = dinDialect.encodeRequest(sid, { kind: 'SessionSetup', evccId: Uint8Array.from([2, 0, 0, 0, 0, 1]) });
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
};
const setupRes = () => {
  const d = dinDialect.encodeResponse(sid, { kind: 'SessionSetup', responseCode: 'OK_NewSessionEstablished', evseId: Uint8Array.from([0]) });
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
};

describe('V2G transport over an on-demand EXI codec', () => {
  it('EV: the handshake request waits for appHand, SessionSetupReq and what comes after it wait for DIN, in arrival order', async () => {
    const w = world('ev');
    expect(w.calls).toEqual(['appHand']); // loaded as the connection starts
    w.command({ type: 'TRANSPORT.SEND', out: { schema: 'appHand', doc: encodeHandshakeRequest(offerFor(['din'])) } });
    expect(w.written).toHaveLength(0);
    w.release('appHand');
    await settle();
    expect(w.written).toHaveLength(1);
    w.rx('appHand', encodeHandshakeResponse({ responseCode: 'OK_SuccessfulNegotiation', schemaId: 1 }));
    expect(w.seen.map((e) => e.type)).toEqual(['V2G.RES']);
    // The handshake picked DIN: its load starts with TRANSPORT.SCHEMA; the request waits for it.
    w.command({ type: 'TRANSPORT.SCHEMA', schema: 'din' });
    expect(w.calls).toEqual(['appHand', 'din']);
    w.command({ type: 'TRANSPORT.SEND', out: { schema: 'din', doc: setupReq() } });
    // What arrives meanwhile waits behind it: the charger's answer, then the end of the connection.
    w.rx('din', setupRes());
    w.events$.next({ type: 'closed', reason: 'remote' });
    expect(w.written).toHaveLength(1);
    expect(w.seen).toHaveLength(1);
    w.release('din');
    await settle();
    expect(w.written).toHaveLength(2);
    expect(w.seen.map((e) => e.type)).toEqual(['V2G.RES', 'V2G.RES', 'V2G.TRANSPORT_CLOSED']);
    const res = w.seen[1]?.doc as { V2G_Message: { Body: Record<string, unknown> } };
    expect(Object.keys(res.V2G_Message.Body)).toEqual(['SessionSetupRes']);
    expect(w.logger.lines.filter((l) => l.message === 'waiting for the EXI codec to load').map((l) => l.fields?.schema)).toEqual(['appHand', 'din']);
    w.actor.stop();
  });

  it('EVSE: a request that arrives while its schema loads is decoded with it once loaded', async () => {
    const w = world('evse');
    w.release('appHand');
    await settle();
    w.rx('appHand', encodeHandshakeRequest(offerFor(['din'])));
    expect(w.seen.map((e) => e.type)).toEqual(['V2G.REQ']);
    w.command({ type: 'TRANSPORT.SEND', out: { schema: 'appHand', doc: encodeHandshakeResponse({ responseCode: 'OK_SuccessfulNegotiation', schemaId: 1 }) } });
    w.command({ type: 'TRANSPORT.SCHEMA', schema: 'din' });
    expect(w.written).toHaveLength(1);
    w.rx('din', setupReq());
    expect(w.seen).toHaveLength(1);
    w.release('din');
    await settle();
    expect(w.seen.map((e) => e.type)).toEqual(['V2G.REQ', 'V2G.REQ']);
    const req = w.seen[1]?.doc as { V2G_Message: { Body: Record<string, unknown> } };
    expect(Object.keys(req.V2G_Message.Body)).toEqual(['SessionSetupReq']);
    w.actor.stop();
  });

  it('a schema whose load fails: each encode and decode of it is a typed error with the cause, the connection stays defined', async () => {
    const w = world('evse');
    w.release('appHand');
    await settle();
    w.command({ type: 'TRANSPORT.SCHEMA', schema: 'din' });
    w.rx('din', setupReq());
    w.fail('din', new Error('ENOENT: no such file chunks/din-XXXX.js'));
    await settle();
    expect(w.seen.map((e) => e.type)).toEqual(['V2G.DECODE_ERROR']);
    expect(w.seen[0]?.error).toMatchObject({ code: 'CODEC_LOAD_FAILED', context: { schema: 'din' } });
    // Not retried: the next message and our own answer fail at once with the same cause.
    w.rx('din', setupReq());
    w.command({ type: 'TRANSPORT.SEND', out: { schema: 'din', doc: setupRes() } });
    expect(w.calls.filter((c) => c === 'din')).toHaveLength(1);
    expect(w.seen.map((e) => e.type)).toEqual(['V2G.DECODE_ERROR', 'V2G.DECODE_ERROR', 'V2G.ENCODE_ERROR']);
    expect(w.seen[2]?.error).toMatchObject({ code: 'ENCODE_FAILED', context: { exiCode: 'CODEC_LOAD_FAILED' } });
    expect(w.written).toHaveLength(0);
    const logged = w.logger.lines.filter((l) => l.level === 'warn' || l.level === 'error');
    expect(logged.map((l) => l.fields?.code)).toEqual(['CODEC_LOAD_FAILED', 'CODEC_LOAD_FAILED', 'CODEC_LOAD_FAILED']);
    expect(String(logged[0]?.fields?.message)).toContain('ENOENT');
    w.actor.stop();
  });
});
