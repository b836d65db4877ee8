// Reads text back from a framebuffer by matching each 6×8 cell against the
// font's glyphs, so tests can say `row 1 reads "CurrentDemand"` and still
// check the pixels (a glyph one pixel off does not match).
import { CELL_WIDTH, glyph, GLYPH_WIDTH } from '../../src/outputs/display/font.js';
import type { Framebuffer } from '../../src/outputs/display/framebuffer.js';

const candidates = [...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~ÄÖÜäöüßµΩ°'];

/** The text in 8-pixel row `row` starting at x; inverted = dark text on a lit bar (the header). */
export function readRow(fb: Framebuffer, row: number, o: { x?: number; inverted?: boolean; cells?: number } = {}): string {
  const x0 = o.x ?? 0;
  const n = o.cells ?? Math.floor((fb.width - x0 + 1) / CELL_WIDTH);
  let out = '';
  for (let c = 0; c < n; c++) {
    const cols: number[] = [];
    for (let i = 0; i < GLYPH_WIDTH; i++) {
      let b = 0;
      for (let r = 0; r < 8; r++) {
        const lit = fb.get(x0 + c * CELL_WIDTH + i, row * 8 + r);
        if (lit !== (o.inverted ?? false)) b |= 1 << r;
      }
      cols.push(b);
    }
    const ch = candidates.find((k) => glyph(k).every((v, i) => v === cols[i]));
    out += ch ?? '¿';
  }
  return out.trimEnd();
}
