// Simple types → EXI value representations (src/codecs/exi/gen/simple.ts), on tiny schemas.
import { describe, expect, it } from 'vitest';
import { simpleRep } from '../../../src/codecs/exi/gen/simple.js';
import type { SimpleRep } from '../../../src/codecs/exi/gen/model.js';
import { tinyGrammar, typeNamed } from './tiny.js';

/** The representation of each leaf of complex type `H` whose elements use the given types. */
function repsOf(simpleTypes: string, fields: Record<string, string>): Record<string, SimpleRep> {
  const els = Object.entries(fields)
    .map(([name, type]) => `<xs:element name="${name}" type="${type}"/>`)
    .join('');
  const g = tinyGrammar(`${simpleTypes}<xs:complexType name="H"><xs:sequence>${els}</xs:sequence></xs:complexType><xs:element name="Root" type="H"/>`);
  const out: Record<string, SimpleRep> = {};
  for (const l of typeNamed(g, 'H').leaves) {
    if (l.value?.kind !== 'simple') throw new Error(`${l.name} is not simple`);
    out[l.name] = l.value.type.rep;
  }
  return out;
}

describe('EXI generator: simple types', () => {
  it('an enumeration is an n-bit index over its values in declaration order', () => {
    const r = repsOf(
      `<xs:simpleType name="colour"><xs:restriction base="xs:string"><xs:enumeration value="red"/><xs:enumeration value="green"/><xs:enumeration value="blue"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="one"><xs:restriction base="xs:string"><xs:enumeration value="only"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="five"><xs:restriction base="xs:token"><xs:enumeration value="a"/><xs:enumeration value="b"/><xs:enumeration value="c"/><xs:enumeration value="d"/><xs:enumeration value="e"/></xs:restriction></xs:simpleType>`,
      { c: 'colour', o: 'one', f: 'five' },
    );
    expect(r.c).toEqual({ k: 'enum', values: ['red', 'green', 'blue'], bits: 2 });
    expect(r.o).toEqual({ k: 'enum', values: ['only'], bits: 0 });
    expect(r.f).toEqual({ k: 'enum', values: ['a', 'b', 'c', 'd', 'e'], bits: 3 });
  });

  it('a bounded integer range of at most 4096 values is an n-bit offset from its minimum', () => {
    const r = repsOf(
      `<xs:simpleType name="mult"><xs:restriction base="xs:byte"><xs:minInclusive value="-3"/><xs:maxInclusive value="3"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="r4096"><xs:restriction base="xs:int"><xs:minInclusive value="1"/><xs:maxInclusive value="4096"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="r4097"><xs:restriction base="xs:int"><xs:minInclusive value="0"/><xs:maxInclusive value="4096"/></xs:restriction></xs:simpleType>`,
      { m: 'mult', u8: 'xs:unsignedByte', b: 'xs:byte', a: 'r4096', z: 'r4097' },
    );
    expect(r.m).toEqual({ k: 'nbit', min: -3, max: 3, bits: 3 });
    expect(r.u8).toEqual({ k: 'nbit', min: 0, max: 255, bits: 8 });
    expect(r.b).toEqual({ k: 'nbit', min: -128, max: 127, bits: 8 });
    expect(r.a).toEqual({ k: 'nbit', min: 1, max: 4096, bits: 12 });
    // 4097 values: no longer n-bit (EXI 7.1.9), a signed integer within its bounds.
    expect(r.z).toEqual({ k: 'int', unsigned: true, big: false, min: 0n, max: 4096n });
  });

  it('other integers are (unsigned) integers; unbounded or beyond 2^53 ones are bigints', () => {
    const r = repsOf('', { i: 'xs:integer', n: 'xs:nonNegativeInteger', s: 'xs:short', us: 'xs:unsignedShort', l: 'xs:long', ul: 'xs:unsignedLong', ui: 'xs:unsignedInt' });
    expect(r.i).toEqual({ k: 'int', unsigned: false, big: true, min: undefined, max: undefined });
    expect(r.n).toEqual({ k: 'int', unsigned: true, big: true, min: 0n, max: undefined });
    expect(r.s).toEqual({ k: 'int', unsigned: false, big: false, min: -32768n, max: 32767n });
    expect(r.us).toEqual({ k: 'int', unsigned: true, big: false, min: 0n, max: 65535n });
    expect(r.l).toEqual({ k: 'int', unsigned: false, big: true, min: -(2n ** 63n), max: 2n ** 63n - 1n });
    expect(r.ul).toEqual({ k: 'int', unsigned: true, big: true, min: 0n, max: 2n ** 64n - 1n });
    expect(r.ui).toEqual({ k: 'int', unsigned: true, big: false, min: 0n, max: 2n ** 32n - 1n });
  });

  it('strings and binaries carry their length facets; length fixes both bounds', () => {
    const r = repsOf(
      `<xs:simpleType name="evccId"><xs:restriction base="xs:hexBinary"><xs:maxLength value="8"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="mac"><xs:restriction base="xs:hexBinary"><xs:length value="6"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="name"><xs:restriction base="xs:string"><xs:minLength value="1"/><xs:maxLength value="32"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="cert"><xs:restriction base="xs:base64Binary"><xs:maxLength value="800"/></xs:restriction></xs:simpleType>`,
      { e: 'evccId', m: 'mac', n: 'name', c: 'cert', s: 'xs:string', h: 'xs:hexBinary', b: 'xs:boolean' },
    );
    expect(r.e).toEqual({ k: 'binary', minLen: 0, maxLen: 8 });
    expect(r.m).toEqual({ k: 'binary', minLen: 6, maxLen: 6 });
    expect(r.n).toEqual({ k: 'string', minLen: 1, maxLen: 32 });
    expect(r.c).toEqual({ k: 'binary', minLen: 0, maxLen: 800 });
    expect(r.s).toEqual({ k: 'string', minLen: 0, maxLen: Number.MAX_SAFE_INTEGER });
    expect(r.h).toEqual({ k: 'binary', minLen: 0, maxLen: Number.MAX_SAFE_INTEGER });
    expect(r.b).toEqual({ k: 'bool' });
  });

  it('facets are collected along the restriction chain, the most derived one winning', () => {
    const r = repsOf(
      `<xs:simpleType name="base"><xs:restriction base="xs:short"><xs:minInclusive value="-100"/><xs:maxInclusive value="5000"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="derived"><xs:restriction base="base"><xs:maxInclusive value="100"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="inl"><xs:restriction><xs:simpleType><xs:restriction base="xs:string"><xs:maxLength value="4"/></xs:restriction></xs:simpleType><xs:minLength value="2"/></xs:restriction></xs:simpleType>`,
      { b: 'base', d: 'derived', i: 'inl' },
    );
    expect(r.b).toEqual({ k: 'int', unsigned: false, big: false, min: -100n, max: 5000n });
    // minInclusive from the base, maxInclusive from the derived type: 201 values → n-bit.
    expect(r.d).toEqual({ k: 'nbit', min: -100, max: 100, bits: 8 });
    expect(r.i).toEqual({ k: 'string', minLen: 2, maxLen: 4 });
  });

  it('named enumerations get a TS name, other simple types none; one definition is one object', () => {
    const g = tinyGrammar(
      `<xs:simpleType name="mode"><xs:restriction base="xs:string"><xs:enumeration value="on"/><xs:enumeration value="off"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="pct"><xs:restriction base="xs:byte"><xs:minInclusive value="0"/><xs:maxInclusive value="100"/></xs:restriction></xs:simpleType>
       <xs:complexType name="H"><xs:sequence><xs:element name="a" type="mode"/><xs:element name="b" type="mode"/><xs:element name="p" type="pct"/></xs:sequence></xs:complexType>
       <xs:element name="Root" type="H"/>`,
    );
    const [a, b, p] = typeNamed(g, 'H').leaves.map((l) => (l.value?.kind === 'simple' ? l.value.type : undefined));
    expect(a?.tsName).toBe('mode');
    expect(b).toBe(a);
    expect(p?.tsName).toBeUndefined();
    expect(p?.id).toBe('pct');
    expect(g.simpleTypes).toEqual([a, p]);
  });

  it('rejects what it cannot represent instead of guessing', () => {
    expect(() => simpleRep('int', { enumeration: ['1', '2'] })).toThrow(/enumeration over xs:int not supported/);
    expect(() => simpleRep('decimal', { enumeration: [] })).toThrow(/xs:decimal not supported/);
    expect(() => repsOf('', { d: 'xs:dateTime' })).toThrow(/xs:dateTime not supported/);
    expect(() => repsOf('', { d: 'missingType' })).toThrow(/unknown simple type/);
  });
});
