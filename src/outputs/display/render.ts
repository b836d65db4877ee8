// Pixel layout of a page on a 128×64 or 128×32 panel: an inverted header row
// (title left, elapsed time right), then 8-pixel text rows — 7 on 128×64
// (every line), 3 on 128×32 (the compact lines). A bar graph is its label,
// an outlined 7-pixel box filled by the fraction, and its value right-aligned.
import { CELL_HEIGHT, CELL_WIDTH, textWidth } from './font.js';
import { Framebuffer } from './framebuffer.js';
import type { PageContent, PageLine } from './pages.js';

export type PanelSize = '128x64' | '128x32';

export function panelDimensions(size: PanelSize): { width: number; height: number } {
  return size === '128x64' ? { width: 128, height: 64 } : { width: 128, height: 32 };
}

function drawLine(fb: Framebuffer, y: number, line: PageLine): void {
  if (line.kind === 'text') {
    fb.text(0, y, line.text);
    return;
  }
  const after = fb.text(0, y, line.label);
  const x0 = after + 1;
  const vw = textWidth(line.value);
  const x1 = fb.width - vw - 3;
  fb.text(fb.width - vw, y, line.value);
  const w = x1 - x0;
  if (w < 4) return;
  fb.strokeRect(x0, y, w, 7);
  const inner = w - 2;
  const filled = Math.round(inner * line.fraction);
  fb.fillRect(x0 + 1, y + 1, filled, 5);
}

/** Draws a page into a new framebuffer of the panel's size. */
export function renderPage(content: PageContent, size: PanelSize, into?: Framebuffer): Framebuffer {
  const { width, height } = panelDimensions(size);
  const fb = into && into.width === width && into.height === height ? into : new Framebuffer(width, height);
  fb.clear();
  // Header: lit bar, dark text (the page title stands out as on a phone's status bar).
  fb.fillRect(0, 0, width, CELL_HEIGHT);
  const right = content.right;
  const rw = textWidth(right);
  const room = Math.floor((width - rw - 4) / CELL_WIDTH);
  fb.text(1, 0, [...content.title].slice(0, Math.max(0, room)).join(''), { on: false });
  fb.text(width - rw - 1, 0, right, { on: false });
  const rows = height / CELL_HEIGHT - 1;
  const lines = height >= 64 ? content.lines : content.compact;
  lines.slice(0, rows).forEach((l, i) => drawLine(fb, CELL_HEIGHT * (i + 1), l));
  return fb;
}
