import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes.js';
import {
  MODELLED_TYPES,
  decodeMme,
  encodeMme,
  mmeName,
  mmtypeOf,
  type Mme,
  type MmeOf,
} from '../../src/codecs/homeplug/index.js';
import { EV_MAC, oneOfEach } from './fixtures.js';

function decodeOk(hex: string): Mme {
  const r = decodeMme(fromHex(hex) as Uint8Array);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('MME round trips', () => {
  const msgs = oneOfEach();

  it('the fixtures cover every modelled type', () => {
    expect(new Set(msgs.map((m) => m.type))).toEqual(new Set(MODELLED_TYPES));
  });

  for (const msg of msgs) {
    it(`${msg.type}: encode → decode gives the same message, frame ≥ 60 bytes`, () => {
      const frame = encodeMme(msg);
      expect(frame.length).toBeGreaterThanOrEqual(60);
      expect([frame[12], frame[13]]).toEqual([0x88, 0xe1]);
      expect(frame[15]! | (frame[16]! << 8)).toBe(mmtypeOf(msg.type));
      const r = decodeMme(frame);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value).toEqual(msg);
      expect(encodeMme(r.value)).toEqual(frame);
    });
  }
});

describe('MME layouts against real frames', () => {
  it('CM_SLAC_PARM.REQ from the DIN DS5366 capture (annotated)', () => {
    const m = decodeOk(
      'ffffffffffff' + // dst broadcast
        '00e04c68001d' + // src EV
        '88e1' + // EtherType HomePlug AV
        '01' + // MMV 1.1
        '6460' + // MMTYPE 0x6064 little-endian
        '0000' + // FMI
        '00' + // APPLICATION_TYPE
        '00' + // SECURITY_TYPE
        'eff5e9a7db07fdb0' + // RunID
        '00'.repeat(31), // padding to 60
    );
    expect(m.type).toBe('CM_SLAC_PARM.REQ');
    const req = m as MmeOf<'CM_SLAC_PARM.REQ'>;
    expect(toHex(req.runId)).toBe('eff5e9a7db07fdb0');
    expect(req.mmv).toBe(1);
    expect(req.padding).toBeUndefined();
  });

  it('CM_SET_KEY.CNF nonces are little-endian, as Wireshark shows them (0x3b763fda)', () => {
    const m = decodeOk('00e04c68001d00b052000001' + '88e1' + '01' + '0960' + '0000' + '01' + 'da3f763b' + '00000000' + '04' + '0000' + 'ff' + '00' + '00'.repeat(27));
    expect(m.type).toBe('CM_SET_KEY.CNF');
    const cnf = m as MmeOf<'CM_SET_KEY.CNF'>;
    expect(cnf.myNonce).toBe(0x3b763fda);
    expect(cnf.result).toBe(1);
    expect(cnf.pmn).toBe(255);
  });

  it('keeps non-zero padding so the frame re-encodes byte-identically', () => {
    const hex = 'ffffffffffff00e04c68001d88e1016460000000' + '00'.repeat(8) + 'deadbeef' + '00'.repeat(27);
    const frame = fromHex(hex) as Uint8Array;
    const m = decodeOk(hex);
    expect(m.padding).toBeDefined();
    expect(encodeMme(m)).toEqual(frame);
  });

  it('VLAN-tagged MMEs (dSPACE DS5366) decode and re-encode with their tag', () => {
    const hex = '00b052000001644d7001060e' + '810000f4' + '88e1' + '01' + '6460' + '0000' + '0000' + '0102030405060708' + '00'.repeat(31);
    const m = decodeOk(hex);
    expect(m.type).toBe('CM_SLAC_PARM.REQ');
    expect(m.vlanTci).toBe(0xf4);
    expect(toHex(encodeMme(m))).toBe(hex);
  });

  it('an MME of a type we do not model is unknown, named, and re-encodes', () => {
    const hex = 'ffffffffffff00e04c68001d88e1' + '01' + '1400' + '0000' + '00'.repeat(41); // CC_DISCOVER_LIST.REQ
    const m = decodeOk(hex);
    expect(m).toMatchObject({ type: 'unknown', mmtype: 0x0014, name: 'CC_DISCOVER_LIST.REQ', mmv: 1 });
    expect(toHex(encodeMme(m))).toBe(hex);
  });

  it('a VS_* MMTYPE with a foreign OUI is unknown, not misread as the QCA message', () => {
    const hex = 'ffffffffffff00e04c68001d88e1' + '00' + '00a0' + '0080e1' + '00'.repeat(43);
    const m = decodeOk(hex);
    expect(m).toMatchObject({ type: 'unknown', mmtype: 0xa000, oui: 0x0080e1 });
  });

  it('VS_NW_INFO.CNF with MMV 1 (QCA7420 fw 1.4, ABB capture frame 397) uses the AV 1.1 layout', () => {
    const hex =
      'dc0ea1116708984827 5a3ce6 88e1 01 39a0 0000 00b052'.replace(/ /g, '') +
      '0000 3a00 00' + // subVersion, reserved, dataLength 0x3A, reserved
      '01' + // NUMAVLNS
      'd5925cb82e6808 0000 04 04 00000000 00 bcf2aff1c811 01 000000' + // network: NID, -, SNID, TEI, -, role, CCo MAC, CCo TEI, -
      '01 0000000000' + // NUMSTAS, reserved
      'bcf2aff1c811 01 000000 5410eca1f3e2 09 00 0000 09 000000'; // station: MAC, TEI, -, bridged MAC, tx, coupling, -, rx, -
    const m = decodeOk(hex.replace(/ /g, ''));
    expect(m).toMatchObject({ type: 'VS_NW_INFO.CNF', mmv: 1, dataLength: 0x3a });
    if (m.type !== 'VS_NW_INFO.CNF' || m.mmv !== 1) return;
    expect(toHex(m.networks[0]!.nid)).toBe('d5925cb82e6808');
    expect(m.networks[0]!.snid).toBe(4);
    expect(toHex(m.stations[0]!.bridgedMac)).toBe('5410eca1f3e2');
    expect(m.stations[0]!.avgPhyRateRx).toBe(9);
    expect(m.padding).toBeUndefined();
    expect(toHex(encodeMme(m))).toBe(hex.replace(/ /g, ''));
    // The builder computes the same dataLength from the lists.
    const built = oneOfEach().find((x) => x.type === 'VS_NW_INFO.CNF' && x.mmv === 1);
    expect(built).toMatchObject({ dataLength: 0x3a });
  });

  it('CM_AMP_MAP.REQ: 4-bit entries low nibble first; a filled spare nibble survives the round trip', () => {
    const hex = '88fca61c7c8800e04c68001d88e1' + '02' + '1c60' + '0000' + '0300' + '21' + 'f3' + '00'.repeat(39);
    const m = decodeOk(hex);
    expect(m).toMatchObject({ type: 'CM_AMP_MAP.REQ', amplitudes: [1, 2, 3], spareNibble: 15 });
    expect(toHex(encodeMme(m))).toBe(hex);
  });

  it('names every direction of an MMTYPE', () => {
    expect(mmeName(0x6064)).toBe('CM_SLAC_PARM.REQ');
    expect(mmeName(0x606f)).toBe('CM_ATTEN_CHAR.RSP');
    expect(mmeName(0xa001)).toBe('VS_SW_VER.CNF');
    expect(mmeName(0xa22e, 0x0080e1)).toBe('STP_CPSTATE.IND');
    expect(mmeName(0x7ff0)).toBeUndefined();
  });
});

