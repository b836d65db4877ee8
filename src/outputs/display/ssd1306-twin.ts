// An in-memory SSD1306 (or SH1106): it decodes the control, command and data
// bytes of each I2C write exactly as the controller would and keeps its
// display RAM, so a test or `tsplc sim --display` sees what a real panel would
// show. Modelled (SSD1306 datasheet §9, command table 9-1; SH1106 §"Commands"):
//  - the control byte (Co, D/C#) of every write, commands split across writes
//    (oled-i2c-bus sends every command byte in a write of its own);
//  - memory addressing modes 20h (horizontal, vertical, page), the column and
//    page windows 21h/22h, page-mode start addresses B0h–B7h, 00h–0Fh, 10h–1Fh;
//  - contrast 81h, display on/off AEh/AFh, entire display on A4h/A5h, inverse
//    A6h/A7h, segment remap A0h/A1h, COM scan direction C0h/C8h, start line
//    40h–7Fh, multiplex A8h, display offset D3h (argument kept), and the
//    set-up commands whose arguments it takes but that change no pixel
//    (D5h, D9h, DAh, DBh, 8Dh, scrolling 26h/27h/29h/2Ah/A3h/2Eh/2Fh, NOP E3h);
//  - SH1106: 132-column RAM shown from column 2, no 20h/21h/22h, DC-DC ADh, pump 30h–33h.
// A byte it cannot decode is a typed error in `errors` (bounded), never an exception.
import { Framebuffer } from './framebuffer.js';
import type { PanelController } from './ssd1306.js';
import { SH1106_COLUMN_OFFSET } from './ssd1306.js';

export interface TwinError {
  readonly code: 'UNKNOWN_COMMAND' | 'NOT_SUPPORTED' | 'EMPTY_WRITE';
  readonly detail: string;
  /** Index of the write (0-based) and the byte within it. */
  readonly write: number;
  readonly offset: number;
}

export interface TwinOptions {
  readonly controller?: PanelController;
  readonly width?: number;
  readonly height?: 64 | 32;
  readonly address?: number;
}

/** Argument bytes of the multi-byte commands. */
function argCount(controller: PanelController, cmd: number): number | undefined {
  switch (cmd) {
    case 0x20:
    case 0x21:
    case 0x22:
      return controller === 'ssd1306' ? (cmd === 0x20 ? 1 : 2) : undefined;
    case 0x81:
    case 0x8d:
    case 0xa8:
    case 0xd3:
    case 0xd5:
    case 0xd9:
    case 0xda:
    case 0xdb:
      return 1;
    case 0xad:
      return controller === 'sh1106' ? 1 : undefined;
    case 0x26:
    case 0x27:
      return 6;
    case 0x29:
    case 0x2a:
      return 5;
    case 0xa3:
      return 2;
    default:
      return 0;
  }
}

export class Ssd1306Twin {
  readonly controller: PanelController;
  readonly width: number;
  readonly height: 64 | 32;
  readonly address: number;
  readonly ramWidth: number;
  /** 8 pages × ramWidth, as the controller's GDDRAM. */
  readonly ram: Uint8Array;
  addressingMode: 0 | 1 | 2 = 2; // reset: page addressing (datasheet 10.1.3)
  columnStart = 0;
  columnEnd = 127;
  pageStart = 0;
  pageEnd = 7;
  column = 0;
  pageAddr = 0;
  contrast = 0x7f;
  displayOn = false;
  inverse = false;
  entireOn = false;
  segmentRemap = false;
  comScanDecrement = false;
  startLine = 0;
  displayOffset = 0;
  multiplex = 63;
  chargePump = false;
  scrolling = false;
  readonly errors: TwinError[] = [];
  /** Counters over the twin's life. */
  writes = 0;
  bytes = 0;
  dataBytes = 0;
  private pending: { cmd: number; args: number[]; need: number } | undefined;
  private listeners: Array<() => void> = [];

  constructor(o: TwinOptions = {}) {
    this.controller = o.controller ?? 'ssd1306';
    this.width = o.width ?? 128;
    this.height = o.height ?? 64;
    this.address = o.address ?? 0x3c;
    this.ramWidth = this.controller === 'sh1106' ? 132 : 128;
    this.ram = new Uint8Array(this.ramWidth * 8);
    this.columnEnd = this.ramWidth - 1;
  }

  /** Called after every write that changed RAM or a display setting. */
  onChange(fn: () => void): () => void {
    this.listeners.push(fn);
    return () => (this.listeners = this.listeners.filter((l) => l !== fn));
  }

  /** One I2C write (after the address byte): control byte(s), then commands or data. */
  write(bytes: Uint8Array): void {
    const w = this.writes++;
    this.bytes += bytes.length;
    if (bytes.length === 0) {
      this.error('EMPTY_WRITE', 'an I2C write without a control byte', w, 0);
      return;
    }
    let i = 0;
    while (i < bytes.length) {
      const control = bytes[i++] ?? 0;
      const co = (control & 0x80) !== 0;
      const isData = (control & 0x40) !== 0;
      if (co) {
        // Co = 1: one byte follows, then another control byte.
        if (i >= bytes.length) break;
        const b = bytes[i++] ?? 0;
        if (isData) this.data(b);
        else this.command(b, w, i - 1);
        continue;
      }
      for (; i < bytes.length; i++) {
        const b = bytes[i] ?? 0;
        if (isData) this.data(b);
        else this.command(b, w, i);
      }
    }
    for (const l of this.listeners) l();
  }

