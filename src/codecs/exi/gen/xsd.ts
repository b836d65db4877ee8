// XSD reader for the EXI generator: XML text → schema components (pure; the files
// arrive as a map path → text). Only the XSD constructs the V2G schemas use are
// accepted; anything else is a generation-time error naming the construct, so a
// schema change can never silently produce a wrong grammar.
import { XMLParser } from 'fast-xml-parser';

export const XS = 'http://www.w3.org/2001/XMLSchema';

/** Qualified name key: `{namespace}local`. */
export type QKey = string;

export function qkey(ns: string, local: string): QKey {
  return `{${ns}}${local}`;
}

export function splitKey(k: QKey): { ns: string; local: string } {
  const i = k.indexOf('}');
  return { ns: k.slice(1, i), local: k.slice(i + 1) };
}

export interface ElementParticle {
  kind: 'element';
  /** Qualified name of the element (for refs: the referenced global element). */
  name: QKey;
  /** Set when the particle is `ref=`: the global element (substitution groups apply). */
  ref: boolean;
  type: QKey | undefined;
  inlineType: ComplexTypeDef | SimpleTypeDef | undefined;
  min: number;
  /** Infinity for unbounded. */
  max: number;
}

export interface GroupParticle {
  kind: 'sequence' | 'choice';
  min: number;
  max: number;
  items: Particle[];
}

export interface WildcardParticle {
  kind: 'any';
  namespace: string;
  min: number;
  max: number;
}

export type Particle = ElementParticle | GroupParticle | WildcardParticle;

export interface AttributeDef {
  name: QKey;
  type: QKey | undefined;
  inlineType: SimpleTypeDef | undefined;
  required: boolean;
}

export interface ComplexTypeDef {
  kind: 'complex';
  name: QKey | undefined;
  abstract: boolean;
  mixed: boolean;
  attributes: AttributeDef[];
  /** Own content particle (for extensions: the added part). */
  content: Particle | undefined;
  derivation: 'none' | 'extension' | 'restriction';
  base: QKey | undefined;
  /** simpleContent: the base is a simple type (or a complex type with simple content). */
  simpleContent: boolean;
  /** Source file, for messages. */
  file: string;
}

export interface Facets {
  enumeration: string[];
  minInclusive?: bigint;
  maxInclusive?: bigint;
  minLength?: number;
  maxLength?: number;
  length?: number;
}

export interface SimpleTypeDef {
  kind: 'simple';
  name: QKey | undefined;
  base: QKey | undefined;
  inlineBase: SimpleTypeDef | undefined;
  facets: Facets;
  file: string;
}

export interface GlobalElement {
  name: QKey;
  type: QKey | undefined;
  inlineType: ComplexTypeDef | SimpleTypeDef | undefined;
  substitutionGroup: QKey | undefined;
  abstract: boolean;
  file: string;
}

export interface SchemaSet {
  elements: Map<QKey, GlobalElement>;
  complexTypes: Map<QKey, ComplexTypeDef>;
  simpleTypes: Map<QKey, SimpleTypeDef>;
  /** Files read, in load order. */
  files: string[];
}

// fast-xml-parser preserveOrder node: { tag: children[], ':@'?: { '@_a': v } }
type XNode = Record<string, unknown>;

function tagOf(n: XNode): string | undefined {
  for (const k of Object.keys(n)) if (k !== ':@') return k;
  return undefined;
}

function localOf(tag: string): string {
  const i = tag.indexOf(':');
  return i < 0 ? tag : tag.slice(i + 1);
}

function childrenOf(n: XNode): XNode[] {
  const t = tagOf(n);
  const c = t === undefined ? undefined : n[t];
  return Array.isArray(c) ? (c as XNode[]) : [];
}

function attrsOf(n: XNode): Record<string, string> {
  const a = n[':@'] as Record<string, string> | undefined;
  const out: Record<string, string> = {};
  if (a) for (const [k, v] of Object.entries(a)) out[k.startsWith('@_') ? k.slice(2) : k] = String(v);
  return out;
}

function xsdChildren(n: XNode): XNode[] {
  return childrenOf(n).filter((c) => {
    const t = tagOf(c);
    return t !== undefined && t !== '#text' && localOf(t) !== 'annotation';
  });
}

function normalizePath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

function occurs(a: Record<string, string>): { min: number; max: number } {
  const min = a.minOccurs === undefined ? 1 : Number(a.minOccurs);
  const max = a.maxOccurs === undefined ? 1 : a.maxOccurs === 'unbounded' ? Infinity : Number(a.maxOccurs);
  return { min, max };
}

