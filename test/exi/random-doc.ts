// Random valid documents from the schema model (META) that the generator emits next
// to each codec: same occurrences, choices, facets and value ranges as the XSD.
import type { MetaGrammar, MetaValue, MParticle, SimpleRep } from '../../src/codecs/exi/runtime/meta.js';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)] as T;
  }
}

const CHARS = ['a', 'Z', '0', ' ', '-', '_', ':', '/', 'é', 'ß', '€', '中', '😀', '\n'];

function bigBetween(rng: Rng, lo: bigint, hi: bigint): bigint {
  const span = hi - lo;
  if (span <= 0n) return lo;
  let r = 0n;
  for (let i = 0; i < 4; i++) r = (r << 32n) | BigInt(rng.int(0, 0xffffffff));
  return lo + (r % (span + 1n));
}

export function randomSimple(rng: Rng, rep: SimpleRep): unknown {
  switch (rep.k) {
    case 'bool':
      return rng.bool();
    case 'enum':
      return rng.pick(rep.values);
    case 'nbit':
      return rng.bool(0.3) ? rng.pick([rep.min, rep.max]) : rng.int(rep.min, rep.max);
    case 'int': {
      if (rep.big) {
        const lo = rep.min ?? -(2n ** 80n);
        const hi = rep.max ?? 2n ** 80n;
        if (rng.bool(0.2)) return rng.pick([lo, hi]);
        if (rng.bool(0.5)) return bigBetween(rng, lo > -1000n ? lo : -1000n, hi < 1000n ? hi : 1000n);
        return bigBetween(rng, lo, hi);
      }
      const lo = Number(rep.min);
      const hi = Number(rep.max);
      if (rng.bool(0.2)) return rng.pick([lo, hi]);
      if (rng.bool(0.5)) return rng.int(Math.max(lo, -300), Math.min(hi, 300));
      return Math.floor(lo + rng.next() * (hi - lo + 1));
    }
    case 'string': {
      const len = rng.int(rep.minLen, Math.min(rep.maxLen, rep.minLen + 12));
      let s = '';
      for (let i = 0; i < len; i++) s += rng.pick(CHARS);
      return s;
    }
    case 'binary': {
      const len = rng.int(rep.minLen, Math.min(rep.maxLen, rep.minLen + 24));
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = rng.int(0, 255);
      return b;
    }
  }
}

export class DocGenerator {
  private readonly generatable = new Map<string, boolean>();
  constructor(
    readonly meta: MetaGrammar,
    readonly rng: Rng,
  ) {}

  /** A type whose required content needs a wildcard (xmldsig) cannot be generated. */
  canGenerate(t: MetaValue): boolean {
    if (typeof t !== 'string') return true;
    const c = this.generatable.get(t);
    if (c !== undefined) return c;
    this.generatable.set(t, true); // no recursion in the V2G schemas; guard anyway
    const mt = this.meta.types[t];
    const ok = !!mt && (mt.model === undefined || this.particleOk(t, mt.model));
    this.generatable.set(t, ok);
    return ok;
  }

  private particleOk(t: string, p: MParticle): boolean {
    if (p.min === 0) return true;
    switch (p.k) {
      case 'any':
        return false;
      case 'el': {
        const leaf = this.meta.types[t]?.leaves[p.leaf];
        return !!leaf?.type && this.canGenerate(leaf.type);
      }
      case 'seq':
        return p.items.every((i) => this.particleOk(t, i));
      case 'choice':
        return p.items.some((i) => this.particleOk(t, i));
    }
  }

  value(t: MetaValue): unknown {
    if (typeof t !== 'string') return randomSimple(this.rng, t);
    const mt = this.meta.types[t];
    if (!mt) throw new Error(`no type ${t}`);
    const o: Record<string, unknown> = {};
    for (const a of mt.attrs) if (a.required || this.rng.bool()) o[a.name] = randomSimple(this.rng, a.type);
    if (mt.simpleContent) o.$value = randomSimple(this.rng, mt.simpleContent);
    if (mt.model) this.particle(t, mt.model, o);
    return o;
  }

  private particle(t: string, p: MParticle, o: Record<string, unknown>): void {
    const mt = this.meta.types[t];
    if (!mt) return;
    switch (p.k) {
      case 'any':
        return;
      case 'el': {
        const leaf = mt.leaves[p.leaf];
        if (!leaf?.type || !this.canGenerate(leaf.type)) return;
        const lt = leaf.type;
        let n: number;
        if (p.max === 1) n = p.min === 1 || this.rng.bool(0.6) ? 1 : 0;
        else if (p.max <= 32 && this.rng.bool(0.15)) n = p.max; // exercise the "max reached" state
        else n = this.rng.int(p.min, Math.min(p.max, p.min + 3));
        if (leaf.array) {
          if (n > 0) o[leaf.name] = Array.from({ length: n }, () => this.value(lt));
        } else if (n > 0) o[leaf.name] = this.value(lt);
        return;
      }
      case 'seq': {
        if (p.min === 0 && this.rng.bool(0.4)) return;
        for (const i of p.items) this.particle(t, i, o);
        return;
      }
      case 'choice': {
        if (p.min === 0 && this.rng.bool(0.3)) return;
        const options = p.items.filter((i) => this.particleOk(t, i) && (i.k !== 'any'));
        if (options.length === 0) return;
        this.particle(t, this.rng.pick(options), o);
        return;
      }
    }
  }

  document(root: string): Record<string, unknown> {
    const t = this.meta.roots[root];
    if (t === undefined) throw new Error(`no root ${root}`);
    return { [root]: this.value(t) };
  }
}
