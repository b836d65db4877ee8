// The relay statechart on XState's SimulatedClock: a whole session relayed byte for byte, and
// each leg failing at each phase brings the other down in the safe order (the charger's current
// to zero through the protocol before its connection closes; the car told EVSE_Shutdown /
// EVSE_EmergencyShutdown before its connection closes).
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, SimulatedClock } from 'xstate';
import { relayMachine, type ForwardParams, type LegCommand, type RelayOutput } from '../../machines/relay/index.js';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { parseRules } from '../../src/tools/relay/rules.js';
import type { RelayPhase } from '../../src/tools/relay/session.js';
import { dinSession, type Step } from './script.js';

type Log = ({ kind: 'forward'; to: string; name: string; f: ForwardParams } | { kind: 'command'; leg: string; cmd: LegCommand })[];

function start(opts: { rules?: string[] } = {}) {
  const clock = new SimulatedClock();
  const log: Log = [];
  const leg = (name: string) => fromCallback<LegCommand>(({ receive }) => receive((cmd) => log.push({ kind: 'command', leg: name, cmd })));
  const rules = parseRules(opts.rules ?? []);
  if (!rules.ok) throw new Error(rules.error.message);
  const actor = createActor(
    relayMachine.provide({
      actors: { carLeg: leg('car'), chargerLeg: leg('charger') },
      actions: { forward: (_, f) => log.push({ kind: 'forward', to: f.to, name: f.name, f }) },
    }),
    { input: { codec: exiCodec, rules: rules.value }, clock },
  );
  let output: RelayOutput | undefined;
  actor.subscribe((s) => {
    if (s.status === 'done') output = s.output;
  });
  actor.start();
  actor.send({ type: 'CAR.LINKED' });
  actor.send({ type: 'CHARGER.CONNECTED' });
  actor.send({ type: 'CAR.CONNECTED' });
  const forwards = (to: string) => log.filter((e): e is Extract<Log[number], { kind: 'forward' }> => e.kind === 'forward' && e.to === to);
  return { actor, clock, log, forwards, output: () => output, value: () => JSON.stringify(actor.getSnapshot().value) };
}

type Bench = ReturnType<typeof start>;

function exchange(b: Bench, s: Step): void {
  b.actor.send({ type: 'CAR.MESSAGE', payload: s.request, at: 0 });
  b.actor.send({ type: 'CHARGER.MESSAGE', payload: s.response, at: 0 });
}

const body = (f: ForwardParams): Record<string, unknown> => {
  const doc = f.doc as { V2G_Message?: { Body: Record<string, Record<string, unknown>> } } | undefined;
  return doc?.V2G_Message?.Body[f.name] ?? {};
};
const physical = (v: unknown): number => {
  const p = v as { Value: number; Multiplier: number };
  return p.Value * 10 ** p.Multiplier;
};

describe('relay machine: linking', () => {
  it('waits for a car without bound; once the car is linked, both legs must be up within linkTimeout', () => {
    const clock = new SimulatedClock();
    const actor = createActor(relayMachine.provide({ actors: { carLeg: fromCallback(() => () => {}), chargerLeg: fromCallback(() => () => {}) } }), { input: { codec: exiCodec }, clock });
    actor.start();
    clock.increment(10 * 90_000);
    expect(actor.getSnapshot().status).toBe('active');
    actor.send({ type: 'CAR.LINKED' });
    clock.increment(89_999);
    expect(actor.getSnapshot().status).toBe('active');
    clock.increment(1);
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output?.end).toBe('LinkTimeout');
  });
});

