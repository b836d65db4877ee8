// V2G_SECC_Msg_Performance_Time at the runtime's transport (request decoded → response written),
// with the real EXI codec and the EVSE's default limits; the delay is faked through the injected time source.
import { Subject } from 'rxjs';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { v2gTransportActor, type LateResponse } from '../../src/runtime/v2g-transport.js';
import { memoryLogger } from '../../src/ports/log.js';
import type { TcpConnection, TcpEvent } from '../../src/ports/net.js';
import { V2gtpPayloadType, encodeV2gtp } from '../../src/codecs/v2gtp/index.js';
import { encodeHandshakeRequest, encodeHandshakeResponse, iso2Dialect, offerFor, seccMsgPerformanceTime, v2gEvseDefaults, type V2gRequest, type V2gResponse } from '../../src/domain/v2g/index.js';

const sid = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const evStatus = { ready: true, errorCode: 'NO_ERROR', soc: 50 } as const;

function world() {
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
  let now = 1000;
  const late: LateResponse[] = [];
  const logger = memoryLogger();
  const actor = createActor(
    v2gTransportActor({
      role: 'evse',
      codec: exiCodec,
      logger,
      now: () => now,
      performanceTime: (request) => seccMsgPerformanceTime(v2gEvseDefaults.timeouts, request),
      onLateResponse: (l) => void late.push(l),
    }),
    { input: { connection: conn } },
  ).start();
  const rx = (exi: Uint8Array) => events$.next({ type: 'data', data: encodeV2gtp(V2gtpPayloadType.Exi, exi) });
  const request = (req: V2gRequest) => {
    const doc = iso2Dialect.encodeRequest(sid, req);
    if (!doc.ok) throw new Error(doc.error.message);
    const exi = exiCodec.encode('iso2', doc.value);
    if (!exi.ok) throw new Error(exi.error.message);
    rx(exi.value);
  };
  const respond = (res: V2gResponse) => {
    const doc = iso2Dialect.encodeResponse(sid, res);
    if (!doc.ok) throw new Error(doc.error.message);
    actor.send({ type: 'TRANSPORT.SEND', out: { schema: 'iso2', doc: doc.value } });
  };
  return { actor, written, late, logger, rx, request, respond, advance: (ms: number) => (now += ms) };
}

const currentDemandRes: V2gResponse = {
  kind: 'CurrentDemand',
  responseCode: 'OK',
  dcStatus: { statusCode: 'EVSE_Ready', isolation: 'Valid', notification: 'None', notificationMaxDelay: 0 },
  presentVoltage: 400,
  presentCurrent: 10,
  currentLimitAchieved: false,
  voltageLimitAchieved: false,
  powerLimitAchieved: false,
  maxVoltage: 500,
  maxCurrent: 125,
  maxPower: 50000,
  evseId: new TextEncoder().encode('ZZ00000'),
  saScheduleTupleId: 1,
};

describe('V2G_SECC_Msg_Performance_Time at the transport', () => {
  it('maps request element names to the keys (DIN spelling and AppProtocol included)', () => {
    const t = v2gEvseDefaults.timeouts;
    expect(seccMsgPerformanceTime(t, 'CurrentDemandReq')).toBe(25);
    expect(seccMsgPerformanceTime(t, 'PowerDeliveryReq')).toBe(4500);
    expect(seccMsgPerformanceTime(t, 'ContractAuthenticationReq')).toBe(1500);
    expect(seccMsgPerformanceTime(t, 'ServicePaymentSelectionReq')).toBe(1500);
    expect(seccMsgPerformanceTime(t, 'supportedAppProtocolReq')).toBe(1500);
    expect(seccMsgPerformanceTime(t, 'PaymentDetailsReq')).toBeUndefined();
  });

  it('a CurrentDemandRes 40 ms after the request is logged with name and time and counted; one in time is not', () => {
    const w = world();
    // Handshake in time.
    w.rx((exiCodec.encode('appHand', encodeHandshakeRequest(offerFor(['iso2']))) as { ok: true; value: Uint8Array }).value);
    w.advance(3);
    w.actor.send({ type: 'TRANSPORT.SEND', out: { schema: 'appHand', doc: encodeHandshakeResponse({ responseCode: 'OK_SuccessfulNegotiation', schemaId: 1 }) } });
    w.actor.send({ type: 'TRANSPORT.SCHEMA', schema: 'iso2' });
    const cd: V2gRequest = { kind: 'CurrentDemand', evStatus, targetVoltage: 400, targetCurrent: 10, chargingComplete: false };
    w.request(cd);
    w.advance(20);
    w.respond(currentDemandRes);
    expect(w.late).toEqual([]);
    w.request(cd);
    w.advance(40);
    w.respond(currentDemandRes);
    expect(w.written).toHaveLength(3);
    expect(w.late).toEqual([{ request: 'CurrentDemandReq', elapsedMs: 40, limitMs: 25 }]);
    const warn = w.logger.lines.filter((l) => l.level === 'warn');
    expect(warn).toHaveLength(1);
    expect(warn[0]?.message).toBe('CurrentDemandRes later than V2G_SECC_Msg_Performance_Time');
    expect(warn[0]?.fields).toMatchObject({ request: 'CurrentDemandReq', elapsedMs: 40, limitMs: 25 });
    w.actor.stop();
  });
});
