// Which display backend a board gets (docs/display.md, docs/boards.md).
export type DisplayBackend = 'ssd1306' | 'sh1106' | 'serial' | 'board' | 'twin' | 'none';

export function chooseDisplayBackend(board: string, configured: string, hardwareDisplay: string): DisplayBackend {
  if (configured !== 'auto') return configured as DisplayBackend;
  // pyPLC's display_via_serial (imported as hardware.display) wins on any board: it is how a
  // SerialToOLED is wired to a Dieter or a plain PC setup.
  if (hardwareDisplay === 'serial') return 'serial';
  if (hardwareDisplay === 'board') return 'board';
  switch (board) {
    case 'raspberry-pi':
    case 'raspberry-pi-can':
    case 'beaglebone':
      return 'ssd1306';
    // Their own serial line carries the display: celeron55 disp0..2, the Dieter Arduino's `lc` lines.
    case 'celeron55':
    case 'dieter':
      return 'board';
    default:
      // sim, none: the in-memory twin shows what a panel would (nothing leaves the process).
      return 'twin';
  }
}
