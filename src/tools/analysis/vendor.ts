// Charger vendor guessed from the MAC address prefix. The table is pyPLC's
// pcapConverter list (prefixes seen at real chargers); entries pyPLC marks
// with '?' are uncertain and keep the question mark.
import { formatMac } from '../../bytes.js';

const PREFIXES: readonly (readonly [string, string])[] = [
  ['ec:a2', 'Kempower'],
  ['dc:44:27', 'Tesla'],
  ['ce:25:1a', 'Alpitronic'],
  ['1a:a9:8e', 'Alpitronic'],
  ['e8:eb:1b', 'ABB?'],
  ['68:27:19', 'ABB?'],
  ['80:1f:12', 'Compleo?'],
  ['18:d7', 'Siemens?'],
];

/** Vendor name for a charger MAC ('aa:bb:..' text or 6 bytes), or undefined when no prefix matches. */
export function guessChargerVendor(mac: string | Uint8Array): string | undefined {
  const text = (typeof mac === 'string' ? mac : formatMac(mac)).toLowerCase();
  // Longest prefix first, so a 3-byte entry wins over a 2-byte one.
  let best: readonly [string, string] | undefined;
  for (const p of PREFIXES) if (text.startsWith(p[0]) && (!best || p[0].length > best[0].length)) best = p;
  return best?.[1];
}
