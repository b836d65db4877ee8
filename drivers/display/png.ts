// A small PNG encoder for panel snapshots (docs pictures, `tsplc sim
// --display-png`): 1-bit palette image (PNG spec §11.2.3 PLTE), each panel
// pixel scaled to scale×scale, lit pixels in the panel's colour dimmed by the
// contrast setting. Compression by node:zlib; CRC-32 by table (zlib.crc32 is
// only in Node ≥ 20.15/22.2).
import { deflateSync } from 'node:zlib';
import type { Framebuffer } from '../../src/outputs/display/framebuffer.js';

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export interface PngOptions {
  /** Pixels per panel pixel (default 4). */
  readonly scale?: number;
  /** 0..255: the panel's 81h contrast (default 255 = full colour). */
  readonly contrast?: number;
  /** Lit colour at full contrast (default a white OLED's blue-white). */
  readonly color?: readonly [number, number, number];
}

export function encodePng(fb: Framebuffer, o: PngOptions = {}): Buffer {
  const s = Math.max(1, Math.floor(o.scale ?? 4));
  const w = fb.width * s;
  const h = fb.height * s;
  const [r, g, b] = o.color ?? [0xdc, 0xf0, 0xff];
  const k = 0.35 + (0.65 * Math.max(0, Math.min(255, o.contrast ?? 255))) / 255;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 3; // colour type: palette
  const plte = Uint8Array.from([0x08, 0x0a, 0x10, Math.round(r * k), Math.round(g * k), Math.round(b * k)]);
  const stride = Math.ceil(w / 8);
  const raw = new Uint8Array((stride + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = (stride + 1) * y;
    raw[row] = 0; // filter: none
    for (let x = 0; x < w; x++) if (fb.get(Math.floor(x / s), Math.floor(y / s))) raw[row + 1 + (x >> 3)] = (raw[row + 1 + (x >> 3)] ?? 0) | (0x80 >> (x & 7));
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('PLTE', plte), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