  private error(code: TwinError['code'], detail: string, write: number, offset: number): void {
    if (this.errors.length < 100) this.errors.push({ code, detail, write, offset });
  }

  private data(b: number): void {
    this.dataBytes++;
    const col = Math.min(this.column, this.ramWidth - 1);
    this.ram[(this.pageAddr & 7) * this.ramWidth + col] = b;
    if (this.addressingMode === 0) {
      this.column++;
      if (this.column > this.columnEnd) {
        this.column = this.columnStart;
        this.pageAddr = this.pageAddr >= this.pageEnd ? this.pageStart : this.pageAddr + 1;
      }
    } else if (this.addressingMode === 1) {
      this.pageAddr++;
      if (this.pageAddr > this.pageEnd) {
        this.pageAddr = this.pageStart;
        this.column = this.column >= this.columnEnd ? this.columnStart : this.column + 1;
      }
    } else if (this.column < this.ramWidth - 1) {
      // Page mode: the pointer stops at the last column (SH1106) / wraps within the page (SSD1306).
      this.column++;
    } else if (this.controller === 'ssd1306') this.column = 0;
  }

  private command(b: number, write: number, offset: number): void {
    if (this.pending) {
      this.pending.args.push(b);
      if (this.pending.args.length >= this.pending.need) {
        const p = this.pending;
        this.pending = undefined;
        this.apply(p.cmd, p.args);
      }
      return;
    }
    const n = argCount(this.controller, b);
    if (n === undefined) {
      this.error('NOT_SUPPORTED', `${hex(b)} is not a ${this.controller.toUpperCase()} command`, write, offset);
      return;
    }
    if (n > 0) {
      this.pending = { cmd: b, args: [], need: n };
      return;
    }
    if (!this.single(b)) this.error('UNKNOWN_COMMAND', `unknown command ${hex(b)}`, write, offset);
  }

  private single(b: number): boolean {
    if (b <= 0x0f) {
      this.column = (this.column & 0xf0) | b;
      return true;
    }
    if (b <= 0x1f) {
      this.column = ((b & 0x0f) << 4) | (this.column & 0x0f);
      return true;
    }
    if (b >= 0x40 && b <= 0x7f) {
      this.startLine = b & 0x3f;
      return true;
    }
    if (b >= 0xb0 && b <= 0xb7) {
      this.pageAddr = b & 0x07;
      return true;
    }
    if (this.controller === 'sh1106' && b >= 0x30 && b <= 0x33) return true; // pump voltage
    switch (b) {
      case 0xae:
      case 0xaf:
        this.displayOn = b === 0xaf;
        return true;
      case 0xa4:
      case 0xa5:
        this.entireOn = b === 0xa5;
        return true;
      case 0xa6:
      case 0xa7:
        this.inverse = b === 0xa7;
        return true;
      case 0xa0:
      case 0xa1:
        this.segmentRemap = b === 0xa1;
        return true;
      case 0xc0:
      case 0xc8:
        this.comScanDecrement = b === 0xc8;
        return true;
      case 0x2e:
      case 0x2f:
        this.scrolling = b === 0x2f;
        return true;
      case 0xe3:
        return true;
      default:
        return false;
    }
  }

  private apply(cmd: number, a: number[]): void {
    const [a0 = 0, a1 = 0] = a;
    switch (cmd) {
      case 0x20:
        this.addressingMode = (a0 & 0x03) === 0 ? 0 : (a0 & 0x03) === 1 ? 1 : 2;
        break;
      case 0x21:
        this.columnStart = a0 & 0x7f;
        this.columnEnd = a1 & 0x7f;
        this.column = this.columnStart;
        break;
      case 0x22:
        this.pageStart = a0 & 0x07;
        this.pageEnd = a1 & 0x07;
        this.pageAddr = this.pageStart;
        break;
      case 0x81:
        this.contrast = a0;
        break;
      case 0x8d:
        this.chargePump = (a0 & 0x04) !== 0;
        break;
      case 0xa8:
        this.multiplex = a0 & 0x3f;
        break;
      case 0xd3:
        this.displayOffset = a0 & 0x3f;
        break;
      case 0xad:
        this.chargePump = (a0 & 0x01) !== 0; // SH1106 DC-DC on
        break;
      default:
        break; // D5h, D9h, DAh, DBh, scroll set-up: no pixel changes
    }
  }

  /** RAM bit at a RAM column and row. */
  ramPixel(col: number, row: number): boolean {
    return ((this.ram[((row >> 3) & 7) * this.ramWidth + col] ?? 0) & (1 << (row & 7))) !== 0;
  }

  /**
   * What the panel shows, as a framebuffer of the panel's size. Orientation:
   * the usual modules are wired so that A1h + C8h (what every driver sends)
   * show the RAM upright; A0h/C0h mirror it.
   */
  snapshot(): Framebuffer {
    const fb = new Framebuffer(this.width, this.height);
    if (!this.displayOn) return fb;
    const off = this.controller === 'sh1106' ? SH1106_COLUMN_OFFSET : 0;
    for (let y = 0; y < this.height; y++) {
      const r = this.comScanDecrement ? y : this.height - 1 - y;
      const row = (r + this.startLine) & 63;
      for (let x = 0; x < this.width; x++) {
        const col = (this.segmentRemap ? x : this.width - 1 - x) + off;
        const lit = this.entireOn || this.ramPixel(col, row) !== this.inverse;
        if (lit) fb.set(x, y);
      }
    }
    return fb;
  }
}

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;
