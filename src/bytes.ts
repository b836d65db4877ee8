// Small helpers for byte arrays. Pure: Uint8Array only, no Buffer.

export function toHex(bytes: Uint8Array, separator = ''): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0 && separator) s += separator;
    s += (bytes[i] as number).toString(16).padStart(2, '0');
  }
  return s;
}

/** Parses hex; whitespace, ':' and '-' separators are ignored. Returns undefined for invalid input. */
export function fromHex(hex: string): Uint8Array | undefined {
  const clean = hex.replace(/[\s:-]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function formatMac(mac: Uint8Array): string {
  return toHex(mac, ':');
}

export function parseMac(text: string): Uint8Array | undefined {
  const b = fromHex(text);
  return b && b.length === 6 ? b : undefined;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One buffer holding `parts` in order (an array, not rest arguments: a capture has more chunks than a call may have arguments). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
