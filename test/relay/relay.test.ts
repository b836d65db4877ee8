// The pure parts of the relay (src/tools/relay) and the runtime's announcement of rules: rule parsing
// and application, the tracker's schema and SessionID, the safe stop and the shutdown answers,
// the added-delay figures, the live lines (with the limiting verdict and the rules prefix).
import { describe, expect, it } from 'vitest';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { announcingLogger } from '../../src/runtime/relay.js';
import { memoryLogger } from '../../src/ports/log.js';
import { applyRules, parseRules, rulesText } from '../../src/tools/relay/rules.js';
import { carShutdownResponse, chargerStopRequests, RelayTracker } from '../../src/tools/relay/session.js';
import { DelayStats, delayText, figuresOf } from '../../src/tools/relay/delay.js';
import { RelayLiveView } from '../../src/tools/relay/live.js';
import { relayMessage } from '../../src/tools/relay/forward.js';
import type { V2gDocument } from '../../src/domain/v2g/document.js';
import { dinSession, sessionId } from './script.js';

const decode = (schema: 'appHand' | 'din', b: Uint8Array): V2gDocument => {
  const r = exiCodec.decode(schema, b);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

/** The tracker after the script up to (not including) the step at `index`. */
function trackerAfter(count: number): RelayTracker {
  const t = new RelayTracker();
  for (const s of dinSession(3).slice(0, count)) {
    relayMessage(t, exiCodec, [], 'car', s.request);
    relayMessage(t, exiCodec, [], 'charger', s.response);
  }
  return t;
}

describe('relay rules', () => {
  it('none by default; parsed and named as given', () => {
    expect(parseRules([])).toEqual({ ok: true, value: [] });
    const r = parseRules(['cap-current=20', 'inject=CurrentDemandRes:FAILED']);
    expect(r.ok && rulesText(r.value)).toBe('cap-current=20,inject=CurrentDemandRes:FAILED');
  });

  it('a bad rule is a typed error naming it', () => {
    for (const bad of ['cap-current=', 'cap-current=-1', 'inject=CurrentDemandRes', 'inject=CurrentDemandRes:NOPE', 'slow=5']) {
      const r = parseRules([bad]);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('BAD_RULE');
    }
  });

  it('applying no rule returns the same document (nothing re-encoded)', () => {
    const doc = decode('din', dinSession(1)[5]!.response);
    expect(applyRules([], 'car', doc)).toEqual({ doc, changes: [] });
  });

  it('cap-current does not touch values already below the cap, and never the received document', () => {
    const doc = decode('din', dinSession(1)[5]!.response);
    const before = JSON.stringify(doc, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v));
    const r = parseRules(['cap-current=500']);
    expect(r.ok && applyRules(r.value, 'car', doc).changes).toEqual([]);
    const r2 = parseRules(['cap-current=10']);
    expect(r2.ok && applyRules(r2.value, 'car', doc).changes).toEqual(['EVSEMaximumCurrentLimit 150→10 A']);
    expect(JSON.stringify(doc, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v))).toBe(before);
  });
});

describe('relay tracker', () => {
  it('learns the negotiated schema from the handshake and the SessionID from SessionSetupRes', () => {
    const t = new RelayTracker();
    const [hs, setup] = dinSession(1);
    relayMessage(t, exiCodec, [], 'car', hs!.request);
    expect(t.schema).toBe('appHand');
    relayMessage(t, exiCodec, [], 'charger', hs!.response);
    expect(t.schema).toBe('din');
    expect(t.protocol).toBe('din');
    relayMessage(t, exiCodec, [], 'car', setup!.request);
    relayMessage(t, exiCodec, [], 'charger', setup!.response);
    expect([...(t.sessionId ?? [])]).toEqual([...sessionId]);
  });

  it('the safe stop in CurrentDemand: 0 A, PowerDelivery stop, SessionStop, all with the session\'s SessionID', () => {
    const t = trackerAfter(11);
    expect(t.phase).toBe('CurrentDemand');
    expect(t.energised).toBe(true);
    const q = chargerStopRequests(t);
    expect(q.ok && q.value.map((x) => x.name)).toEqual(['CurrentDemandReq', 'PowerDeliveryReq', 'SessionStopReq']);
    if (!q.ok) return;
    for (const x of q.value) {
      const m = x.doc as { V2G_Message: { Header: { SessionID: Uint8Array } } };
      expect([...m.V2G_Message.Header.SessionID]).toEqual([...sessionId]);
      // The relay's own messages encode with the negotiated schema.
      expect(exiCodec.encode(x.schema, x.doc).ok).toBe(true);
    }
  });

  it('before the handshake there is nothing to stop but the connection', () => {
    expect(chargerStopRequests(new RelayTracker())).toEqual({ ok: true, value: [] });
  });

  it('answers a CurrentDemandReq with EVSE_EmergencyShutdown / FAILED or EVSE_Shutdown / OK, and 0 A', () => {
    const t = trackerAfter(11);
    const req = decode('din', dinSession(3)[10]!.request);
    for (const [status, code] of [
      ['EVSE_EmergencyShutdown', 'FAILED'],
      ['EVSE_Shutdown', 'OK'],
    ] as const) {
      const a = carShutdownResponse(t, req, status);
      expect(a.ok).toBe(true);
      if (!a.ok) continue;
      const body = (a.value.doc as unknown as { V2G_Message: { Body: { CurrentDemandRes: { ResponseCode: string; DC_EVSEStatus: { EVSEStatusCode: string }; EVSEPresentCurrent: { Value: number } } } } }).V2G_Message.Body.CurrentDemandRes;
      expect(body.ResponseCode).toBe(code);
      expect(body.DC_EVSEStatus.EVSEStatusCode).toBe(status);
      expect(body.EVSEPresentCurrent.Value).toBe(0);
      expect(exiCodec.encode('din', a.value.doc).ok).toBe(true);
    }
  });

  it('answers every request kind of a DIN session even when the charger never answered that kind', () => {
    const t = trackerAfter(2); // handshake + SessionSetup only
    for (const s of dinSession(1).slice(2)) {
      const a = carShutdownResponse(t, decode('din', s.request), 'EVSE_EmergencyShutdown');
      expect(a.ok, s.requestName).toBe(true);
      if (a.ok) {
        expect(a.value.name).toBe(s.responseName);
        expect(exiCodec.encode('din', a.value.doc).ok, s.requestName).toBe(true);
      }
    }
  });
});

