// Reference values: the captures' .decoded.txt files hold the output of pyPLC's
// OpenV2G-based decoder for every DIN message (hex + a flat JSON block of fields).
// Our decoder must give the same message name and the same value for every field
// that decoder prints (ResponseCode, SessionID, EVSEStatusCode, voltages, currents,
// multipliers, SOC, ...).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bytes.js';
import { dinCodec } from '../../src/codecs/exi/index.js';
import type { MetaValue } from '../../src/codecs/exi/runtime/meta.js';
import { capturesDir, hasCaptures, missingSharedMessage } from '../shared.js';
import { needCaptures } from '../env.js';

if (!hasCaptures) console.warn(missingSharedMessage);

interface Block {
  file: string;
  where: string;
  hex: string;
  fields: Record<string, string>;
}

function readBlocks(): Block[] {
  const blocks: Block[] = [];
  for (const f of readdirSync(capturesDir).filter((x) => x.endsWith('.decoded.txt')).sort()) {
    const lines = readFileSync(join(capturesDir, f), 'utf8').split('\n');
    let cur: Block | undefined;
    for (const line of lines) {
      // "Packet #N [time] <hex> means:" or "<isotime>=ED <hex> means:"
      const m = /^(Packet #\d+ \[[^\]]*\]|\S+=[A-Z]{2}) ([0-9a-fA-F]+) means:/.exec(line);
      if (m) {
        cur = { file: f, where: m[1] as string, hex: (m[2] as string).toLowerCase(), fields: {} };
        blocks.push(cur);
        continue;
      }
      const kv = /^"([^"]+)": "([^"]*)"/.exec(line);
      if (cur && kv) cur.fields[kv[1] as string] = kv[2] as string;
    }
  }
  return blocks;
}

// Enumeration value → index, for the reference decoder's numeric enum prints.
function enumIndexes(): Map<string, number | undefined> {
  const idx = new Map<string, number | undefined>();
  const visit = (t: MetaValue | undefined) => {
    if (t === undefined || typeof t === 'string' || t.k !== 'enum') return;
    t.values.forEach((v, i) => idx.set(v, idx.has(v) && idx.get(v) !== i ? undefined : i));
  };
  for (const mt of Object.values(dinCodec.meta.types)) for (const l of mt.leaves) visit(l.type);
  return idx;
}

type Obj = Record<string, unknown>;

function resolve(o: unknown, segs: string[]): { found: boolean; value: unknown } {
  let cur: unknown = o;
  for (const s of segs) {
    if (typeof cur !== 'object' || cur === null || cur instanceof Uint8Array || !(s in (cur as Obj))) return { found: false, value: undefined };
    cur = (cur as Obj)[s];
  }
  return { found: true, value: cur };
}

/** First object in the tree (depth first) from which `segs` resolves; else whether the first segment exists anywhere. */
function findPath(o: unknown, segs: string[]): { found: boolean; value: unknown } {
  const r = resolve(o, segs);
  if (r.found) return r;
  if (typeof o === 'object' && o !== null && !(o instanceof Uint8Array)) {
    for (const v of Object.values(o as Obj)) {
      const x = findPath(v, segs);
      if (x.found) return x;
    }
  }
  return { found: false, value: undefined };
}

const IGNORED = new Set(['msgName', 'info', 'error', 'result', 'schema', 'g_errn', 'debug']);

describe.skipIf(!needCaptures())('EXI against the reference decoder output (.decoded.txt)', () => {
  it('gives the same message names and field values', () => {
    const blocks = hasCaptures ? readBlocks() : [];
    const enums = enumIndexes();
    const mismatches: string[] = [];
    let messages = 0;
    let compared = 0;
    for (const b of blocks) {
      const name = b.fields.msgName;
      // The reference decoder cannot read the handshake (it decodes it as DIN: error -133).
      if (!name || b.fields.error) continue;
      const bytes = fromHex(b.hex);
      if (!bytes) continue;
      const r = dinCodec.decode(bytes);
      const doc: unknown = r.ok ? r.value : r.error.code === 'TRAILING_BYTES' ? r.error.document : undefined;
      if (!doc) {
        mismatches.push(`${b.file} ${b.where}: ${r.ok ? '' : r.error.code}`);
        continue;
      }
      const msg = (doc as { V2G_Message?: { Header: Obj; Body: Obj } }).V2G_Message;
      const body = msg?.Body ?? {};
      const ours = Object.keys(body)[0];
      messages++;
      if (ours !== name) {
        mismatches.push(`${b.file} ${b.where}: message ${ours} != ${name}`);
        continue;
      }
      const m = body[name] as Obj;
      for (const [key, want] of Object.entries(b.fields)) {
        if (IGNORED.has(key) || key.endsWith('bytesLen') || key.endsWith('arrayLen') || key.endsWith('.array')) continue;
        // Older pcapConverter versions (2022-12-20 file) print ReadyToChargeState 0 with the
        // text START: the text contradicts the value it is printed from; compare the value.
        if (key === 'ReadyToChargeState_Text' && b.fields.ReadyToChargeState !== undefined) continue;
        // The reference names list items "SchedTuple0" and "<list>.array[i]".
        const path = key.replace(/^SchedTuple(\d+)\./, 'SAScheduleTuple.$1.').replace(/\.array\[(\d+)\]/g, '.$1');
        let got: { found: boolean; value: unknown };
        let kind: 'value' | 'used' | 'text' = 'value';
        if (key.startsWith('header.')) {
          const k = key.slice(7);
          if (k.endsWith('_isUsed')) {
            kind = 'used';
            got = resolve(msg?.Header, [k.slice(0, -7)]);
          } else got = resolve(msg?.Header, [k]);
        } else if (key.endsWith('_isUsed')) {
          kind = 'used';
          got = findPath(m, path.slice(0, -7).split('.'));
        } else if (/(_text|_Text|Text)$/.test(path)) {
          kind = 'text';
          got = findPath(m, path.replace(/(_text|_Text|Text)$/, '').split('.'));
        } else got = findPath(m, path.split('.'));
        const where = `${b.file} ${b.where} ${name}.${key}`;
        if (kind === 'used') {
          const used = want === '1' || want === 'True';
          if (used !== got.found) mismatches.push(`${where}: present=${got.found}, reference ${want}`);
          compared++;
          continue;
        }
        // The reference prints fields of absent optional elements with stale defaults
        // (e.g. Unit "h" = index 0): compare only what is present in the message.
        if (!got.found) continue;
        const v = got.value;
        let same: boolean;
        if (v instanceof Uint8Array) same = toHex(v) === want.toLowerCase();
        // Booleans print as 1/0, True/False, true/false, and ReadyToChargeState as START/STOP.
        else if (typeof v === 'boolean') same = (v ? ['1', 'True', 'true', 'START'] : ['0', 'False', 'false', 'STOP']).includes(want);
        else if (typeof v === 'number' || typeof v === 'bigint') same = String(v) === want;
        else if (typeof v === 'string') same = v === want || (kind === 'value' && /^\d+$/.test(want) && enums.get(v) === Number(want));
        else continue; // a complex element: its fields are compared one by one
        compared++;
        if (!same) mismatches.push(`${where}: ours ${v instanceof Uint8Array ? toHex(v) : String(v)}, reference ${want}`);
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(messages).toBeGreaterThan(5000);
    expect(compared).toBeGreaterThan(50000);
    console.log(`reference decoder comparison: ${messages} messages, ${compared} field values`);
  });
});
