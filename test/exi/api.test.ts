// Public API: document shape, typed errors with positions and paths, JSON view, CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes.js';
import { decode, din, encode, fromJson, iso2, toJson, type DinDocument } from '../../src/codecs/exi/index.js';
import { CLI } from '../helpers/cli.js';

// DIN SessionSetupRes from the DIN_DC_DS5366_Josev capture (Josev SECC).
const SESSION_SETUP_RES = '809a0223e95ff78afebf9e11e020040080';
// DIN CurrentDemandReq, 2022-12-20_alpi_currentDemandSequenceErrorShutdown.pcapng frame 2718.
const CURRENT_DEMAND_REQ = '809a02000000000ef04d44d0d1400500c814410c9cc020';

function bytes(hex: string): Uint8Array {
  return fromHex(hex) as Uint8Array;
}

describe('EXI API', () => {
  it('decodes into the documented shape', () => {
    const r = din.decode(bytes(CURRENT_DEMAND_REQ));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.value.V2G_Message as din.V2G_Message;
    expect(m.Header.SessionID).toBeInstanceOf(Uint8Array);
    expect(toHex(m.Header.SessionID)).toBe('000000003bc13513');
    const cd = m.Body.CurrentDemandReq as din.CurrentDemandReqType;
    expect(cd.DC_EVStatus.EVReady).toBe(true);
    expect(cd.DC_EVStatus.EVErrorCode).toBe('NO_ERROR');
    expect(cd.DC_EVStatus.EVRESSSOC).toBe(20);
    // pyPLC (as the car) leaves out the optional Unit: the property is absent, not undefined-valued.
    expect(cd.EVTargetCurrent).toEqual({ Multiplier: 0, Value: 10 });
    expect('Unit' in cd.EVTargetCurrent).toBe(false);
    expect(cd.EVTargetVoltage).toEqual({ Multiplier: 0, Value: 230 });
    expect(cd.ChargingComplete).toBe(false);
  });

  it('decoded binary values do not change when the input buffer is reused; an empty one is shared and frozen', () => {
    // DIN SessionSetupReq, alpi capture frame 596: SessionID 8 zero bytes (unaligned), EVCCID empty.
    const input = bytes('809a02000000000000000011d00000');
    const a = din.decode(input);
    const cd = din.decode(bytes(CURRENT_DEMAND_REQ));
    input.fill(0xff);
    expect(a.ok && cd.ok).toBe(true);
    if (!a.ok || !cd.ok) return;
    const m = a.value.V2G_Message as din.V2G_Message;
    expect(toHex(m.Header.SessionID)).toBe('0000000000000000');
    const id = (m.Body.SessionSetupReq as din.SessionSetupReqType).EVCCID;
    expect(id.length).toBe(0);
    expect(Object.isFrozen(id)).toBe(true);
    const b = din.decode(bytes('809a02000000000000000011d00000'));
    expect(b.ok && (b.value.V2G_Message?.Body.SessionSetupReq as din.SessionSetupReqType).EVCCID).toBe(id);
    // And it encodes like any other empty value.
    expect(toHex((din.encode(a.value) as { ok: true; value: Uint8Array }).value)).toBe('809a02000000000000000011d00000');
  });

  it('encodes a hand-written document (types from the generated module)', () => {
    const doc: DinDocument = {
      V2G_Message: {
        Header: { SessionID: bytes('8fa57fde2bfafe78') },
        Body: { SessionSetupRes: { ResponseCode: 'OK_NewSessionEstablished', EVSEID: bytes('00') } },
      },
    };
    const r = encode('din', doc);
    expect(r.ok && toHex(r.value)).toBe(SESSION_SETUP_RES);
  });

  it('reports a bad event code with bit position, grammar and state', () => {
    // Flip the Body event code of the CurrentDemandReq to 63 (6 bits of ones): undefined in BodyType.
    const b = bytes(CURRENT_DEMAND_REQ);
    // Header byte 8 + DocContent 7 + SE(Header) 1 + SE(SessionID) 1 + CH 1 + length 8 + 64 bits
    // + EE 1 = 91; Header end (2 bits) → 93; SE(Body) 1 → Body state 0 at bit 94.
    for (let bit = 94; bit < 100; bit++) b[bit >>> 3] = (b[bit >>> 3] as number) | (0x80 >>> (bit & 7));
    const r = decode('din', b);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(['BAD_EVENT_CODE', 'SECOND_LEVEL_EVENT']).toContain(r.error.code);
    expect(r.error.bitPosition).toBe(94);
    expect(r.error.context?.grammar).toBe('BodyType');
    expect(r.error.context?.state).toBe(0);
  });

  it('rejects a wrong header, an empty input and truncations', () => {
    const bad = bytes(CURRENT_DEMAND_REQ);
    bad[0] = 0x81;
    expect(decode('din', bad)).toMatchObject({ ok: false, error: { code: 'BAD_HEADER', offset: 0 } });
    expect(decode('din', new Uint8Array(0))).toMatchObject({ ok: false, error: { code: 'TRUNCATED' } });
    const t = decode('din', bytes(CURRENT_DEMAND_REQ).subarray(0, 10));
    expect(t.ok === false && t.error.code).toBe('TRUNCATED');
  });

  it('reports trailing bytes with the decoded document', () => {
    const r = decode('din', bytes(SESSION_SETUP_RES + '0000'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('TRAILING_BYTES');
    expect(r.error.trailingBytes).toBe(2);
    expect(toJson(r.error.document)).toEqual(toJson(din.decode(bytes(SESSION_SETUP_RES)).ok ? (din.decode(bytes(SESSION_SETUP_RES)) as { value: unknown }).value : null));
  });

  it('names the offending field path on encode errors and enforces schema limits', () => {
    const base = (): DinDocument => ({
      V2G_Message: { Header: { SessionID: bytes('0102030405060708') }, Body: { SessionSetupRes: { ResponseCode: 'OK', EVSEID: bytes('00') } } },
    });
    const tooLong = base();
    (tooLong.V2G_Message as din.V2G_Message).Header.SessionID = new Uint8Array(9); // sessionIDType maxLength 8
    expect(encode('din', tooLong)).toMatchObject({ ok: false, error: { code: 'LENGTH_OUT_OF_RANGE', path: 'V2G_Message.Header.SessionID' } });
    const badEnum = base();
    ((badEnum.V2G_Message as din.V2G_Message).Body.SessionSetupRes as { ResponseCode: string }).ResponseCode = 'MAYBE';
    expect(encode('din', badEnum)).toMatchObject({ ok: false, error: { code: 'BAD_ENUM_VALUE', path: 'V2G_Message.Body.SessionSetupRes.ResponseCode' } });
    const missing = base();
    delete ((missing.V2G_Message as din.V2G_Message).Body.SessionSetupRes as { EVSEID?: Uint8Array }).EVSEID;
    expect(encode('din', missing)).toMatchObject({ ok: false, error: { code: 'MISSING_FIELD', path: 'V2G_Message.Body.SessionSetupRes.EVSEID' } });
    const range = fromJson('din', JSON.parse('{"V2G_Message":{"Header":{"SessionID":"00"},"Body":{"CurrentDemandReq":{"DC_EVStatus":{"EVReady":true,"EVErrorCode":"NO_ERROR","EVRESSSOC":101},"EVTargetCurrent":{"Multiplier":0,"Value":1},"ChargingComplete":false,"EVTargetVoltage":{"Multiplier":0,"Value":1}}}}}'));
    expect(range.ok).toBe(true);
    if (range.ok) expect(encode('din', range.value)).toMatchObject({ ok: false, error: { code: 'VALUE_OUT_OF_RANGE', path: 'V2G_Message.Body.CurrentDemandReq.DC_EVStatus.EVRESSSOC' } });
    const two = base();
    (two.V2G_Message as din.V2G_Message).Body.SessionStopReq = {};
    expect(encode('din', two)).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED_HERE', path: 'V2G_Message.Body.SessionStopReq' } });
    expect(encode('din', {} as DinDocument)).toMatchObject({ ok: false, error: { code: 'NO_ROOT' } });
    expect(encode('din', { V2G_Message: null } as unknown as DinDocument)).toMatchObject({ ok: false, error: { code: 'BAD_VALUE' } });
    // The appHand list holds at most 20 entries (schema maxOccurs), not the 5 of the C codecs.
    const proto = { ProtocolNamespace: 'urn:din:70121:2012:MsgDef', VersionNumberMajor: 2, VersionNumberMinor: 0, SchemaID: 1, Priority: 1 };
    expect(encode('appHand', { supportedAppProtocolReq: { AppProtocol: Array(20).fill(proto) } }).ok).toBe(true);
    expect(encode('appHand', { supportedAppProtocolReq: { AppProtocol: Array(21).fill(proto) } })).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED_HERE' } });
  });

  it('JSON view round-trips binary and bigint fields', () => {
    const json = { V2G_Message: { Header: { SessionID: '0102030405060708' }, Body: { SessionSetupRes: { ResponseCode: 'OK', EVSEID: '49', DateTimeNow: '-9223372036854775808' } } } };
    const doc = fromJson('din', json);
    expect(doc.ok).toBe(true);
    if (!doc.ok) return;
    const e = encode('din', doc.value);
    expect(e.ok).toBe(true);
    if (!e.ok) return;
    const back = decode('din', e.value);
    expect(back.ok && toJson(back.value)).toEqual(json);
    expect(fromJson('din', { V2G_Message: { Header: { SessionID: 'zz' } } })).toMatchObject({ ok: false, error: { code: 'BAD_VALUE' } });
  });

  it('exports ISO-2 types and typed entry points', () => {
    const status: iso2.DC_EVStatusType = { EVReady: true, EVErrorCode: 'NO_ERROR', EVRESSSOC: 50 };
    const req: iso2.CurrentDemandReqType = {
      DC_EVStatus: status,
      EVTargetCurrent: { Multiplier: 0, Unit: 'A', Value: 10 },
      ChargingComplete: false,
      EVTargetVoltage: { Multiplier: 0, Unit: 'V', Value: 400 },
    };
    const e = iso2.encode({ V2G_Message: { Header: { SessionID: new Uint8Array(8) }, Body: { CurrentDemandReq: req } } });
    expect(e.ok).toBe(true);
    if (e.ok) expect(iso2.decode(e.value)).toMatchObject({ ok: true, value: { V2G_Message: { Body: { CurrentDemandReq: req } } } });
  });
});

describe('tsplc exi', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, 'exi', ...args], { encoding: 'utf8' });

  it('decode prints the JSON view, encode prints hex', () => {
    const out = execFileSync(process.execPath, [CLI, 'exi', 'decode', '--schema', 'din', SESSION_SETUP_RES], { encoding: 'utf8' });
    const json = JSON.parse(out) as unknown;
    expect(json).toEqual({ V2G_Message: { Header: { SessionID: '8fa57fde2bfafe78' }, Body: { SessionSetupRes: { ResponseCode: 'OK_NewSessionEstablished', EVSEID: '00' } } } });
    const enc = cli(['encode', '--schema', 'din', out]);
    expect(enc.status).toBe(0);
    expect(enc.stdout.trim()).toBe(SESSION_SETUP_RES);
  });

  it('prints the typed error and exits non-zero', () => {
    const r = cli(['decode', '--schema', 'din', SESSION_SETUP_RES.slice(0, 20)]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'TRUNCATED' });
    expect(cli(['decode', '--schema', 'nope', '80']).status).toBe(2);
  });
});
