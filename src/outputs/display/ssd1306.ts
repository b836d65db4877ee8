// The SSD1306 / SH1106 I2C protocol as bytes (pure): the init sequence and the
// writes that bring the panel from one frame to the next. Every I2C write
// starts with a control byte (SSD1306 datasheet §8.1.5.2): 0x00 = the rest are
// commands, 0x40 = the rest are display data (Co = 0, D/C# = 0 or 1).
//
// SSD1306: horizontal addressing mode (20h 00h), so one page's changed columns
// are a window (21h first last, 22h page page) and one data write.
// SH1106: has no 20h/21h/22h (SH1106 datasheet: page addressing only) and a
// 132-column RAM of which a 128-column panel shows columns 2..129; a page is
// addressed by B0h+page and the column start by 0x0L/0x1H, offset by 2.
import { changedColumns, type Framebuffer } from './framebuffer.js';

export type PanelController = 'ssd1306' | 'sh1106';

export const CONTROL_COMMANDS = 0x00;
export const CONTROL_DATA = 0x40;

export interface PanelInit {
  readonly controller: PanelController;
  readonly width: number;
  readonly height: 64 | 32;
  /** 0..255 (81h). */
  readonly contrast: number;
  /** Rotate by 180° (panel mounted upside down): A0h/C0h instead of A1h/C8h. */
  readonly flip?: boolean;
}

/** SH1106 RAM column of panel column 0. */
export const SH1106_COLUMN_OFFSET = 2;

export function initCommands(o: PanelInit): Uint8Array {
  const mux = o.height - 1;
  const remap = o.flip ? [0xa0, 0xc0] : [0xa1, 0xc8];
  // COM pins (DAh): alternative configuration for 64 rows, sequential for 32 (datasheet table 10-3,
  // as the 128×32 modules are wired).
  const comPins = o.height === 64 ? 0x12 : 0x02;
  const contrast = Math.max(0, Math.min(255, Math.round(o.contrast)));
  const cmds =
    o.controller === 'ssd1306'
      ? [0xae, 0xd5, 0x80, 0xa8, mux, 0xd3, 0x00, 0x40, 0x8d, 0x14, 0x20, 0x00, ...remap, 0xda, comPins, 0x81, contrast, 0xd9, 0xf1, 0xdb, 0x40, 0x2e, 0xa4, 0xa6, 0xaf]
      : // SH1106: DC-DC on (ADh 8Bh) instead of the SSD1306 charge pump; no addressing-mode command.
        [0xae, 0xd5, 0x80, 0xa8, mux, 0xd3, 0x00, 0x40, 0xad, 0x8b, ...remap, 0xda, comPins, 0x81, contrast, 0xd9, 0x22, 0xdb, 0x35, 0xa4, 0xa6, 0xaf];
  return Uint8Array.from([CONTROL_COMMANDS, ...cmds]);
}

export function contrastCommand(contrast: number): Uint8Array {
  return Uint8Array.from([CONTROL_COMMANDS, 0x81, Math.max(0, Math.min(255, Math.round(contrast)))]);
}

export function powerCommand(on: boolean): Uint8Array {
  return Uint8Array.from([CONTROL_COMMANDS, on ? 0xaf : 0xae]);
}

/**
 * The I2C writes that turn the panel's content `prev` into `next`: per page
 * with a change, its window of changed columns only (prev undefined: the
 * whole frame).
 */
export function frameWrites(controller: PanelController, prev: Framebuffer | undefined, next: Framebuffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const run of changedColumns(prev, next)) {
    if (!run) continue;
    const { page, first, last } = run;
    if (controller === 'ssd1306') out.push(Uint8Array.from([CONTROL_COMMANDS, 0x21, first, last, 0x22, page, page]));
    else {
      const col = first + SH1106_COLUMN_OFFSET;
      out.push(Uint8Array.from([CONTROL_COMMANDS, 0xb0 | page, col & 0x0f, 0x10 | (col >> 4)]));
    }
    const data = new Uint8Array(last - first + 2);
    data[0] = CONTROL_DATA;
    data.set(next.page(page).subarray(first, last + 1), 1);
    out.push(data);
  }
  return out;
}
