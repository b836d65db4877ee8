// Text display on a serial line, as pyPLC drives uhi22's SerialToOLED
// (WIFI-Kit-32 firmware): three lines, each sent as "lc<text>\n".
import type { Display } from '../../ports/hardware.js';
import { asciiBytes } from './celeron55.js';
import type { SerialLink } from './serial.js';

/** Encodes three display lines; non-printable characters become '?' so a line never splits. */
export function encodeSerialOled(lines: readonly string[]): string {
  const three = [0, 1, 2].map((i) => (lines[i] ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 32));
  return three.map((l) => `lc${l}\n`).join('');
}

export function createSerialOledDisplay(link: SerialLink): Display & { close(): Promise<void> } {
  let last = '';
  return {
    lines: 3,
    show(text) {
      const s = encodeSerialOled(text);
      // The display is slow and the status stream is chatty: send only changes.
      if (s === last) return;
      last = s;
      link.write(asciiBytes(s));
    },
    close: () => link.close(),
  };
}
