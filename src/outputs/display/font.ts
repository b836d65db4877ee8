// The display font: the 5×7 font of the `oled-font-5x7` package (MIT, the one
// the oled-i2c-bus examples use), one byte per column, bit 0 = top row, drawn
// in a 6×8 cell (one blank column, one blank row) so 21 characters fit on a
// 128-pixel line and 4 lines on a 128×32 panel.
//
// The package covers printable ASCII except '~', and has Ä Ö Ü ä ö ü ° (and €).
// Missing here and added below: µ (µs timings), Ω (isolation resistance), ß
// (German text) and '~'. µ uses the blank bottom row for its descender.
import font5x7 from 'oled-font-5x7';

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Cell size: glyph plus one column and one row of spacing. */
export const CELL_WIDTH = 6;
export const CELL_HEIGHT = 8;

/** Glyphs the package lacks, one byte per column, bit 0 = top row. */
const added: Readonly<Record<string, readonly number[]>> = {
  // #...#  rows 2–6, with the stem going down into row 7
  // #..##
  // ###.#
  // #....
  'µ': [0xfc, 0x40, 0x40, 0x20, 0x7c],
  // .###. / #...# ×3 / .#.#. ×2 / ##.##
  'Ω': [0x4e, 0x71, 0x01, 0x71, 0x4e],
  // .##.. / #..#. / #..#. / #.#.. / #..#. / #...# / #.##.
  'ß': [0x7e, 0x01, 0x49, 0x56, 0x20],
  // a wave on rows 2–4
  '~': [0x08, 0x04, 0x08, 0x10, 0x08],
};

function buildGlyphs(): ReadonlyMap<string, Uint8Array> {
  const map = new Map<string, Uint8Array>();
  const w = font5x7.width;
  font5x7.lookup.forEach((ch, i) => {
    map.set(ch, Uint8Array.from(font5x7.fontData.slice(i * w, i * w + w)));
  });
  for (const [ch, cols] of Object.entries(added)) map.set(ch, Uint8Array.from(cols));
  return map;
}

const glyphs = buildGlyphs();
const unknown = glyphs.get('?') ?? new Uint8Array(GLYPH_WIDTH);

/** The columns of a character; a character the font lacks shows as '?'. */
export function glyph(ch: string): Uint8Array {
  return glyphs.get(ch) ?? unknown;
}

export function hasGlyph(ch: string): boolean {
  return glyphs.has(ch);
}

/** Width in pixels of a string drawn at `scale` (no trailing spacing column). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * CELL_WIDTH - 1) * scale;
}
