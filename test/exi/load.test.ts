// Each schema's codec on demand (src/codecs/exi/load.ts): the loaded codec is the one the eager
// table (codecs.ts) holds, a load is started once, a failed load is kept as a typed error, and
// the runtime's V2gCodec over it (exi-codec-on-demand.ts) answers a typed error until it is loaded.
import { describe, expect, it } from 'vitest';
import { codecLoader, type SchemaImports } from '../../src/codecs/exi/load.js';
import { CODECS } from '../../src/codecs/exi/codecs.js';
import { SCHEMA_IDS, type SchemaId } from '../../src/codecs/exi/index.js';
import { onDemandExiCodec } from '../../src/runtime/exi-codec-on-demand.js';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { encodeHandshakeRequest, offerFor } from '../../src/domain/v2g/index.js';

describe('EXI codecs loaded on demand', () => {
  it('loads each schema as the same codec instance the eager table holds', async () => {
    const loader = codecLoader();
    for (const id of SCHEMA_IDS) {
      expect(loader.loaded(id)).toBeUndefined();
      const r = await loader.load(id);
      expect(r.ok).toBe(true);
      expect(r.ok && r.value).toBe(CODECS[id]);
      expect(loader.loaded(id)).toBe(CODECS[id]);
    }
  });

  it('starts one import per schema however often it is asked, and keeps a failed load as CODEC_LOAD_FAILED', async () => {
    const calls: string[] = [];
    const failing = (s: SchemaId) => () => {
      calls.push(s);
      return Promise.reject(new Error(`Cannot find module chunks/${s}.js`));
    };
    const imports = Object.fromEntries(SCHEMA_IDS.map((s) => [s, failing(s)])) as unknown as SchemaImports;
    const loader = codecLoader(imports);
    const [a, b] = await Promise.all([loader.load('din'), loader.load('din')]);
    const again = await loader.load('din');
    expect(calls).toEqual(['din']);
    for (const r of [a, b, again]) expect(r).toMatchObject({ ok: false, error: { code: 'CODEC_LOAD_FAILED', context: { schema: 'din' } } });
    expect(loader.loadError('din')?.message).toContain('Cannot find module chunks/din.js');
    expect(loader.loaded('din')).toBeUndefined();
    expect(loader.loadError('iso2')).toBeUndefined();
  });

  it('an unknown schema name is UNKNOWN_SCHEMA, without an import', async () => {
    const r = await codecLoader().load('iso99' as SchemaId);
    expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SCHEMA' } });
  });

  it('the on-demand V2gCodec: CODEC_NOT_LOADED before the load, the eager codec’s bytes after it, no wait once loaded', async () => {
    const codec = onDemandExiCodec(codecLoader());
    const doc = encodeHandshakeRequest(offerFor(['din', 'iso2']));
    expect(codec.encode('appHand', doc)).toMatchObject({ ok: false, error: { code: 'CODEC_NOT_LOADED', context: { schema: 'appHand' } } });
    const wait = codec.load?.('appHand');
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(codec.load?.('appHand')).toBeUndefined();
    const mine = codec.encode('appHand', doc);
    const eager = exiCodec.encode('appHand', doc);
    expect(mine.ok && eager.ok).toBe(true);
    expect(mine.ok && Array.from(mine.value)).toEqual(eager.ok && Array.from(eager.value));
    const back = codec.decode('appHand', (mine as { ok: true; value: Uint8Array }).value);
    expect(back).toEqual(exiCodec.decode('appHand', (eager as { ok: true; value: Uint8Array }).value));
  });
});
