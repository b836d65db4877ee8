// Lenient decoding (DecodeOptions.lenient): facet violations the grammar still carries are
// accepted with structured warnings, only when asked; strict stays the default.
import { describe, expect, it } from 'vitest';
import { SCHEMA_IDS, codecFor, decode, iso2, type FacetWarning } from '../../src/codecs/exi/index.js';
import { DocGenerator, Rng } from './random-doc.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

describe('lenient decode', () => {
  it('is off by default: the OpenV2Gx ChargeParameterDiscoveryRes (SAScheduleTupleID 0 → 256) is VALUE_OUT_OF_RANGE', () => {
    // `OpenV2G E1e` (uhi22/OpenV2Gx), pyPLC's ISO-2 charger; annotated in test/v2g/openv2g-charger.test.ts.
    const bytes = hex('809802004080c1014181c210a00001fe00008c2819055000000040c30c80106140280c40c203030c0040c40c801018600a06180288');
    expect(decode('iso2', bytes).ok).toBe(false);
    expect(iso2.decode(bytes).ok).toBe(false);
    expect(decode('iso2', bytes, {}).ok).toBe(false);
    expect(decode('iso2', bytes, { lenient: [] }).ok).toBe(false);
    expect(decode('iso2', bytes, { lenient: ['length'] }).ok).toBe(false);
    const warnings: FacetWarning[] = [];
    const r = iso2.decode(bytes, { lenient: ['range'], warnings });
    expect(r.ok && r.value.V2G_Message?.Body.ChargeParameterDiscoveryRes?.SAScheduleList?.SAScheduleTuple[0]?.SAScheduleTupleID).toBe(0);
    expect(warnings).toEqual([{ field: 'SAScheduleTupleType.SAScheduleTupleID', facet: 'range', value: 256, min: 1, max: 255, decodedAs: 0 }]);
    // The next strict decode on the same codec is strict again (the reader is reused).
    expect(decode('iso2', bytes).ok).toBe(false);
  });

  it('accepts a string length outside the facet only under "length" (OpenV2Gx CurrentDemandRes, empty EVSEID)', () => {
    // `OpenV2G E1i_350_10_1`: EVSEID (string 7..37) written with length 0; SAScheduleTupleID 0 again.
    const cd = hex('809802004080c1014181c210e00000002040c40de02030c0282006021fe8');
    const strict = decode('iso2', cd);
    expect(strict.ok || strict.error.code).toBe('LENGTH_OUT_OF_RANGE');
    const rangeOnly = decode('iso2', cd, { lenient: ['range'] });
    expect(rangeOnly.ok || rangeOnly.error.code).toBe('LENGTH_OUT_OF_RANGE');
    const warnings: FacetWarning[] = [];
    const r = iso2.decode(cd, { lenient: ['length', 'range'], warnings });
    expect(r.ok && r.value.V2G_Message?.Body.CurrentDemandRes?.EVSEID).toBe('');
    expect(warnings.map((w) => `${w.field} ${w.facet} ${w.value}`)).toEqual(['CurrentDemandResType.EVSEID length 0', 'CurrentDemandResType.SAScheduleTupleID range 256']);
  });

  it('changes nothing for valid documents (no warnings) and returns a Result for mutated ones', () => {
    const rng = new Rng(777);
    let accepted = 0;
    let warned = 0;
    for (const schema of SCHEMA_IDS) {
      const codec = codecFor(schema);
      const gen = new DocGenerator(codec.meta, rng);
      const roots = Object.keys(codec.meta.roots).filter((r) => gen.canGenerate(codec.meta.roots[r] as string));
      for (let i = 0; i < 300; i++) {
        const e = codec.encode(gen.document(rng.pick(roots)) as never);
        if (!e.ok) continue;
        const warnings: FacetWarning[] = [];
        const valid = codec.decode(e.value, { lenient: ['range', 'length'], warnings });
        expect(valid.ok).toBe(true);
        expect(warnings).toEqual([]);
        // Flip a few bits: lenient or not, a Result comes back.
        const m = Uint8Array.from(e.value);
        for (let k = 0; k < 3; k++) {
          const bit = rng.int(8, m.length * 8 - 1);
          m[bit >>> 3] = (m[bit >>> 3] as number) ^ (0x80 >>> (bit & 7));
        }
        const w2: FacetWarning[] = [];
        const r = codec.decode(m, { lenient: ['range', 'length'], warnings: w2 });
        expect(typeof r.ok).toBe('boolean');
        if (r.ok) accepted++;
        if (w2.length > 0) warned++;
        for (const w of w2) expect(['range', 'length']).toContain(w.facet);
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expect(warned).toBeGreaterThan(0);
  });
});