class FileReader {
  readonly ns: Record<string, string> = {};
  readonly tns: string;
  readonly qualifiedElements: boolean;

  constructor(
    readonly file: string,
    readonly root: XNode,
    readonly set: SchemaSet,
  ) {
    const a = attrsOf(root);
    for (const [k, v] of Object.entries(a)) {
      if (k === 'xmlns') this.ns[''] = v;
      else if (k.startsWith('xmlns:')) this.ns[k.slice(6)] = v;
    }
    this.tns = a.targetNamespace ?? '';
    this.qualifiedElements = a.elementFormDefault === 'qualified';
  }

  resolve(q: string): QKey {
    const i = q.indexOf(':');
    const prefix = i < 0 ? '' : q.slice(0, i);
    const local = i < 0 ? q : q.slice(i + 1);
    const ns = this.ns[prefix];
    if (ns === undefined) {
      if (prefix === '') return qkey('', local);
      throw new Error(`${this.file}: unknown namespace prefix in ${q}`);
    }
    return qkey(ns, local);
  }

  fail(what: string): never {
    throw new Error(`${this.file}: unsupported XSD construct: ${what}`);
  }

  readTop(): string[] {
    const imports: string[] = [];
    for (const c of xsdChildren(this.root)) {
      const tag = localOf(tagOf(c) as string);
      const a = attrsOf(c);
      switch (tag) {
        case 'import':
        case 'include':
          if (a.schemaLocation) imports.push(normalizePath(`${dirOf(this.file)}/${a.schemaLocation}`));
          break;
        case 'element': {
          const name = qkey(this.tns, a.name as string);
          const el: GlobalElement = {
            name,
            type: a.type ? this.resolve(a.type) : undefined,
            inlineType: this.inlineType(c, name),
            substitutionGroup: a.substitutionGroup ? this.resolve(a.substitutionGroup) : undefined,
            abstract: a.abstract === 'true',
            file: this.file,
          };
          this.set.elements.set(name, el);
          break;
        }
        case 'complexType': {
          const t = this.complexType(c, qkey(this.tns, a.name as string));
          this.set.complexTypes.set(t.name as QKey, t);
          break;
        }
        case 'simpleType': {
          const t = this.simpleType(c, qkey(this.tns, a.name as string));
          this.set.simpleTypes.set(t.name as QKey, t);
          break;
        }
        default:
          this.fail(`top-level ${tag}`);
      }
    }
    return imports;
  }

  inlineType(el: XNode, _owner: QKey): ComplexTypeDef | SimpleTypeDef | undefined {
    for (const c of xsdChildren(el)) {
      const tag = localOf(tagOf(c) as string);
      if (tag === 'complexType') return this.complexType(c, undefined);
      if (tag === 'simpleType') return this.simpleType(c, undefined);
      this.fail(`element child ${tag}`);
    }
    return undefined;
  }

  complexType(n: XNode, name: QKey | undefined): ComplexTypeDef {
    const a = attrsOf(n);
    const t: ComplexTypeDef = {
      kind: 'complex',
      name,
      abstract: a.abstract === 'true',
      mixed: a.mixed === 'true',
      attributes: [],
      content: undefined,
      derivation: 'none',
      base: undefined,
      simpleContent: false,
      file: this.file,
    };
    this.complexBody(n, t);
    return t;
  }

  private complexBody(n: XNode, t: ComplexTypeDef): void {
    for (const c of xsdChildren(n)) {
      const tag = localOf(tagOf(c) as string);
      switch (tag) {
        case 'sequence':
        case 'choice':
          t.content = this.particle(c);
          break;
        case 'attribute':
          t.attributes.push(this.attribute(c));
          break;
        case 'complexContent':
        case 'simpleContent': {
          if (attrsOf(c).mixed === 'true') t.mixed = true;
          t.simpleContent = tag === 'simpleContent';
          const d = xsdChildren(c)[0];
          if (!d) this.fail(`empty ${tag}`);
          const dtag = localOf(tagOf(d) as string);
          if (dtag !== 'extension' && dtag !== 'restriction') this.fail(`${tag}/${dtag}`);
          t.derivation = dtag;
          t.base = this.resolve(attrsOf(d).base as string);
          if (tag === 'simpleContent' && dtag === 'restriction') this.fail('simpleContent restriction');
          this.complexBody(d, t);
          break;
        }
        case 'anyAttribute':
          this.fail('anyAttribute');
          break;
        default:
          this.fail(`complexType child ${tag}`);
      }
    }
  }

