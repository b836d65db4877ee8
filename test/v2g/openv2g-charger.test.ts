// An ISO-2 car against the exact bytes of pyPLC's own charger (OpenV2Gx-based): issue 10,
// "ISO-2 against OpenV2G-based chargers fails".
//
// The fixtures are the output of OpenV2Gx's command-line interface (uhi22/OpenV2Gx 1ecbedd,
// ../shared/reference-codecs/OpenV2Gx, src/test/iso1_commandlineinterface.h), the program
// pyPLC's charger runs for every response: built with gcc from its sources and called as
// pyPLC calls it (`E1e`, `E1f_0`, `E1i_<U>_<I>_<status>`). Its session ID is always
// 01 02 03 04 05 06 07 08. The charger here is tsplc's EVSE machine with its SessionID set to
// that value; the three responses OpenV2Gx writes against the schema are replaced by its bytes.
import { Subject } from 'rxjs';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { parseConfigText, validateConfig } from '../../src/config/index.js';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { v2gEvConfigOf } from '../../src/runtime/role.js';
import { lenientSessionDecoder, v2gTransportActor } from '../../src/runtime/v2g-transport.js';
import { memoryLogger } from '../../src/ports/log.js';
import type { TcpConnection, TcpEvent } from '../../src/ports/net.js';
import { V2gtpPayloadType, encodeV2gtp } from '../../src/codecs/v2gtp/index.js';
import type { SchemaId as V2gSchemaId } from '../../src/domain/v2g/model.js';
import { createHarness, runToEnd } from './harness.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

/**
 * `OpenV2G E1e` (encodeIso1ChargeParameterDiscoveryResponse): ResponseCode OK, Finished,
 * SAScheduleList with one tuple whose SAScheduleTupleID is set to 0. SAIDType is
 * unsignedByte 1..255, an 8-bit offset from 1: OpenV2Gx writes (uint32)(0 - 1) in 8 bits,
 *   80           EXI header
 *   98 02 00 40 80 c1 01 41 81 c2 1  V2G_Message, Header, SessionID 0102030405060708, Body
 *   0 a0 00 01 f  ChargeParameterDiscoveryRes, ResponseCode OK, EVSEProcessing Finished, SAScheduleList
 *   e 00 ...     SAScheduleTupleID: bits 1111 1111 = 255, + 1 = 256 (the C decoders store
 *                (uint8_t)(255 + 1) = 0), then PMaxSchedule 50 kW, DC_EVSEChargeParameter
 *                (isolation Invalid, 200 A, 10 kW, 450 V, min 1 A / 200 V).
 */
const chargeParameterDiscoveryRes = hex('809802004080c1014181c210a00001fe00008c2819055000000040c30c80106140280c40c203030c0040c40c801018600a06180288');

/**
 * `OpenV2G E1f_0` (encodeIso1CableCheckResponse, Finished): DC_EVSEStatus without the optional
 * EVSEIsolationStatus (init_iso1DC_EVSEStatusType leaves it unused), EVSEStatusCode
 * EVSE_NotReady (0, never set), EVSEProcessing Finished.
 */
const cableCheckRes = hex('809802004080c1014181c210400000020000');

/**
 * `OpenV2G E1i_350_10_1` (encodeIso1CurrentDemandResponse: 350 V, 10 A, EVSE_Ready): its EVSEID
 * is left empty — string length 0 (EXI length field 2 = `02`), outside EVSEIDType 7..37 — and
 * its SAScheduleTupleID is 0 again (8 bits 0xff = 256).
 */
const currentDemandRes = hex('809802004080c1014181c210e00000002040c40de02030c0282006021fe8');

const pyPlcSessionId = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i + 1);

function openV2gCharger(lenient: readonly ('range' | 'length')[]) {
  const transportLog = memoryLogger('v2gtp');
  // One decoder per session, as the transport makes one per connection.
  const decodeRx = lenientSessionDecoder(exiCodec, lenient, transportLog);
  const h = createHarness({
    ev: { protocols: ['iso2'], socTarget: 21, lenientFacets: lenient },
    evse: { protocolPreference: ['iso2'] },
    plant: { battery: { initialSocPercent: 20 } },
    randomBytes: pyPlcSessionId,
    tamperEvseToEv: (doc) => {
      if (!('V2G_Message' in doc)) return undefined as never;
      const body = doc.V2G_Message.Body;
      if ('ChargeParameterDiscoveryRes' in body) return chargeParameterDiscoveryRes;
      if ('CableCheckRes' in body) {
        // Ongoing answers are the EVSE machine's own; OpenV2Gx's Finished one carries no isolation status.
        const res = body.CableCheckRes as { EVSEProcessing?: string };
        return res.EVSEProcessing === 'Finished' ? cableCheckRes : (undefined as never);
      }
      if ('CurrentDemandRes' in body) return currentDemandRes;
      return undefined as never;
    },
    evDecode: (schema, bytes) => decodeRx(schema as V2gSchemaId, bytes),
  });
  return { h, transportLog };
}

