// The emitter (src/codecs/exi/gen/emit*.ts) on a tiny grammar: the emitted module type-checks,
// compiles and runs, encodes a tiny document to the bits EXI prescribes and decodes it back.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardOnly } from '../../../src/codecs/exi/gen/emit-decoder.js';
import { emitGrammar } from '../../../src/codecs/exi/gen/emit.js';
import { BitReader, BitWriter, ExiFault } from '../../../src/codecs/exi/runtime/bits.js';
import type { MetaGrammar } from '../../../src/codecs/exi/runtime/meta.js';
import { tinyGrammar, typeNamed } from './tiny.js';

const run = promisify(execFile);

const SCHEMA = `
<xs:simpleType name="colour"><xs:restriction base="xs:string"><xs:enumeration value="red"/><xs:enumeration value="green"/><xs:enumeration value="blue"/></xs:restriction></xs:simpleType>
<xs:complexType name="InnerType"><xs:sequence>
  <xs:element name="id"><xs:simpleType><xs:restriction base="xs:hexBinary"><xs:maxLength value="4"/></xs:restriction></xs:simpleType></xs:element>
  <xs:element name="label" type="xs:string" minOccurs="0"/>
</xs:sequence><xs:attribute name="Ref" type="xs:string"/></xs:complexType>
<xs:complexType name="MType"><xs:sequence>
  <xs:element name="a" type="xs:unsignedByte"/>
  <xs:element name="b" type="xs:boolean" minOccurs="0"/>
  <xs:element name="c" type="colour" minOccurs="0" maxOccurs="3"/>
  <xs:element name="inner" type="InnerType" minOccurs="0"/>
  <xs:element name="big" type="xs:long" minOccurs="0"/>
</xs:sequence></xs:complexType>
<xs:element name="M" type="MType"/>
<xs:element name="Flag" type="xs:boolean"/>`;

interface Generated {
  encodeDocument(w: BitWriter, doc: Record<string, unknown>): void;
  decodeDocument(r: BitReader): Record<string, unknown>;
  ROOT_CODES: Record<string, number>;
  META: MetaGrammar;
}

// Inside the project (its tmp/ folder is ignored by git): vitest transforms it like any source.
const dir = resolve('tmp', `exi-gen-emit-${process.pid}`);
const file = join(dir, 'tiny.ts');
let source = '';
let gen: Generated;

function encode(doc: Record<string, unknown>): Uint8Array {
  const w = new BitWriter();
  gen.encodeDocument(w, doc);
  return w.finish();
}

function decode(bytes: Uint8Array): Record<string, unknown> {
  return gen.decodeDocument(new BitReader(bytes));
}

/** Bytes of a bit string (spaces separate the events for the reader), zero-padded. */
function bytesOf(bits: string): Uint8Array {
  const b = bits.replace(/ /g, '');
  const out = new Uint8Array(Math.ceil(b.length / 8));
  for (let i = 0; i < b.length; i++) if (b[i] === '1') out[i >> 3] = (out[i >> 3] as number) | (0x80 >> (i & 7));
  return out;
}

function faultOf(f: () => unknown): ExiFault {
  try {
    f();
  } catch (e) {
    if (e instanceof ExiFault) return e;
    throw e;
  }
  throw new Error('no ExiFault thrown');
}

