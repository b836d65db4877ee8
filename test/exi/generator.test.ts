// The generator: committed code is what the schemas produce, and the grammar
// derivation gives the event codes the real messages use.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRAMMARS, generate } from '../../src/codecs/exi/gen/index.js';
import { buildGrammar, type CType } from '../../src/codecs/exi/gen/model.js';
import { loadSchemaSet } from '../../src/codecs/exi/gen/xsd.js';
import { hasSchemas, missingSharedMessage, schemasDir } from '../shared.js';
import { needSchemas } from '../env.js';

if (!hasSchemas) console.warn(missingSharedMessage);

function readSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.xsd')) files.set(relative(schemasDir, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(schemasDir);
  return files;
}

function eventNames(t: CType, state: number): string[] {
  return (t.states[state]?.events ?? []).map((e) => (e.kind === 'SE' ? (t.leaves[e.leaf]?.name ?? '?') : e.kind === 'AT' ? `@${t.attrs[e.attr]?.name}` : e.kind));
}

describe.skipIf(!needSchemas())('EXI generator', () => {
  const files = hasSchemas ? readSchemas() : new Map<string, string>();

  it('reproduces the committed src/codecs/exi/generated/ byte for byte', () => {
    const out = generate(files);
    expect([...out.keys()].sort()).toEqual(GRAMMARS.map((g) => `${g.module}.ts`).sort());
    for (const [name, text] of out) {
      const committed = readFileSync(join(process.cwd(), 'src', 'codecs', 'exi', 'generated', name), 'utf8');
      expect(text === committed, `${name} differs from a fresh generation: run npm run gen:exi -- ../shared/schemas`).toBe(true);
    }
  });

  it('derives the DIN event codes seen on the wire', () => {
    const g = buildGrammar(loadSchemaSet(files, 'din_spec/V2G_CI_MsgDef.xsd'));
    // DocContent: 81 global elements + SE(*) → 7 bits; V2G_Message is number 77 (0x80 0x9a...).
    expect(g.docBits).toBe(7);
    expect(g.roots.findIndex((r) => r.name === 'V2G_Message')).toBe(77);
    const body = g.complexTypes.find((t) => t.tsName === 'BodyType') as CType;
    // Substitution group BodyElement: head and members sorted by local name, then EE; 6 bits.
    expect(body.states[0]?.bits).toBe(6);
    expect(eventNames(body, 0).indexOf('BodyElement')).toBe(0);
    expect(eventNames(body, 0).indexOf('CurrentDemandReq')).toBe(13);
    expect(eventNames(body, 0).at(-1)).toBe('EE');
    const cdr = g.complexTypes.find((t) => t.tsName === 'CurrentDemandReqType') as CType;
    // After EVTargetCurrent: four optional elements and the mandatory ChargingComplete → 3 bits.
    expect(eventNames(cdr, 2)).toEqual(['EVMaximumVoltageLimit', 'EVMaximumCurrentLimit', 'EVMaximumPowerLimit', 'BulkChargingComplete', 'ChargingComplete']);
    expect(cdr.states[2]?.bits).toBe(3);
    const pv = g.complexTypes.find((t) => t.tsName === 'PhysicalValueType') as CType;
    const mult = pv.leaves[0]?.value;
    expect(mult?.kind === 'simple' && mult.type.rep).toEqual({ k: 'nbit', min: -3, max: 3, bits: 3 });
  });

  it('handles attributes, bounded repetition and the state after maxOccurs', () => {
    const g = buildGrammar(loadSchemaSet(files, 'V2G_CI_AppProtocol.xsd'));
    const req = g.complexTypes.find((t) => t.tsName === 'supportedAppProtocolReq') as CType;
    const leaf = req.leaves[0];
    expect(leaf?.max).toBe(20);
    const ls = req.leafStates[0] as { loop: number; done: number };
    expect(eventNames(req, ls.loop)).toEqual(['AppProtocol', 'EE']);
    expect(eventNames(req, ls.done)).toEqual(['EE']);
    const iso2 = buildGrammar(loadSchemaSet(files, 'iso15118_2/V2G_CI_MsgDef.xsd'));
    const auth = iso2.complexTypes.find((t) => t.tsName === 'AuthorizationReqType') as CType;
    // Optional attribute Id, optional GenChallenge: AT(Id), SE(GenChallenge), EE in 2 bits.
    expect(eventNames(auth, 0)).toEqual(['@Id', 'GenChallenge', 'EE']);
    expect(auth.states[0]?.bits).toBe(2);
  });

  it('rejects XSD constructs it does not implement instead of guessing', () => {
    const bad = new Map([['x.xsd', '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x"><xs:group name="g"/></xs:schema>']]);
    expect(() => loadSchemaSet(bad, 'x.xsd')).toThrow(/unsupported XSD construct/);
  });
});
