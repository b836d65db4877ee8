// Every page on 128×64 and 128×32 against an expected rendering stored as
// ASCII art (test/display/fixtures/<page>-<size>.txt, '#' lit), plus checks
// that do not trust the fixtures: the header row is inverted, each text row
// reads back (ocr.ts matches the font's glyphs cell by cell) as the expected
// words, a bar's fill is its fraction of the box. The same pages as serial
// text lines, and the PNGs in docs/display/ are these frames.
// Regenerate after an intended change: UPDATE_DISPLAY_FIXTURES=1 npx vitest run test/display/pages.test.ts
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { composePage, pageIds, type PageId } from '../../src/outputs/display/pages.js';
import { renderPage, type PanelSize } from '../../src/outputs/display/render.js';
import { renderTextLines } from '../../src/outputs/display/text.js';
import { Framebuffer } from '../../src/outputs/display/framebuffer.js';
import { encodeSerialOled } from '../../src/domain/hardware/serial-oled.js';
import { encodeCeleron55 } from '../../src/domain/hardware/celeron55.js';
import { encodePng } from '../../drivers/display/png.js';
import { glyph, hasGlyph } from '../../src/outputs/display/font.js';
import { readRow } from './ocr.js';

const update = process.env.UPDATE_DISPLAY_FIXTURES === '1';
const fixture = (name: string) => new URL(`./fixtures/${name}.txt`, import.meta.url);
const docPng = (name: string) => new URL(`../../docs/display/${name}.png`, import.meta.url);

import { chargingFacts } from './sample-facts.js';

const now = 65_000;

const expectedRows: Record<PageId, { title: string; rows64: string[]; rows32: string[] }> = {
  stage: { title: 'EV DIN', rows64: ['CurrentDemand', 'checkpoint 700', 'shutdown Finished', 'SLAC Matched', 'TCP connected'], rows32: ['CurrentDemand', 'checkpoint 700', 'shutdown Finished'] },
  power: { title: 'Power', rows64: ['U   398.0 V', 'I   100.0 A', 'P    39.8 kW'], rows32: ['U   398.0 V', 'I   100.0 A', 'P    39.8 kW'] },
  energy: { title: 'Battery', rows64: ['', 'E 1234 Wh', 't 01:05'], rows32: ['', 'E 1234 Wh', 't 01:05'] },
  limits: { title: 'Limits', rows64: ['     car    charger', 'A   100.0    125.0', 'V   398.0    500.0', 'kW   39.8     50.0', 'limit: car I'], rows32: ['A   100.0    125.0', 'V   398.0    500.0', 'limit: car I'] },
  faults: { title: 'Faults', rows64: ['! FAILED', 'CurrentDemandRes:', 'FAILED', '(EVSE_EmergencyShutdo', 'shutdown Finished'], rows32: ['! FAILED', 'CurrentDemandRes:', 'shutdown Finished'] },
  link: { title: 'Modem/SLAC', rows64: ['modem Ready', 'SLAC Matched', 'att 20.5 dB', 'to 02:00:00:ee:00:02', 'SDP done', 'TCP connected'], rows32: ['modem Ready', 'SLAC Matched', 'att 20.5 dB'] },
  network: { title: 'Network', rows64: ['if eth0', 'MAC 02:00:00:ee:00:01', 'IPv6 fe80::ff:fe00:1'], rows32: ['if eth0', 'MAC 02:00:00:ee:00:01', 'IPv6 fe80::ff:fe00:1'] },
};

describe('font', () => {
  it('covers printable ASCII and ° µ Ω ä ö ü Ä Ö Ü ß', () => {
    const chars = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), ...'°µΩäöüÄÖÜß'];
    expect(chars.filter((c) => !hasGlyph(c))).toEqual([]);
    // The added glyphs are drawn, not blanks or the '?' fallback.
    for (const c of 'µΩß~') {
      expect(glyph(c).some((b) => b !== 0)).toBe(true);
      expect([...glyph(c)]).not.toEqual([...glyph('?')]);
    }
  });
});

