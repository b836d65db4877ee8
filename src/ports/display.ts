// Ports of the status display (docs/display.md). A pixel panel takes whole
// frames (SSD1306/SH1106 over I2C, or the in-memory twin); a text display
// takes lines (the Display port in hardware.ts: SerialToOLED, celeron55
// disp0..2). The page button is a GPIO input.
import type { Observable } from 'rxjs';
import type { Framebuffer } from '../outputs/display/framebuffer.js';

export interface PixelPanel {
  readonly width: number;
  readonly height: number;
  /** Brings the panel to this frame (a driver sends only what changed). Rejects on a bus error. */
  draw(frame: Framebuffer): Promise<void>;
  /** Bytes put on the bus so far (benchmarks, docs). */
  readonly bytesWritten: number;
  close(): Promise<void>;
}

/** A push button that steps through the pages: one value per press. */
export interface DisplayButton {
  readonly presses$: Observable<void>;
  close?(): Promise<void>;
}
