// What holds memory: a V8 heap snapshot (.heapsnapshot JSON, as written by
// --heapsnapshot-signal or v8.writeHeapSnapshot) summed by what each node is — an object by its
// constructor name, otherwise by the node type (code, string, closure, array, hidden, ...).
// Used by test/bench/footprint.bench.ts for the report's heap table.
import { readFileSync } from 'node:fs';

export interface HeapShare {
  readonly what: string;
  readonly bytes: number;
  readonly count: number;
}

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: readonly string[]; readonly node_types: readonly [readonly string[], ...unknown[]] } };
  readonly nodes: readonly number[];
  readonly strings: readonly string[];
}

/** Self sizes of all nodes grouped; the largest `top` groups, then the rest as one row, then the total. */
export function summarizeHeapSnapshot(file: string, top = 10): HeapShare[] {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = s.snapshot.meta.node_types[0];
  const groups = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt] as number] ?? '?';
    const size = s.nodes[i + sizeAt] as number;
    total += size;
    // Objects by constructor; code objects by kind would be too fine: one row per type.
    const what = type === 'object' ? `object ${s.strings[s.nodes[i + nameAt] as number] ?? '?'}` : type;
    const g = groups.get(what) ?? { bytes: 0, count: 0 };
    g.bytes += size;
    g.count++;
    groups.set(what, g);
  }
  const sorted = [...groups].map(([what, g]) => ({ what, ...g })).sort((a, b) => b.bytes - a.bytes);
  const head = sorted.slice(0, top);
  const rest = sorted.slice(top).reduce((r, g) => ({ what: 'everything else', bytes: r.bytes + g.bytes, count: r.count + g.count }), { what: 'everything else', bytes: 0, count: 0 });
  return [...head, rest, { what: 'total', bytes: total, count: s.nodes.length / width }];
}
