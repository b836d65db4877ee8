// A 1-bit framebuffer in the SSD1306's own memory layout: `height / 8` pages of
// `width` bytes, each byte one column of 8 pixels, bit 0 at the top (SSD1306
// datasheet §8.7, "GDDRAM"). Drawing into it and sending it are then the same
// bytes, and a changed page is a contiguous run of bytes to send.
import { CELL_WIDTH, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.js';

export class Framebuffer {
  readonly bytes: Uint8Array;
  readonly pages: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    if (width <= 0 || height <= 0 || height % 8 !== 0) throw new RangeError(`framebuffer ${width}×${height}: height must be a positive multiple of 8`);
    this.pages = height / 8;
    this.bytes = new Uint8Array(width * this.pages);
  }

  get(x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    return ((this.bytes[(y >> 3) * this.width + x] ?? 0) & (1 << (y & 7))) !== 0;
  }

  set(x: number, y: number, on = true): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y >> 3) * this.width + x;
    const bit = 1 << (y & 7);
    this.bytes[i] = on ? (this.bytes[i] ?? 0) | bit : (this.bytes[i] ?? 0) & ~bit;
  }

  clear(): void {
    this.bytes.fill(0);
  }

  fillRect(x: number, y: number, w: number, h: number, on = true): void {
    // Byte-wise per page: a mask of the rows of this page inside the rectangle.
    const x0 = Math.max(0, x);
    const x1 = Math.min(this.width, x + w);
    const y0 = Math.max(0, y);
    const y1 = Math.min(this.height, y + h) - 1;
    if (x1 <= x0 || y1 < y0) return;
    for (let p = y0 >> 3; p <= y1 >> 3; p++) {
      const top = Math.max(y0, p * 8) & 7;
      const bottom = Math.min(y1, p * 8 + 7) & 7;
      const mask = (0xff << top) & (0xff >> (7 - bottom)) & 0xff;
      const base = p * this.width;
      for (let xx = x0; xx < x1; xx++) {
        const b = this.bytes[base + xx] ?? 0;
        this.bytes[base + xx] = on ? b | mask : b & ~mask;
      }
    }
  }

  /** ORs (or clears) one 8-row column pattern with its top row at y. */
  private column(x: number, y: number, bits: number, on: boolean): void {
    if (x < 0 || x >= this.width || bits === 0) return;
    const p = y >> 3;
    const shift = y & 7;
    const lo = (bits << shift) & 0xff;
    const hi = shift > 0 ? bits >> (8 - shift) : 0;
    const b = this.bytes;
    if (lo !== 0 && p >= 0 && p < this.pages) {
      const i = p * this.width + x;
      b[i] = on ? (b[i] as number) | lo : (b[i] as number) & ~lo;
    }
    if (hi !== 0 && p + 1 >= 0 && p + 1 < this.pages) {
      const i = (p + 1) * this.width + x;
      b[i] = on ? (b[i] as number) | hi : (b[i] as number) & ~hi;
    }
  }

  /** An outline one pixel wide. */
  strokeRect(x: number, y: number, w: number, h: number): void {
    if (w <= 0 || h <= 0) return;
    this.fillRect(x, y, w, 1);
    this.fillRect(x, y + h - 1, w, 1);
    this.fillRect(x, y, 1, h);
    this.fillRect(x + w - 1, y, 1, h);
  }

  /**
   * Draws text with its top-left corner at (x, y), `scale` pixels per font
   * pixel; pixels of the glyphs are set (or cleared with on = false), the
   * background is left alone. Returns the x after the last cell.
   */
  text(x: number, y: number, text: string, options: { scale?: number; on?: boolean } = {}): number {
    const s = options.scale ?? 1;
    const on = options.on ?? true;
    let cx = x;
    for (const ch of text) {
      const cols = glyph(ch);
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        const bits = cols[c] ?? 0;
        // Row 7 is the descender row (µ); the other glyphs leave it blank.
        if (s === 1) this.column(cx + c, y, bits, on);
        else for (let r = 0; r <= GLYPH_HEIGHT; r++) if (bits & (1 << r)) this.fillRect(cx + c * s, y + r * s, s, s, on);
      }
      cx += CELL_WIDTH * s;
    }
    return cx;
  }

  equals(other: Framebuffer): boolean {
    if (other.width !== this.width || other.height !== this.height) return false;
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] !== other.bytes[i]) return false;
    return true;
  }

  copy(): Framebuffer {
    const f = new Framebuffer(this.width, this.height);
    f.bytes.set(this.bytes);
    return f;
  }

  /** One page (8 rows) as its `width` bytes. */
  page(p: number): Uint8Array {
    return this.bytes.subarray(p * this.width, (p + 1) * this.width);
  }

  /** ASCII art, one line per pixel row: '#' lit, '.' dark (the fixture format of the tests). */
  toAscii(): string {
    const lines: string[] = [];
    for (let y = 0; y < this.height; y++) {
      let l = '';
      for (let x = 0; x < this.width; x++) l += this.get(x, y) ? '#' : '.';
      lines.push(l);
    }
    return lines.join('\n');
  }

  static fromAscii(art: string): Framebuffer {
    const rows = art.split('\n').filter((l) => l.length > 0);
    const f = new Framebuffer(rows[0]?.length ?? 0, rows.length);
    rows.forEach((row, y) => [...row].forEach((c, x) => f.set(x, y, c === '#')));
    return f;
  }
}

/** Per page, the first and last column that differ between two frames of one size (undefined: page unchanged). */
export function changedColumns(prev: Framebuffer | undefined, next: Framebuffer): Array<{ readonly page: number; readonly first: number; readonly last: number } | undefined> {
  const out: Array<{ page: number; first: number; last: number } | undefined> = [];
  for (let p = 0; p < next.pages; p++) {
    if (!prev || prev.width !== next.width || prev.height !== next.height) {
      out.push({ page: p, first: 0, last: next.width - 1 });
      continue;
    }
    const a = prev.page(p);
    const b = next.page(p);
    let first = -1;
    let last = -1;
    for (let x = 0; x < next.width; x++) {
      if (a[x] !== b[x]) {
        if (first < 0) first = x;
        last = x;
      }
    }
    out.push(first < 0 ? undefined : { page: p, first, last });
  }
  return out;
}
