import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { nidFromNmk, nmkFromPassword, randomNmk } from '../../src/codecs/homeplug/index.js';

// Vectors: protocol-facts §1.5 (open-plc-utils pev.ini defaults and pyslac).
describe('NMK / NID derivation', () => {
  it('"HomePlugAV" → NMK 50D3E4933F855B7040784DF815AA8DB7, NID B0F2E695666B03', () => {
    const nmk = nmkFromPassword('HomePlugAV');
    expect(toHex(nmk).toUpperCase()).toBe('50D3E4933F855B7040784DF815AA8DB7');
    expect(toHex(nidFromNmk(nmk)).toUpperCase()).toBe('B0F2E695666B03');
  });

  it('"HomePlugAV0123" → NMK B59319D7E8157BA001B018669CCEE30D, NID 026BCBA5354E08', () => {
    const nmk = nmkFromPassword('HomePlugAV0123');
    expect(toHex(nmk).toUpperCase()).toBe('B59319D7E8157BA001B018669CCEE30D');
    expect(toHex(nidFromNmk(nmk)).toUpperCase()).toBe('026BCBA5354E08');
  });

  it('security level goes into bits 4–5 of the last NID byte; the top 2 bits stay 0', () => {
    const nmk = nmkFromPassword('HomePlugAV');
    const nid0 = nidFromNmk(nmk, 0);
    const nid1 = nidFromNmk(nmk, 1);
    expect(nid1.subarray(0, 6)).toEqual(nid0.subarray(0, 6));
    expect(nid1[6]).toBe(nid0[6]! | 0x10);
    expect(nid1[6]! & 0xc0).toBe(0);
  });

  it('randomNmk takes its entropy from the injected function', () => {
    const nmk = randomNmk((n) => Uint8Array.from({ length: n }, (_, i) => i * 3));
    expect(nmk.length).toBe(16);
    expect(nmk[5]).toBe(15);
  });
});
