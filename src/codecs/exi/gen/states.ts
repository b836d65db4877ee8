// Positions → the EXI grammar states of one complex type (EXI 1.0 §8.5.4), strict = false:
// attribute states first (state 0 is the start of the type grammar), then per leaf the
// states "fewer than minOccurs" (under), "between min and max" (loop) and "max reached"
// (done); event codes are SE(qname) in schema order, SE(*), EE, CH (§8.5.4.4.2). Only
// reachable states remain, numbered in breadth-first order from the start.
import { bitsFor, type Attr, type CType, type GEvent, type GState, type Leaf } from './grammar.js';
import type { PositionInfo } from './particles.js';

type LeafStates = CType['leafStates'][number];

/** States under construction for one type, built lazily and keyed by a description. */
export interface StateBuilder {
  ct: CType;
  follow: readonly Set<number>[];
  lastSet: ReadonlySet<number>;
  startNullable: boolean;
  startFirst: readonly number[];
  states: GState[];
  stateIds: Map<string, number>;
  pending: { key: string; build: () => GState }[];
  /** State id per attribute index (index attrs.length: the content start); -1 until made. */
  attrStateIds: number[];
}

/**
 * Derive `ct.states` and `ct.leafStates` from the positions of its content (`ct.leaves`
 * set, `top` the walk of its content particle, undefined for empty content).
 */
export function deriveStates(ct: CType, follow: readonly Set<number>[], top: PositionInfo | undefined): void {
  const b: StateBuilder = {
    ct,
    follow,
    lastSet: new Set(top?.last ?? []),
    startNullable: top ? top.nullable : true,
    startFirst: top?.first ?? [],
    states: [],
    stateIds: new Map(),
    pending: [],
    attrStateIds: ct.attrs.map(() => -1).concat(-1),
  };
  ct.leafStates = ct.leaves.map(() => ({ under: -1, loop: -1, done: -1 }));
  for (const l of ct.leaves) addLeafStates(b, l);
  const s0 = attrState(b, 0);
  buildPending(b);
  renumber(ct, b.states, s0);
}

/** The id of the state described by `key`; a new one is built later by `build`. */
export function stateId(b: StateBuilder, key: string, build: () => GState): number {
  const s = b.stateIds.get(key);
  if (s !== undefined) return s;
  const id = b.states.length;
  b.stateIds.set(key, id);
  b.states.push({ events: [], bits: 0, label: key });
  b.pending.push({ key, build });
  return id;
}

/** SE events for the positions, in schema order, then SE(*) if a wildcard is among them. */
export function seEvents(ct: CType, positions: Iterable<number>): GEvent[] {
  const ps = [...new Set(positions)].sort((a, b) => a - b);
  const out: GEvent[] = [];
  let wildcard = false;
  for (const p of ps) {
    const l = ct.leaves[p] as Leaf;
    if (l.kind === 'any') wildcard = true;
    else out.push({ kind: 'SE', leaf: p, next: { kind: 'leaf', leaf: p } });
  }
  const seen = new Set<string>();
  for (const e of out) {
    const k = (ct.leaves[(e as { leaf: number }).leaf] as Leaf).key;
    if (seen.has(k)) throw new Error(`${ct.id}: ambiguous content model (two ${k} in one state)`);
    seen.add(k);
  }
  // SE(qname) in schema order, then the wildcard SE(*) (§8.5.4.4.2 event code assignment).
  if (wildcard) out.push({ kind: 'SE*', next: -2 });
  return out;
}

/** Close a content state's events: SE(*) loops to the state itself, then EE, then CH(*) if mixed. */
export function finishContentEvents(ct: CType, evs: GEvent[], canEnd: boolean, self: () => number): GEvent[] {
  for (const e of evs) if (e.kind === 'SE*') e.next = self();
  if (canEnd) evs.push({ kind: 'EE' });
  if (ct.mixed) evs.push({ kind: 'CH*', next: self() });
  return evs;
}

function contentStart(b: StateBuilder, key: string): GEvent[] {
  if (b.ct.simpleContent) {
    const after = stateId(b, 'simple:afterCH', () => ({ events: [{ kind: 'EE' }], bits: 0, label: '' }));
    return [{ kind: 'CH', next: after }];
  }
  return finishContentEvents(b.ct, seEvents(b.ct, b.startFirst), b.startNullable, () => b.stateIds.get(key) as number);
}