describe('relay added delay', () => {
  it('p50/p99/max per direction and over all messages', () => {
    const d = new DelayStats();
    for (let i = 1; i <= 100; i++) d.add('car→charger', i / 10);
    d.add('charger→car', 2);
    d.add('charger→car', Number.NaN);
    const f = d.figures();
    expect(f['car→charger']).toEqual({ n: 100, p50: 5, p99: 9.9, max: 10 });
    expect(f['charger→car']).toEqual({ n: 1, p50: 2, p99: 2, max: 2 });
    expect(f.all.n).toBe(101);
    expect(delayText(f)).toContain('car→charger p50 5 ms p99 9.9 ms max 10 ms (n=100)');
    expect(figuresOf([])).toEqual({ n: 0, p50: 0, p99: 0, max: 0 });
  });
});

describe('relay live view', () => {
  it('one line per message with direction, name, key fields and the limiting verdict on CurrentDemand pairs', () => {
    const v = new RelayLiveView();
    const lines: string[] = [];
    const t = new RelayTracker();
    for (const s of dinSession(2)) {
      for (const [from, payload] of [
        ['car', s.request],
        ['charger', s.response],
      ] as const) {
        const f = relayMessage(t, exiCodec, [], from, payload);
        lines.push(v.line({ direction: from === 'car' ? 'car→charger' : 'charger→car', at: lines.length * 100, schema: f.schema, bytes: f.payload.length, ...(f.doc ? { doc: f.doc } : {}), addedMs: 0.25 }, '').text);
      }
    }
    expect(lines[0]).toMatch(/^car → charger supportedAppProtocolReq urn:din:70121:2012:MsgDef/);
    const cdRes = lines.filter((l) => l.includes('CurrentDemandRes'));
    expect(cdRes.length).toBe(2);
    for (const l of cdRes) expect(l).toMatch(/EVSEPresentCurrent=100A.*\+0\.25 ms \| limiting: (car|charger|neither)/);
    expect(lines.some((l) => l.includes('limiting') && !l.includes('CurrentDemandRes'))).toBe(false);
    expect(v.verdictText()).toMatch(/^limiting: /);
  });

  it('with rules, every line says so', () => {
    const v = new RelayLiveView();
    const t = new RelayTracker();
    const s = dinSession(1)[0]!;
    const f = relayMessage(t, exiCodec, [], 'car', s.request);
    expect(v.line({ direction: 'car→charger', at: 0, schema: f.schema, bytes: 1, ...(f.doc ? { doc: f.doc } : {}) }, 'cap-current=20').text).toMatch(/^\[rules cap-current=20\] car → charger/);
    expect(v.line({ direction: 'car→charger', at: 0, schema: f.schema, bytes: 1 }, 'cap-current=20').text).toMatch(/^\[rules cap-current=20\] /);
  });

  it('the runtime logger names the rules in every log line, also of child loggers; without rules it adds nothing', () => {
    const base = memoryLogger();
    const l = announcingLogger(base, 'inject=CurrentDemandRes:FAILED');
    l.log('info', 'a');
    l.child('car-leg').child('slac').log('warn', 'b', { x: 1 });
    expect(base.lines.map((x) => x.fields?.rules)).toEqual(['inject=CurrentDemandRes:FAILED', 'inject=CurrentDemandRes:FAILED']);
    expect(base.lines[1]?.component).toBe('car-leg.slac');
    expect(announcingLogger(base, '')).toBe(base);
  });
});