describe('ISO-2 car against an OpenV2Gx-based charger (pyPLC)', () => {
  it('decodes the three OpenV2Gx responses strictly as facet errors, leniently with structured warnings', () => {
    const strict = exiCodec.decode('iso2', chargeParameterDiscoveryRes);
    expect(strict.ok).toBe(false);
    if (!strict.ok) expect(strict.error).toMatchObject({ code: 'VALUE_OUT_OF_RANGE', message: 'SAScheduleTupleType.SAScheduleTupleID: 256 above 255' });
    const strictCd = exiCodec.decode('iso2', currentDemandRes);
    expect(strictCd.ok).toBe(false);
    if (!strictCd.ok) expect(strictCd.error.code).toBe('LENGTH_OUT_OF_RANGE');

    const warnings: unknown[] = [];
    const cpd = exiCodec.decode('iso2', chargeParameterDiscoveryRes, { lenient: ['range'], warnings: warnings as never });
    expect(cpd.ok).toBe(true);
    expect(JSON.stringify(cpd.ok && cpd.value)).toContain('"SAScheduleTupleID":0');
    expect(warnings).toEqual([{ field: 'SAScheduleTupleType.SAScheduleTupleID', facet: 'range', value: 256, min: 1, max: 255, decodedAs: 0 }]);

    // Only the classes asked for: range alone does not accept the empty EVSEID.
    expect(exiCodec.decode('iso2', currentDemandRes, { lenient: ['range'] }).ok).toBe(false);
    const w2: unknown[] = [];
    const cd = exiCodec.decode('iso2', currentDemandRes, { lenient: ['length', 'range'], warnings: w2 as never });
    expect(cd.ok).toBe(true);
    expect(w2).toEqual([
      { field: 'CurrentDemandResType.EVSEID', facet: 'length', value: 0, min: 7, max: 37 },
      { field: 'CurrentDemandResType.SAScheduleTupleID', facet: 'range', value: 256, min: 1, max: 255, decodedAs: 0 },
    ]);

    // CableCheckRes is schema-valid: EVSEIsolationStatus is optional in DC_EVSEStatus.
    const cc = exiCodec.decode('iso2', cableCheckRes);
    expect(cc.ok && JSON.stringify(cc.value)).not.toContain('EVSEIsolationStatus');
  });

  it('with lenient facets but without accept_isolation_invalid it passes ChargeParameterDiscovery and stops at CableCheck: IsolationStatusAbsent', async () => {
    const { h, transportLog } = openV2gCharger(['length', 'range']);
    const r = await runToEnd(h);
    expect(h.trace.some((t) => t.name === 'CableCheckReq')).toBe(true);
    // CableCheckRes without EVSEIsolationStatus is accepted only with accept_isolation_invalid.
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'IsolationStatusAbsent' });
    const warns = transportLog.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warns).toEqual(['accepted range facet violation: SAScheduleTupleType.SAScheduleTupleID']);
  });

  it('with lenient facets and accept_isolation_invalid the session runs through CurrentDemand to SessionStop', async () => {
    const transportLog = memoryLogger('v2gtp');
    const decodeRx = lenientSessionDecoder(exiCodec, ['length', 'range'], transportLog);
    const h = createHarness({
      ev: { protocols: ['iso2'], socTarget: 21, acceptIsolationInvalid: true },
      evse: { protocolPreference: ['iso2'] },
      plant: { battery: { initialSocPercent: 20 } },
      randomBytes: pyPlcSessionId,
      tamperEvseToEv: (doc) => {
        if (!('V2G_Message' in doc)) return undefined as never;
        const body = doc.V2G_Message.Body;
        if ('ChargeParameterDiscoveryRes' in body) return chargeParameterDiscoveryRes;
        if ('CableCheckRes' in body && (body.CableCheckRes as { EVSEProcessing?: string }).EVSEProcessing === 'Finished') return cableCheckRes;
        if ('CurrentDemandRes' in body) return currentDemandRes;
        return undefined as never;
      },
      evDecode: (schema, bytes) => decodeRx(schema as V2gSchemaId, bytes),
    });
    const r = await runToEnd(h);
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'SocTargetReached', protocol: 'iso2' });
    const currentDemands = h.trace.filter((t) => t.name === 'CurrentDemandReq').length;
    expect(currentDemands).toBeGreaterThan(1);
    expect(h.trace.some((t) => t.name === 'SessionStopReq')).toBe(true);
    // Many CurrentDemandRes with the same two violations: still one line per field.
    const warns = transportLog.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warns).toEqual([
      'accepted range facet violation: SAScheduleTupleType.SAScheduleTupleID',
      'accepted length facet violation: CurrentDemandResType.EVSEID',
      'accepted range facet violation: CurrentDemandResType.SAScheduleTupleID',
    ]);
  });

  it('strictly (lenient_facets = []) the session stops at ChargeParameterDiscoveryRes with a decode error', async () => {
    const { h, transportLog } = openV2gCharger([]);
    const r = await runToEnd(h);
    expect(r.ev?.result).toBe('SafeShutdown');
    expect(r.ev?.reason).toMatch(/^DecodeError/);
    expect(r.ev?.reason).toContain('SAScheduleTupleID');
    expect(h.trace.some((t) => t.name === 'CableCheckReq')).toBe(false);
    expect(transportLog.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});

describe('v2g.lenient_facets', () => {
  const load = (toml: string) => {
    const raw = parseConfigText(toml, 'test.toml');
    if (!raw.ok) throw new Error('TOML');
    return validateConfig(raw.value, 'test.toml');
  };

  it('defaults to length and range, accepts [] (strict) and rejects unknown classes with the key name', () => {
    const def = load('');
    expect(def.ok && v2gEvConfigOf(def.value, new Uint8Array(6), {}).lenientFacets).toEqual(['length', 'range']);
    const strict = load('[v2g]\nlenient_facets = []\n');
    expect(strict.ok && v2gEvConfigOf(strict.value, new Uint8Array(6), {}).lenientFacets).toEqual([]);
    const bad = load('[v2g]\nlenient_facets = ["enum"]\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error[0]).toMatchObject({ key: 'v2g.lenient_facets' });
  });
});

describe('EV V2G transport with lenientFacets', () => {
  it('logs one warning per field for the connection and delivers the documents; strict by default', () => {
    const records: { error?: { code: string }; doc?: unknown }[] = [];
    const run = (lenientFacets: readonly ('range' | 'length')[] | undefined) => {
      const events$ = new Subject<TcpEvent>();
      const conn: TcpConnection = {
        localAddress: 'fe80::1',
        localPort: 50000,
        remoteAddress: 'fe80::2',
        remotePort: 15118,
        events$,
        write: () => undefined,
        close: () => events$.next({ type: 'closed', reason: 'local' }),
        destroy: () => events$.next({ type: 'closed', reason: 'reset' }),
      };
      const logger = memoryLogger();
      records.length = 0;
      const actor = createActor(
        v2gTransportActor({ role: 'ev', codec: exiCodec, logger, onWire: (r) => void records.push(r), ...(lenientFacets ? { lenientFacets } : {}) }),
        { input: { connection: conn } },
      ).start();
      actor.send({ type: 'TRANSPORT.SCHEMA', schema: 'iso2' });
      for (let i = 0; i < 3; i++) events$.next({ type: 'data', data: encodeV2gtp(V2gtpPayloadType.Exi, currentDemandRes) });
      actor.stop();
      return logger.lines.filter((l) => l.level === 'warn');
    };
    const warns = run(['length', 'range']);
    expect(records.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'ok', 'ok']);
    expect(warns.map((w) => w.message)).toEqual(['accepted length facet violation: CurrentDemandResType.EVSEID', 'accepted range facet violation: CurrentDemandResType.SAScheduleTupleID']);
    expect(warns[1]?.fields).toMatchObject({ schema: 'iso2', field: 'CurrentDemandResType.SAScheduleTupleID', facet: 'range', value: '256', allowed: '1..255', decodedAs: 0 });

    const strictWarns = run(undefined);
    expect(records.map((r) => r.error?.code ?? 'ok')).toEqual(['LENGTH_OUT_OF_RANGE', 'LENGTH_OUT_OF_RANGE', 'LENGTH_OUT_OF_RANGE']);
    expect(strictWarns.map((w) => w.message)).toEqual(['EXI decode failed', 'EXI decode failed', 'EXI decode failed']);
  });
});
