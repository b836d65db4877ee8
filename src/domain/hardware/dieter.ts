// The serial protocol of uhi22's "dieter" Arduino board as pyPLC drives it
// (hardwareInterface.py, digital_output_device / analog_input_device = dieter):
//   host → device: "do000<n>\n", n = output bits: 1 CP state C, 2 power relay, 4 relay 2
//                  (pyPLC resends it every ~0.5 s); "lc<text>\n" lines go to its display
//   device → host: "A0=nnnn", the inlet-voltage ADC (10 bit) as four digits
// pyPLC's scaling: volts = n / 1024 × 1.08 V (reference) × 6250 / (4.7 + 4.7) (divider).
// Pure: commands to text, text to readings.
import { codecError, err, ok, type Result } from '../../result.js';

export const DIETER_CP_STATE_C = 1;
export const DIETER_RELAY = 2;
export const DIETER_RELAY2 = 4;

/** pyPLC's inlet scaling, volts per ADC count. */
export const dieterDefaultVoltsPerCount = (1.08 * 6250) / (4.7 + 4.7) / 1024;

export function encodeDieterOutputs(bits: number): string {
  return `do000${bits & 7}\n`;
}

/** Finds the A0 reading in one received line; undefined when the line carries none. */
export function parseDieterLine(line: string): Result<number | undefined> {
  const at = line.indexOf('A0=');
  if (at < 0) return ok(undefined);
  const digits = line.slice(at + 3, at + 7);
  if (!/^\d{4}$/.test(digits)) return err(codecError('BAD_VALUE', `A0=${JSON.stringify(digits)} is not four digits`, { offset: at + 3 }));
  const n = Number(digits);
  if (n > 1023) return err(codecError('OUT_OF_RANGE', `A0=${n} is above the 10-bit range`, { offset: at + 3 }));
  return ok(n);
}