describe('relay machine: a whole session', () => {
  it('forwards every request and response byte for byte, in order, and ends with SessionStopped', () => {
    const b = start();
    const script = dinSession(5);
    for (const s of script) exchange(b, s);
    expect(b.forwards('charger').map((f) => f.name)).toEqual(script.map((s) => s.requestName));
    expect(b.forwards('car').map((f) => f.name)).toEqual(script.map((s) => s.responseName));
    b.forwards('charger').forEach((f, i) => expect(f.f.payload).toBe(script[i]?.request));
    b.forwards('car').forEach((f, i) => expect(f.f.payload).toBe(script[i]?.response));
    // The SessionID the charger assigned reaches the car unchanged (the original bytes).
    expect(b.forwards('car').every((f) => f.f.changes.length === 0 && f.f.origin === undefined)).toBe(true);
    expect(b.output()?.end).toBe('SessionStopped');
    expect(b.output()?.chargerStop).toEqual([]);
    expect(b.output()?.carAnswers).toEqual([]);
    expect(b.log.filter((e) => e.kind === 'command' && e.cmd.type === 'LEG.CLOSE').map((e) => (e as { leg: string }).leg).sort()).toEqual(['car', 'charger']);
  });

  it('starts the charger leg when the car is linked and offers SDP/TCP to the car only once the charger is connected', () => {
    const b = start();
    const cmds = b.log.filter((e) => e.kind === 'command').map((e) => `${(e as { leg: string }).leg}:${(e as { cmd: LegCommand }).cmd.type}`);
    expect(cmds).toEqual(['charger:LEG.START', 'car:LEG.OPEN']);
    expect(b.value()).toContain('relaying');
  });

  it('rules are off by default: nothing is re-encoded', () => {
    const b = start();
    for (const s of dinSession(2, 140)) exchange(b, s);
    expect([...b.forwards('car'), ...b.forwards('charger')].every((f) => f.f.changes.length === 0 && f.f.received === undefined)).toBe(true);
  });

  it('cap-current=20 caps EVSEMaximumCurrentLimit towards the car and EVTargetCurrent towards the charger, and says so', () => {
    const b = start({ rules: ['cap-current=20'] });
    for (const s of dinSession(2, 140)) exchange(b, s);
    const cpd = b.forwards('car').find((f) => f.name === 'ChargeParameterDiscoveryRes');
    expect(physical((body(cpd!.f).DC_EVSEChargeParameter as Record<string, unknown>).EVSEMaximumCurrentLimit)).toBe(20);
    expect(cpd!.f.changes.join()).toContain('EVSEMaximumCurrentLimit 150→20 A');
    const cd = b.forwards('charger').filter((f) => f.name === 'CurrentDemandReq');
    expect(cd.map((f) => physical(body(f.f).EVTargetCurrent))).toEqual([20, 20]);
    expect(cd[0]!.f.received).toBeDefined();
  });

  it('inject=CurrentDemandRes:FAILED sets the ResponseCode of every CurrentDemandRes towards the car', () => {
    const b = start({ rules: ['inject=CurrentDemandRes:FAILED'] });
    for (const s of dinSession(2).slice(0, 11)) exchange(b, s);
    const cd = b.forwards('car').filter((f) => f.name === 'CurrentDemandRes');
    expect(cd.map((f) => body(f.f).ResponseCode)).toEqual(['FAILED', 'FAILED']);
    expect(b.forwards('car').filter((f) => f.name !== 'CurrentDemandRes').every((f) => f.f.changes.length === 0)).toBe(true);
  });
});

const phases: readonly RelayPhase[] = ['handshake', 'setup', 'ChargeParameterDiscovery', 'CableCheck', 'PreCharge', 'CurrentDemand', 'stop'];

/** Runs the script up to and including the first request of `phase` (forwarded, not yet answered). */
function upTo(b: Bench, phase: RelayPhase): Step[] {
  const script = dinSession(3);
  const at = script.findIndex((s) => s.phase === phase);
  const done = script.slice(0, at);
  for (const s of done) exchange(b, s);
  // CurrentDemand: one loop answered first, so the charger is delivering current when the leg fails.
  if (phase === 'CurrentDemand') exchange(b, script[at] as Step);
  const next = script[phase === 'CurrentDemand' ? at + 1 : at] as Step;
  b.actor.send({ type: 'CAR.MESSAGE', payload: next.request, at: 0 });
  return script;
}