beforeAll(async () => {
  source = emitGrammar(tinyGrammar(SCHEMA), { id: 'tiny', banner: '// tiny test grammar' });
  const runtime = resolve('src', 'codecs', 'exi', 'runtime');
  // The emitted module imports its runtime relative to src/codecs/exi/generated/; point it at the real one.
  const text = source.replace("'../runtime/bits.js'", JSON.stringify(join(runtime, 'bits.js'))).replace("'../runtime/meta.js'", JSON.stringify(join(runtime, 'meta.js')));
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, text);
  gen = (await import(pathToFileURL(file).href)) as Generated;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('EXI generator: emitted code of a tiny grammar', () => {
  it('declares the types and tables of the grammar', () => {
    expect(source).toContain("export type colour = \"red\" | \"green\" | \"blue\";");
    const iface = (name: string) => {
      const at = source.indexOf(`export interface ${name} {`);
      return at < 0 ? [] : source.slice(at, source.indexOf('\n}', at)).split('\n').slice(1);
    };
    // Optional when minOccurs 0, arrays for maxOccurs > 1, the facets as comments.
    expect(iface('MType')).toEqual([
      '  /** 0..255 */',
      '  a: number;',
      '  b?: boolean;',
      '  /** 0..3 items */',
      '  c?: colour[];',
      '  inner?: InnerType;',
      '  /** -9223372036854775808..9223372036854775807 */',
      '  big?: bigint;',
    ]);
    expect(iface('InnerType')).toEqual(['  /** attribute */', '  Ref?: string;', '  /** 0..4 bytes */', '  id: Uint8Array;', '  label?: string;']);
    expect(gen.ROOT_CODES).toEqual({ Flag: 0, M: 1 });
    expect(gen.META.types.MType?.leaves.map((l) => l.name)).toEqual(['a', 'b', 'c', 'inner', 'big']);
  });

  it('type-checks under the project compiler options', async () => {
    // tsc in a child process: a type check takes seconds and must not block the test worker.
    const tsc = resolve('node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--noUncheckedIndexedAccess', '--noFallthroughCasesInSwitch', '--skipLibCheck'];
    const args = [tsc, ...flags, '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--types', 'node', file];
    const result = await run(process.execPath, args, { encoding: 'utf8' }).then(
      () => 'no errors',
      (e: { stdout?: string; message: string }) => e.stdout || e.message,
    );
    expect(result).toBe('no errors');
  }, 120_000);

  it('encodes a tiny document to the event codes and values of its grammar', () => {
    // SE(M) 1 of 2 roots+SE(*) (2 bits) | SE(a) 0/1 bit | CH 0 | 5 as 8-bit n-bit | EE 0 |
    // after a: b, c, inner, big, EE → 3 bits, EE = 4.
    expect([...encode({ M: { a: 5 } })]).toEqual([...bytesOf('01 0 0 00000101 0 100')]);
    // ... | SE(b) 0 of 3 bits | CH 0 | true | EE 0 | after b: c, inner, big, EE → 3 bits, EE = 3.
    expect([...encode({ M: { a: 255, b: true } })]).toEqual([...bytesOf('01 0 0 11111111 0 000 0 1 0 011')]);
    // A simple-typed root: SE(Flag) 0 | CH 0 | false | EE 0.
    expect([...encode({ Flag: false })]).toEqual([...bytesOf('00 0 0 0')]);
  });

  it('decodes what it encodes (round trip of every field kind)', () => {
    const docs: Record<string, unknown>[] = [
      { M: { a: 0 } },
      { M: { a: 7, b: false, c: ['blue', 'red', 'green'] } },
      { M: { a: 200, c: ['green'], inner: { Ref: 'r1', id: new Uint8Array([1, 2, 0xfe]), label: 'hello, EXI' }, big: -(2n ** 40n) } },
      { M: { a: 1, inner: { id: new Uint8Array(0) }, big: 2n ** 62n } },
      // Non-ASCII after an ASCII start: the writer's one-pass ASCII path undoes its bytes and
      // writes the string the general way (a supplementary character is one code point).
      { M: { a: 3, inner: { Ref: 'ab\u00e9', id: new Uint8Array([9]), label: 'x\u2713 \u{1F600} z' } } },
      { Flag: true },
    ];
    for (const doc of docs) expect(decode(encode(doc)), JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toEqual(doc);
  });

  it('rejects documents the grammar does not allow with typed faults', () => {
    expect(faultOf(() => encode({ M: {} })).code).toBe('MISSING_FIELD');
    expect(faultOf(() => encode({ M: { a: 256 } })).code).toBe('VALUE_OUT_OF_RANGE');
    expect(faultOf(() => encode({ M: { a: 1, c: ['red', 'red', 'red', 'red'] } })).code).toBe('NOT_ALLOWED_HERE');
    expect(faultOf(() => encode({ M: { a: 1, inner: { id: new Uint8Array(5) } } })).code).toBe('LENGTH_OUT_OF_RANGE');
    expect(faultOf(() => encode({ Other: {} })).code).toBe('UNKNOWN_ROOT');
    // Root code 3 of 2 bits: undefined in DocContent (2 roots + SE(*)).
    expect(faultOf(() => decode(bytesOf('11 000000'))).code).toBe('BAD_EVENT_CODE');
  });

  it('reports a bad code inside a fused SE-CH-value-EE read where the step-by-step read would', () => {
    // State 0 of MType has one event (a): its code, CH, value and EE are one seNbit() call.
    expect(source).toContain('o.a = r.seNbit(8, 0, 255, "MType", 0, "MType.a");');
    // SE(M) | code 1 of 1 bit = the escape to second-level events, at bit 2.
    const se = faultOf(() => decode(bytesOf('01 1 0 00000101 0 100')));
    expect([se.code, se.bitPosition, se.context.state]).toEqual(['SECOND_LEVEL_EVENT', 2, 0]);
    // SE(a) 0 | CH escape 1, at bit 3.
    const ch = faultOf(() => decode(bytesOf('01 0 1 00000101 0 100')));
    expect([ch.code, ch.bitPosition]).toEqual(['SECOND_LEVEL_EVENT', 3]);
    // ... | EE escape 1 after the value, at bit 12.
    const ee = faultOf(() => decode(bytesOf('01 0 0 00000101 1 100')));
    expect([ee.code, ee.bitPosition]).toEqual(['SECOND_LEVEL_EVENT', 12]);
    // The input ends inside the value.
    expect(faultOf(() => decode(bytesOf('01 0 0 0000'))).code).toBe('TRUNCATED');
  });
});

describe('EXI generator: forward-only decoders', () => {
  const g = tinyGrammar(`
<xs:complexType name="SeqType"><xs:sequence>
  <xs:element name="x" type="xs:boolean"/><xs:element name="y" type="xs:int" minOccurs="0"/><xs:element name="z" type="xs:boolean"/>
</xs:sequence></xs:complexType>
<xs:complexType name="ListType"><xs:sequence><xs:element name="x" type="xs:boolean" maxOccurs="unbounded"/></xs:sequence></xs:complexType>
<xs:element name="S" type="SeqType"/><xs:element name="L" type="ListType"/>`);
  const text = emitGrammar(g, { id: 'fwd', banner: '// forward-only test grammar' });
  const body = (name: string): string => text.slice(text.indexOf(`function d_${name}(`), text.indexOf('\n}', text.indexOf(`function d_${name}(`)));

  it('a sequence with an optional element is one pass over its states, an unbounded repetition keeps the loop', () => {
    expect(forwardOnly(typeNamed(g, 'SeqType'))).toBe(true);
    expect(body('SeqType')).not.toContain('for (;;)');
    expect(body('SeqType')).toContain('if (s === 1) {');
    expect(forwardOnly(typeNamed(g, 'ListType'))).toBe(false);
    expect(body('ListType')).toContain('for (;;)');
  });
});