  attribute(n: XNode): AttributeDef {
    const a = attrsOf(n);
    if (a.ref) this.fail('attribute ref');
    let inline: SimpleTypeDef | undefined;
    for (const c of xsdChildren(n)) {
      if (localOf(tagOf(c) as string) === 'simpleType') inline = this.simpleType(c, undefined);
    }
    // attributeFormDefault is unqualified in every V2G schema: local attributes have no namespace.
    return { name: qkey('', a.name as string), type: a.type ? this.resolve(a.type) : undefined, inlineType: inline, required: a.use === 'required' };
  }

  particle(n: XNode): Particle {
    const tag = localOf(tagOf(n) as string);
    const a = attrsOf(n);
    const { min, max } = occurs(a);
    switch (tag) {
      case 'sequence':
      case 'choice':
        return { kind: tag, min, max, items: xsdChildren(n).map((c) => this.particle(c)) };
      case 'element':
        if (a.ref) {
          return { kind: 'element', name: this.resolve(a.ref), ref: true, type: undefined, inlineType: undefined, min, max };
        }
        return {
          kind: 'element',
          name: qkey(this.qualifiedElements || a.form === 'qualified' ? this.tns : '', a.name as string),
          ref: false,
          type: a.type ? this.resolve(a.type) : undefined,
          inlineType: this.inlineType(n, ''),
          min,
          max,
        };
      case 'any':
        return { kind: 'any', namespace: a.namespace ?? '##any', min, max };
      default:
        return this.fail(`particle ${tag}`);
    }
  }

  simpleType(n: XNode, name: QKey | undefined): SimpleTypeDef {
    const t: SimpleTypeDef = { kind: 'simple', name, base: undefined, inlineBase: undefined, facets: { enumeration: [] }, file: this.file };
    for (const c of xsdChildren(n)) {
      const tag = localOf(tagOf(c) as string);
      if (tag !== 'restriction') this.fail(`simpleType/${tag}`);
      const ra = attrsOf(c);
      if (ra.base) t.base = this.resolve(ra.base);
      for (const f of xsdChildren(c)) {
        const ftag = localOf(tagOf(f) as string);
        const v = attrsOf(f).value as string;
        switch (ftag) {
          case 'enumeration':
            t.facets.enumeration.push(v);
            break;
          case 'minInclusive':
            t.facets.minInclusive = BigInt(v);
            break;
          case 'maxInclusive':
            t.facets.maxInclusive = BigInt(v);
            break;
          case 'minLength':
            t.facets.minLength = Number(v);
            break;
          case 'maxLength':
            t.facets.maxLength = Number(v);
            break;
          case 'length':
            t.facets.length = Number(v);
            break;
          case 'simpleType':
            t.inlineBase = this.simpleType(f, undefined);
            break;
          default:
            this.fail(`facet ${ftag}`);
        }
      }
    }
    return t;
  }
}

const parser = new XMLParser({
  ignoreAttributes: false,
  preserveOrder: true,
  attributeNamePrefix: '@_',
  processEntities: false,
  parseAttributeValue: false,
  parseTagValue: false,
});

/**
 * Load a schema set: the entry file and everything it imports (transitively).
 * `files` maps a path relative to the schema folder ('din_spec/V2G_CI_MsgDef.xsd') to its text.
 */
export function loadSchemaSet(files: ReadonlyMap<string, string>, entry: string): SchemaSet {
  const set: SchemaSet = { elements: new Map(), complexTypes: new Map(), simpleTypes: new Map(), files: [] };
  const queue = [normalizePath(entry)];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    let text = files.get(file);
    if (text === undefined) {
      // The schema folders share one xmldsig-core-schema.xsd at the top while the
      // schemas import it from their own folder: fall back to a unique base-name match.
      const base = file.slice(file.lastIndexOf('/') + 1);
      const hits = [...files.keys()].filter((k) => k === base || k.endsWith(`/${base}`));
      if (hits.length === 1) text = files.get(hits[0] as string);
    }
    if (text === undefined) throw new Error(`schema file not found: ${file}`);
    // The xmldsig schema carries a DTD internal subset with parameter entities only
    // used by DTD validation; it has no bearing on the schema components.
    const doc = parser.parse(text.replace(/<!DOCTYPE[\s\S]*?\]>/, '')) as XNode[];
    const root = doc.find((n) => {
      const t = tagOf(n);
      return t !== undefined && localOf(t) === 'schema';
    });
    if (!root) throw new Error(`${file}: no schema element`);
    set.files.push(file);
    const r = new FileReader(file, root, set);
    queue.push(...r.readTop());
  }
  return set;
}