describe('page renderings', () => {
  for (const id of pageIds) {
    for (const size of ['128x64', '128x32'] as PanelSize[]) {
      it(`${id} on ${size}`, () => {
        const content = composePage(id, chargingFacts, now);
        const fb = renderPage(content, size);
        const name = `${id}-${size}`;
        if (update) {
          writeFileSync(fixture(name), fb.toAscii() + '\n');
          writeFileSync(docPng(name), encodePng(fb, { scale: 3 }));
        }
        // Header: rows 0–7 inverted, the title from x = 1, the elapsed time right-aligned.
        expect(readRow(fb, 0, { x: 1, inverted: true, cells: 15 })).toBe(expectedRows[id].title);
        expect(readRow(fb, 0, { x: 98, inverted: true })).toBe('01:05');
        expect([...Array(128).keys()].every((x) => fb.get(x, 7))).toBe(true);
        const rows = size === '128x64' ? expectedRows[id].rows64 : expectedRows[id].rows32;
        rows.forEach((r, i) => {
          if (r) expect(readRow(fb, i + 1)).toBe(r);
        });
        expect(fb.toAscii() + '\n').toBe(readFileSync(fixture(name), 'utf8'));
        expect(existsSync(docPng(name)) && readFileSync(docPng(name)).equals(encodePng(fb, { scale: 3 }))).toBe(true);
      });
    }
  }

  it('a bar fills its fraction of the box (SOC 54 %)', () => {
    const fb = renderPage(composePage('energy', chargingFacts, now), '128x64');
    expect(readRow(fb, 1, { cells: 3 })).toBe('SOC');
    expect(readRow(fb, 1, { x: 128 - 17 })).toBe('54%');
    // Box: from after "SOC" + 1 (x = 19) to before the value; its top edge is lit end to end.
    const y = 8;
    const x0 = 19;
    let x1 = x0;
    while (fb.get(x1 + 1, y)) x1++;
    const inner = x1 - x0 - 1;
    let filled = 0;
    while (fb.get(x0 + 1 + filled, y + 3)) filled++;
    expect(filled).toBe(Math.round(inner * 0.54));
    expect(fb.get(x1, y + 3)).toBe(true); // right edge
    expect(fb.get(x1 - 1, y + 3)).toBe(false); // unfilled inside
  });

  it('fixture format round-trips', () => {
    const fb = renderPage(composePage('power', chargingFacts, now), '128x32');
    expect(Framebuffer.fromAscii(fb.toAscii()).equals(fb)).toBe(true);
  });
});

describe('the same pages on the serial text displays', () => {
  it('SerialToOLED: three compact lines as "lc" commands', () => {
    const lines = renderTextLines(composePage('energy', chargingFacts, now), 3, 20);
    expect(lines).toEqual(['SOC [#####.....] 54%', 'E 1234 Wh', 't 01:05']);
    expect(encodeSerialOled(lines)).toBe('lcSOC [#####.....] 54%\nlcE 1234 Wh\nlct 01:05\n');
  });

  // The compact lines are the pixel page's (21 characters), so a wider text display shows the same words.
  it('celeron55 disp0..2, with the non-ASCII glyphs spelled out', () => {
    const f = { ...chargingFacts, fault: { code: 'ISO', detail: 'Isolation 90 kΩ ≤ 100 kΩ', at: 0 } };
    const lines = renderTextLines(composePage('faults', f, now), 3, 40);
    expect(lines).toEqual(['! ISO', 'Isolation 90 kOhm ? 100', 'shutdown Finished']);
    expect(lines.map((t, i) => encodeCeleron55({ kind: 'display', line: i as 0 | 1 | 2, text: t })).join('')).toBe('disp0=! ISO\ndisp1=Isolation 90 kOhm ? 100\ndisp2=shutdown Finished\n');
  });

  it('a four-line text display gets the title first', () => {
    expect(renderTextLines(composePage('power', chargingFacts, now), 4, 20)).toEqual(['Power          01:05', 'U   398.0 V', 'I   100.0 A', 'P    39.8 kW']);
  });
});