describe('relay machine: the car leg fails at each phase', () => {
  for (const phase of phases) {
    it(`${phase}: the charger's current goes to zero through the protocol, then its connection closes`, () => {
      const b = start();
      upTo(b, phase);
      const before = b.forwards('charger').length;
      b.actor.send({ type: 'CAR.DOWN', reason: 'TCP reset' });
      // The charger's answer to the car's last request comes first; then each of the relay's own requests is answered.
      const drainOrStop = (): void => {
        for (let i = 0; i < 5; i++) {
          const own = b.forwards('charger').slice(before).filter((f) => f.f.origin === 'relay');
          const last = own[own.length - 1];
          const answer = dinAnswerTo(last?.name);
          if (!answer) break;
          b.actor.send({ type: 'CHARGER.MESSAGE', payload: answer, at: 0 });
        }
      };
      // The pending car request: the charger answers it (recorded, not forwarded — the car is gone).
      const script = dinSession(3);
      const pendingAnswer = phase === 'handshake' ? script[0]!.response : script.find((s) => s.phase === phase)!.response;
      b.actor.send({ type: 'CHARGER.MESSAGE', payload: pendingAnswer, at: 0 });
      drainOrStop();
      const own = b.forwards('charger').filter((f) => f.f.origin === 'relay');
      const names = own.map((f) => f.name);
      const expected: Record<RelayPhase, string[]> = {
        handshake: [],
        setup: ['SessionStopReq'],
        ChargeParameterDiscovery: ['SessionStopReq'],
        CableCheck: ['SessionStopReq'],
        PreCharge: ['PreChargeReq', 'SessionStopReq'],
        PowerDelivery: [],
        CurrentDemand: ['CurrentDemandReq', 'PowerDeliveryReq', 'SessionStopReq'],
        stop: ['SessionStopReq'],
      };
      expect(names).toEqual(expected[phase]);
      if (names[0] === 'CurrentDemandReq' || names[0] === 'PreChargeReq') expect(physical(body(own[0]!.f).EVTargetCurrent)).toBe(0);
      const pd = own.find((f) => f.name === 'PowerDeliveryReq');
      if (pd) expect(body(pd.f).ReadyToChargeState).toBe(false);
      // The charger's connection closes only after the last stop request was answered.
      const closeAt = b.log.findIndex((e) => e.kind === 'command' && e.leg === 'charger' && e.cmd.type === 'LEG.CLOSE');
      const lastOwnAt = b.log.findIndex((e) => e.kind === 'forward' && e === b.log.filter((x) => x.kind === 'forward' && x.f.origin === 'relay').pop());
      expect(closeAt).toBeGreaterThan(lastOwnAt);
      expect(b.forwards('car').filter((f) => f.f.origin === 'relay')).toEqual([]);
      expect(b.output()?.end).toBe('CarLegFailed');
      expect(b.output()?.phase).toBe(phase);
    });
  }

  it('a charger that does not answer the relay\'s stop requests is closed after stopResponseTimeout', () => {
    const b = start();
    upTo(b, 'CurrentDemand');
    b.actor.send({ type: 'CAR.DOWN', reason: 'TCP reset' });
    b.clock.increment(2000); // the pending CurrentDemandReq: never answered
    expect(b.forwards('charger').filter((f) => f.f.origin === 'relay').map((f) => f.name)).toEqual(['CurrentDemandReq']);
    b.clock.increment(2000);
    expect(b.log.some((e) => e.kind === 'command' && e.leg === 'charger' && e.cmd.type === 'LEG.CLOSE')).toBe(true);
    expect(b.output()?.end).toBe('CarLegFailed');
  });

  it('a car silent for V2G_SECC_Sequence_Timeout is a failed car leg', () => {
    const b = start();
    for (const s of dinSession(1).slice(0, 3)) exchange(b, s);
    b.clock.increment(59_999);
    expect(b.output()).toBeUndefined();
    b.clock.increment(1);
    b.actor.send({ type: 'CHARGER.MESSAGE', payload: dinAnswerTo('SessionStopReq')!, at: 0 });
    expect(b.forwards('charger').filter((f) => f.f.origin === 'relay').map((f) => f.name)).toEqual(['SessionStopReq']);
    expect(b.output()?.end).toBe('CarLegFailed');
    expect(b.output()?.reason).toContain('V2G_SECC_Sequence_Timeout');
  });
});

