// Particles → grammar states and event codes (src/codecs/exi/gen/particles.ts, states.ts,
// complex.ts, model.ts), on tiny schemas. Event codes are the order of a state's events
// (EXI 1.0 §8.5.4.4.2: AT, SE in schema order, SE(*), EE, CH); a state's width is
// ceil(log2(events + 1)) as strict = false keeps one code point for second-level events.
import { describe, expect, it } from 'vitest';
import type { Leaf } from '../../../src/codecs/exi/gen/model.js';
import { uniqueTsName } from '../../../src/codecs/exi/gen/grammar.js';
import { sharePositions } from '../../../src/codecs/exi/gen/particles.js';
import { afterLeaf, eventNames, tinyGrammar, typeNamed } from './tiny.js';

const el = (name: string, extra = '') => `<xs:element name="${name}" type="xs:boolean"${extra}/>`;
/** A grammar of one complex type T (content `content`, extra components `more`) and root R. */
const typeT = (content: string, more = '') => typeNamed(tinyGrammar(`<xs:complexType name="T">${content}</xs:complexType><xs:element name="R" type="T"/>${more}`), 'T');

describe('EXI generator: particles to grammar states', () => {
  it('a sequence: each state offers the next elements up to the first mandatory one, then EE', () => {
    const t = typeT(`<xs:sequence>${el('a')}${el('b', ' minOccurs="0"')}${el('c')}</xs:sequence>`);
    expect(eventNames(t, 0)).toEqual(['a']);
    expect(t.states[0]?.bits).toBe(1);
    expect(eventNames(t, afterLeaf(t, 'a'))).toEqual(['b', 'c']);
    expect(t.states[afterLeaf(t, 'a')]?.bits).toBe(2);
    expect(eventNames(t, afterLeaf(t, 'b'))).toEqual(['c']);
    expect(eventNames(t, afterLeaf(t, 'c'))).toEqual(['EE']);
    expect(t.leaves.map((l) => [l.name, l.optional, l.array])).toEqual([
      ['a', false, false],
      ['b', true, false],
      ['c', false, false],
    ]);
    // States are numbered breadth-first from the start, unreachable ones dropped.
    expect(t.states.length).toBe(4);
    expect(t.model).toEqual({ k: 'seq', min: 1, max: 1, items: [0, 1, 2].map((i) => ({ k: 'el', leaf: i, min: i === 1 ? 0 : 1, max: 1 })) });
  });

  it('a choice: every branch in the start state, and after any branch the rest of the content', () => {
    const t = typeT(`<xs:sequence><xs:choice>${el('x')}${el('y')}${el('z')}</xs:choice>${el('tail', ' minOccurs="0"')}</xs:sequence>`);
    expect(eventNames(t, 0)).toEqual(['x', 'y', 'z']);
    expect(t.states[0]?.bits).toBe(2);
    for (const b of ['x', 'y', 'z']) expect(eventNames(t, afterLeaf(t, b))).toEqual(['tail', 'EE']);
    expect(t.leaves.filter((l) => l.name !== 'tail').every((l) => l.optional)).toBe(true);
  });

  it('optional content: an optional first element and an all-optional type can end at once', () => {
    const t = typeT(`<xs:sequence>${el('a', ' minOccurs="0"')}${el('b')}</xs:sequence>`);
    expect(eventNames(t, 0)).toEqual(['a', 'b']);
    const all = typeT(`<xs:sequence>${el('a', ' minOccurs="0"')}${el('b', ' minOccurs="0"')}</xs:sequence>`);
    expect(eventNames(all, 0)).toEqual(['a', 'b', 'EE']);
    expect(all.states[0]?.bits).toBe(2);
    const empty = typeT('');
    expect(empty.states.map((s) => s.events)).toEqual([[{ kind: 'EE' }]]);
    expect(empty.states[0]?.bits).toBe(1);
  });

  it('maxOccurs unbounded: one loop state that offers the element again or what follows', () => {
    const t = typeT(`<xs:sequence>${el('item', ' maxOccurs="unbounded"')}${el('end')}</xs:sequence>`);
    const item = t.leaves[0];
    expect(item?.array).toBe(true);
    const ls = t.leafStates[0];
    expect(ls?.done).toBe(-1);
    expect(eventNames(t, ls?.loop ?? -1)).toEqual(['item', 'end']);
    expect(eventNames(t, 0)).toEqual(['item']);
  });

  it('bounded repetition: states for below minOccurs, between min and max, and max reached', () => {
    const t = typeT(`<xs:sequence>${el('v', ' minOccurs="2" maxOccurs="4"')}${el('w', ' minOccurs="0"')}</xs:sequence>`);
    const ls = t.leafStates[0] as { under: number; loop: number; done: number };
    expect([ls.under, ls.loop, ls.done].every((s) => s > 0)).toBe(true);
    expect(new Set([ls.under, ls.loop, ls.done]).size).toBe(3);
    expect(eventNames(t, ls.under)).toEqual(['v']);
    expect(eventNames(t, ls.loop)).toEqual(['v', 'w', 'EE']);
    expect(eventNames(t, ls.done)).toEqual(['w', 'EE']);
    expect(t.leaves[0]).toMatchObject({ name: 'v', min: 2, max: 4, array: true });
  });

  it('a repeated group makes its elements arrays and loops from its last elements to its first', () => {
    const t = typeT(`<xs:sequence maxOccurs="unbounded">${el('k')}${el('v')}</xs:sequence>`);
    expect(t.leaves.map((l) => l.array)).toEqual([true, true]);
    expect(eventNames(t, afterLeaf(t, 'v'))).toEqual(['k', 'EE']);
    expect(() => typeT(`<xs:sequence maxOccurs="3">${el('k')}</xs:sequence>`)).toThrow(/bounded repetition of a sequence group/);
    expect(() => typeT(`<xs:sequence><xs:choice minOccurs="2" maxOccurs="unbounded">${el('k')}</xs:choice></xs:sequence>`)).toThrow(/minOccurs > 1 on a choice group/);
  });

  it('a substitution group: the head and every member, sorted by local name, in one state', () => {
    const t = typeT(
      `<xs:sequence><xs:element ref="Body"/></xs:sequence>`,
      `<xs:element name="Body" type="xs:boolean" abstract="true"/>
       <xs:element name="Stop" type="xs:boolean" substitutionGroup="Body"/>
       <xs:element name="Alpha" type="xs:boolean" substitutionGroup="Body"/>
       <xs:element name="Deep" type="xs:boolean" substitutionGroup="Stop"/>`,
    );
    expect(eventNames(t, 0)).toEqual(['Alpha', 'Body', 'Deep', 'Stop']);
    expect(t.states[0]?.bits).toBe(3);
    for (const n of ['Alpha', 'Body', 'Deep', 'Stop']) expect(eventNames(t, afterLeaf(t, n))).toEqual(['EE']);
    expect(t.leaves.every((l) => l.optional && !l.array)).toBe(true);
  });

  it('attributes: sorted by name, optional ones skippable up to the next required one, before the content', () => {
    const t = typeT(`<xs:sequence>${el('e')}</xs:sequence><xs:attribute name="r" type="xs:boolean" use="required"/><xs:attribute name="o" type="xs:boolean"/><xs:attribute name="a" type="xs:boolean"/>`);
    expect(t.attrs.map((a) => [a.name, a.required])).toEqual([
      ['a', false],
      ['o', false],
      ['r', true],
    ]);
    expect(eventNames(t, 0)).toEqual(['@a', '@o', '@r']);
    const ev = (s: number, i: number) => t.states[s]?.events[i] as { next: number };
    const afterA = ev(0, 0).next;
    expect(eventNames(t, afterA)).toEqual(['@o', '@r']);
    const afterR = ev(0, 2).next;
    expect(eventNames(t, afterR)).toEqual(['e']);
    expect(ev(afterA, 0).next).toBe(t.states.findIndex((_s, i) => i !== 0 && i !== afterA && eventNames(t, i).join() === '@r'));
  });

  it('simple content: CH then EE; extension appends to the base content and keeps its attributes', () => {
    const g = tinyGrammar(
      `<xs:complexType name="Val"><xs:simpleContent><xs:extension base="xs:short"><xs:attribute name="unit" type="xs:string"/></xs:extension></xs:simpleContent></xs:complexType>
       <xs:complexType name="Base"><xs:sequence>${el('b1')}</xs:sequence><xs:attribute name="id" type="xs:string"/></xs:complexType>
       <xs:complexType name="Ext"><xs:complexContent><xs:extension base="Base"><xs:sequence>${el('e1')}</xs:sequence></xs:extension></xs:complexContent></xs:complexType>
       <xs:element name="V" type="Val"/><xs:element name="X" type="Ext"/>`,
    );
    const v = typeNamed(g, 'Val');
    expect(v.simpleContent?.rep).toMatchObject({ k: 'int', min: -32768n });
    expect(eventNames(v, 0)).toEqual(['@unit', 'CH']);
    expect(eventNames(v, (v.states[0]?.events[1] as { next: number }).next)).toEqual(['EE']);
    const x = typeNamed(g, 'Ext');
    expect(x.attrs.map((a) => a.name)).toEqual(['id']);
    expect(x.leaves.map((l) => l.name)).toEqual(['b1', 'e1']);
    expect(eventNames(x, afterLeaf(x, 'b1'))).toEqual(['e1']);
  });

  it('a wildcard: SE(*) after the named elements, looping to the state it was taken in', () => {
    const t = typeT(`<xs:sequence>${el('a', ' minOccurs="0"')}<xs:any namespace="##other" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>`);
    expect(eventNames(t, 0)).toEqual(['a', 'SE*', 'EE']);
    const star = (s: number) => t.states[s]?.events.find((e) => e.kind === 'SE*') as { next: number } | undefined;
    expect(star(0)?.next).toBe(0);
    const afterA = afterLeaf(t, 'a');
    expect(eventNames(t, afterA)).toEqual(['SE*', 'EE']);
    expect(star(afterA)?.next).toBe(afterA);
    expect(t.leaves[1]).toMatchObject({ kind: 'any', array: true, optional: true });
  });

  it('rejects ambiguous or unsupported content models', () => {
    expect(() => typeT(`<xs:choice>${el('a')}${el('a', ' minOccurs="0"')}</xs:choice>`)).toThrow(/ambiguous content model/);
    expect(() => typeT(`<xs:sequence>${el('a')}<xs:element name="a" type="xs:string"/></xs:sequence>`)).not.toThrow();
    const leaf = (index: number, key: string): Leaf => ({ index, kind: 'element', name: 'a', key, value: undefined, min: 1, max: 1, array: false, optional: false });
    expect(() => sharePositions('T', [leaf(0, '{urn:x}a'), leaf(1, '{urn:y}a')])).toThrow(/T: two different elements named a/);
    expect(() => typeT(`<xs:sequence><xs:element ref="H" maxOccurs="2"/></xs:sequence>`, `<xs:element name="H" type="xs:boolean"/><xs:element name="M" type="xs:boolean" substitutionGroup="H"/>`)).toThrow(/repeated substitution group/);
  });

  it('the same element in two branches is one property with two positions', () => {
    const t = typeT(`<xs:choice><xs:sequence>${el('k')}${el('s', ' minOccurs="0"')}</xs:sequence>${el('s')}</xs:choice>`);
    expect(t.leaves.map((l) => [l.name, l.sharedWith, l.sharedLater])).toEqual([
      ['k', undefined, undefined],
      ['s', undefined, true],
      ['s', 1, undefined],
    ]);
  });
});

