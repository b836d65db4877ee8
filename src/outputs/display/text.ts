// The pages as text lines for the serial displays: uhi22's SerialToOLED (three
// lines, pyPLC's "lc" protocol) and celeron55's board (disp0..2). They show
// ASCII only, so the characters the pixel font has beyond ASCII are spelled out.
import type { PageContent, PageLine } from './pages.js';

const spelled: Readonly<Record<string, string>> = { 'ä': 'ae', 'ö': 'oe', 'ü': 'ue', 'Ä': 'Ae', 'Ö': 'Oe', 'Ü': 'Ue', 'ß': 'ss', '°': 'deg', 'µ': 'u', 'Ω': 'Ohm', '€': 'EUR' };

export function toAscii(s: string): string {
  let out = '';
  for (const ch of s) out += spelled[ch] ?? (/[\x20-\x7e]/.test(ch) ? ch : '?');
  return out;
}

function lineText(l: PageLine, width: number): string {
  if (l.kind === 'text') return l.text;
  const room = width - l.label.length - l.value.length - 4;
  if (room < 3) return `${l.label} ${l.value}`;
  const n = Math.round(room * l.fraction);
  return `${l.label} [${'#'.repeat(n)}${'.'.repeat(room - n)}] ${l.value}`;
}

/**
 * A page as `lines` text lines of at most `width` characters: with four or
 * more lines the title comes first, with three (SerialToOLED, celeron55) the
 * three compact lines alone — the title of a page is implied by its content.
 */
export function renderTextLines(content: PageContent, lines: number, width: number): string[] {
  const body = (lines >= 4 ? content.lines : content.compact).map((l) => toAscii(lineText(l, width)));
  const head = lines >= 4 ? [toAscii(`${content.title}${' '.repeat(Math.max(1, width - content.title.length - content.right.length))}${content.right}`)] : [];
  const out = [...head, ...body].slice(0, lines).map((s) => s.slice(0, width));
  while (out.length < lines) out.push('');
  return out;
}