/** The under / loop / done states of leaf `l`, as far as its occurrence bounds need them. */
function addLeafStates(b: StateBuilder, l: Leaf): void {
  const ct = b.ct;
  const ls = ct.leafStates[l.index] as LeafStates;
  const i = l.index;
  const outFollow = [...(b.follow[i] ?? [])];
  const canEnd = b.lastSet.has(i);
  if (l.min >= 2) {
    const key = `${l.name}:under`;
    ls.under = stateId(b, key, () => ({ events: finishContentEvents(ct, seEvents(ct, [i]), false, () => ls.under), bits: 0, label: key }));
  }
  if (l.max > 1) {
    const key = `${l.name}:loop`;
    ls.loop = stateId(b, key, () => ({ events: finishContentEvents(ct, seEvents(ct, [i, ...outFollow]), canEnd, () => ls.loop), bits: 0, label: key }));
  }
  if (l.max !== Infinity) {
    const key = `${l.name}:done`;
    ls.done = stateId(b, key, () => ({ events: finishContentEvents(ct, seEvents(ct, outFollow), canEnd, () => ls.done), bits: 0, label: key }));
  }
}

/** The state before attribute i: AT of it and of the optional ones after it, up to a required one. */
function attrState(b: StateBuilder, i: number): number {
  if (b.attrStateIds[i] !== -1) return b.attrStateIds[i] as number;
  const attrs = b.ct.attrs;
  const nA = attrs.length;
  const key = `attr:${i}`;
  const id = stateId(b, key, () => {
    const evs: GEvent[] = [];
    let j = i;
    for (; j < nA; j++) {
      evs.push({ kind: 'AT', attr: j, next: attrState(b, j + 1) });
      if ((attrs[j] as Attr).required) break;
    }
    if (j >= nA) evs.push(...contentStart(b, key));
    return { events: evs, bits: 0, label: i < nA ? `before @${(attrs[i] as Attr).name}` : 'content start' };
  });
  b.attrStateIds[i] = id;
  return id;
}

/** Build the pending states in order of first mention (a build may mention new ones). */
function buildPending(b: StateBuilder): void {
  while (b.pending.length) {
    const p = b.pending.shift() as { key: string; build: () => GState };
    const id = b.stateIds.get(p.key) as number;
    const st = p.build();
    st.bits = bitsFor(st.events.length + 1);
    st.label = p.key;
    b.states[id] = st;
  }
}

/** States reachable from `s0`, in breadth-first order. */
export function reachable(ct: CType, states: readonly GState[], s0: number): number[] {
  const order: number[] = [];
  const seen = new Set<number>([s0]);
  const q = [s0];
  while (q.length) {
    const s = q.shift() as number;
    order.push(s);
    for (const e of (states[s] as GState).events) {
      const targets: number[] = [];
      if (e.kind === 'SE') {
        const ls = ct.leafStates[e.leaf] as LeafStates;
        targets.push(ls.under, ls.loop, ls.done);
      } else if (e.kind !== 'EE') targets.push(e.next);
      for (const t of targets) {
        if (t >= 0 && !seen.has(t)) {
          seen.add(t);
          q.push(t);
        }
      }
    }
  }
  return order;
}

/** Renumber so that the start state is 0 and only reachable states remain (BFS order). */
function renumber(ct: CType, states: readonly GState[], s0: number): void {
  const order = reachable(ct, states, s0);
  const remap = new Map<number, number>();
  order.forEach((s, i) => remap.set(s, i));
  const m = (s: number) => (s < 0 ? -1 : (remap.get(s) ?? -1));
  ct.states = order.map((s) => {
    const st = states[s] as GState;
    return {
      ...st,
      events: st.events.map((e): GEvent => (e.kind === 'SE' || e.kind === 'EE' ? e : { ...e, next: m(e.next) })),
    };
  });
  ct.leafStates = ct.leafStates.map((ls) => ({ under: m(ls.under), loop: m(ls.loop), done: m(ls.done) }));
}