describe('EXI generator: names and the document grammar', () => {
  it('TS names are unique within a grammar: a clash gets _2, _3 in first-use order', () => {
    const g = tinyGrammar(
      `<xs:complexType name="Foo"><xs:sequence><xs:element name="Foo"><xs:complexType><xs:sequence>${el('a')}</xs:sequence></xs:complexType></xs:element></xs:sequence></xs:complexType>
       <xs:element name="Foo"><xs:complexType><xs:sequence>${el('b')}</xs:sequence></xs:complexType></xs:element>
       <xs:element name="Top" type="Foo"/>
       <xs:simpleType name="Mode"><xs:restriction base="xs:string"><xs:enumeration value="x"/></xs:restriction></xs:simpleType>
       <xs:complexType name="Mode"><xs:attribute name="m" type="Mode"/></xs:complexType>
       <xs:element name="Z" type="Mode"/>`,
    );
    // Roots in qname order: Foo (anonymous type), Top (type Foo and its anonymous Foo), Z.
    expect(g.complexTypes.map((t) => [t.tsName, t.grammarName])).toEqual([
      ['Foo', 'Foo'],
      ['Foo_2', 'Foo'],
      ['Foo_3', 'Foo'],
      ['Mode', 'Mode'],
    ]);
    // An element type="Mode" is the complex type; the attribute's type is the simple one.
    expect(typeNamed(g, 'Mode').attrs[0]?.type.tsName).toBe('Mode_2');
    expect(uniqueTsName(new Set(['X', 'X_2']), 'X')).toBe('X_3');
  });

  it('DocContent: one code per global element sorted by local name, then SE(*)', () => {
    const g = tinyGrammar(`${el('b')}${el('C')}${el('a')}`);
    expect(g.roots.map((r) => r.name)).toEqual(['C', 'a', 'b']);
    expect(g.docBits).toBe(2);
    const one = tinyGrammar(el('only'));
    expect(one.docBits).toBe(1);
  });

  it('a recursive type refers to itself (one grammar, not an endless derivation)', () => {
    const g = tinyGrammar(`<xs:complexType name="Node"><xs:sequence><xs:element name="kid" type="Node" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType><xs:element name="Tree" type="Node"/>`);
    const n = typeNamed(g, 'Node');
    expect(g.complexTypes.length).toBe(1);
    expect(n.leaves[0]?.value).toEqual({ kind: 'complex', type: n });
  });
});