describe('MME typed errors', () => {
  const slacParmReq = 'ffffffffffff00e04c68001d88e1016460000000' + '00'.repeat(40);

  it('wrong EtherType → BAD_ETHERTYPE at offset 12', () => {
    const r = decodeMme(fromHex(slacParmReq.replace('88e1', '0800')) as Uint8Array);
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_ETHERTYPE', offset: 12 } });
  });

  it('MMV 7 → BAD_MMV at offset 14', () => {
    const r = decodeMme(fromHex(slacParmReq.replace('88e101', '88e107')) as Uint8Array);
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_MMV', offset: 14 } });
  });

  it('frame cut inside RunID → TRUNCATED at the field offset', () => {
    const r = decodeMme((fromHex(slacParmReq) as Uint8Array).subarray(0, 25));
    expect(r).toMatchObject({ ok: false, error: { code: 'TRUNCATED', offset: 21, context: { field: 'runId' } } });
  });

  it('NumGroups larger than the frame → BAD_LENGTH', () => {
    const good = encodeMme(oneOfEach().find((m) => m.type === 'CM_ATTEN_PROFILE.IND')!);
    const bad = good.slice();
    bad[19 + 6] = 200; // NumGroups
    const r = decodeMme(bad);
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_LENGTH', offset: 27 } });
  });

  it('runt frames → TRUNCATED, never an exception', () => {
    for (let n = 0; n < 20; n++) {
      const r = decodeMme((fromHex(slacParmReq) as Uint8Array).subarray(0, n));
      expect(r.ok).toBe(false);
    }
  });

  it('an encoded builder message uses the EV MAC given', () => {
    const m = oneOfEach()[0]!;
    expect(encodeMme(m).subarray(6, 12)).toEqual(EV_MAC);
  });
});