describe('relay machine: the charger leg fails at each phase', () => {
  for (const phase of phases) {
    it(`${phase}: the car's pending request is answered with EVSE_EmergencyShutdown, then its connection closes`, () => {
      const b = start();
      upTo(b, phase);
      b.actor.send({ type: 'CHARGER.DOWN', reason: 'TCP reset' });
      const own = b.forwards('car').filter((f) => f.f.origin === 'relay');
      expect(own.length).toBe(1);
      const answer = own[0]!.f;
      if (phase === 'handshake') expect((answer.doc as { supportedAppProtocolRes: { ResponseCode: string } }).supportedAppProtocolRes.ResponseCode).toBe('Failed_NoNegotiation');
      else {
        expect(body(answer).ResponseCode).toBe('FAILED');
        const status = body(answer).DC_EVSEStatus as { EVSEStatusCode: string } | undefined;
        if (status) expect(status.EVSEStatusCode).toBe('EVSE_EmergencyShutdown');
        if ('EVSEPresentCurrent' in body(answer)) expect(physical(body(answer).EVSEPresentCurrent)).toBe(0);
      }
      // Nothing more goes to the charger (its leg is gone), and the car leg is closed.
      expect(b.forwards('charger').filter((f) => f.f.origin === 'relay')).toEqual([]);
      b.clock.increment(3000);
      expect(b.log.some((e) => e.kind === 'command' && e.leg === 'car' && e.cmd.type === 'LEG.CLOSE')).toBe(true);
      expect(b.output()?.end).toBe('ChargerLegFailed');
    });
  }

  it('a charger that does not answer within chargerResponseTimeout: the car gets EVSE_EmergencyShutdown, the charger the protocol stop', () => {
    const b = start();
    upTo(b, 'CurrentDemand');
    b.clock.increment(5000);
    const own = b.forwards('car').filter((f) => f.f.origin === 'relay');
    expect(own.map((f) => f.name)).toEqual(['CurrentDemandRes']);
    expect((body(own[0]!.f).DC_EVSEStatus as { EVSEStatusCode: string }).EVSEStatusCode).toBe('EVSE_EmergencyShutdown');
    // The charger leg is still there: the relay drains the late answer, then sends its own stop.
    b.clock.increment(2000);
    expect(b.forwards('charger').filter((f) => f.f.origin === 'relay').map((f) => f.name)).toEqual(['CurrentDemandReq']);
  });
});

describe('relay machine: a stop', () => {
  it('STOP in CurrentDemand: the car is told EVSE_Shutdown, the charger gets 0 A, PowerDelivery stop, SessionStop, the car leg closes last', () => {
    const b = start();
    upTo(b, 'CurrentDemand');
    b.actor.send({ type: 'STOP', reason: 'SIGTERM' });
    const carOwn = b.forwards('car').filter((f) => f.f.origin === 'relay');
    expect(carOwn.map((f) => f.name)).toEqual(['CurrentDemandRes']);
    expect((body(carOwn[0]!.f).DC_EVSEStatus as { EVSEStatusCode: string }).EVSEStatusCode).toBe('EVSE_Shutdown');
    expect(body(carOwn[0]!.f).ResponseCode).toBe('OK');
    // The charger answers the car's pending request and each stop request.
    b.actor.send({ type: 'CHARGER.MESSAGE', payload: dinAnswerTo('CurrentDemandReq')!, at: 0 });
    for (const n of ['CurrentDemandReq', 'PowerDeliveryReq']) {
      expect(b.log.some((e) => e.kind === 'command' && e.leg === 'car' && e.cmd.type === 'LEG.CLOSE')).toBe(false);
      b.actor.send({ type: 'CHARGER.MESSAGE', payload: dinAnswerTo(n)!, at: 0 });
    }
    b.actor.send({ type: 'CHARGER.MESSAGE', payload: dinAnswerTo('SessionStopReq')!, at: 0 });
    expect(b.forwards('charger').filter((f) => f.f.origin === 'relay').map((f) => f.name)).toEqual(['CurrentDemandReq', 'PowerDeliveryReq', 'SessionStopReq']);
    b.clock.increment(3000);
    const closes = b.log.filter((e) => e.kind === 'command' && e.cmd.type === 'LEG.CLOSE').map((e) => (e as { leg: string }).leg);
    expect(closes).toEqual(['charger', 'car']);
    expect(b.output()?.end).toBe('Stopped');
  });
});

/** The charger's DIN answer to one of the relay's own requests (from the script). */
function dinAnswerTo(name: string | undefined): Uint8Array | undefined {
  if (!name) return undefined;
  const s = dinSession(1).find((x) => x.requestName === name);
  return s?.response;
}
