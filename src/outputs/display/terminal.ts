// A framebuffer as text for a terminal: two pixel rows per character with the
// Unicode half blocks (U+2580 ▀, U+2584 ▄, U+2588 █), so a 128×64 panel is
// 128 columns × 32 lines, framed so its edge is visible.
import type { Framebuffer } from './framebuffer.js';

export function halfBlocks(fb: Framebuffer): string[] {
  const lines: string[] = ['┌' + '─'.repeat(fb.width) + '┐'];
  for (let y = 0; y < fb.height; y += 2) {
    let l = '│';
    for (let x = 0; x < fb.width; x++) {
      const top = fb.get(x, y);
      const bottom = fb.get(x, y + 1);
      l += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(l + '│');
  }
  lines.push('└' + '─'.repeat(fb.width) + '┘');
  return lines;
}
