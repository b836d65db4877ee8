// The serial line protocol of celeron55's CCS interface board (as pyPLC's
// "celeron55device" speaks it): newline-terminated ASCII lines.
//   host → device: cp=0|1 (CP state B|C), contactor=0|1, lock, unlock, disp0=… disp1=… disp2=…
//   device → host: key=<integer> with the keys below.
// Pure: bytes and strings in, typed values or typed errors out.
import { codecError, err, ok, type CodecError, type Result } from '../../result.js';

/** Readings the device reports, with the range a sane value must lie in. */
export const celeron55Keys = {
  /** Voltage at the vehicle inlet (charger side of the contactors), V. */
  inlet_v: { min: 0, max: 2000 },
  /** Voltage of the DC link / battery side of the contactors, V. */
  dc_link_v: { min: 0, max: 2000 },
  /** Measured CP PWM duty cycle, %. */
  cp_pwm: { min: 0, max: 100 },
  /** Echo of the last cp= command. */
  cp_output_state: { min: 0, max: 1 },
  /** Echo of the last contactor= command. */
  ccs_contactor_wanted_closed: { min: 0, max: 1 },
  /** Maximum charge current the BMS allows, A. */
  max_charge_a: { min: 0, max: 2000 },
  soc_percent: { min: 0, max: 100 },
  /** Contactor auxiliary contact: 1 = closed. */
  contactor_confirmed: { min: 0, max: 1 },
  /** Proximity / plug detection. */
  plugged_in: { min: 0, max: 1 },
} as const;

export type Celeron55Key = keyof typeof celeron55Keys;

export interface Celeron55Reading {
  readonly key: Celeron55Key;
  readonly value: number;
}

export type Celeron55Command =
  | { readonly kind: 'cp'; readonly stateC: boolean }
  | { readonly kind: 'contactor'; readonly closed: boolean }
  | { readonly kind: 'lock' }
  | { readonly kind: 'unlock' }
  | { readonly kind: 'display'; readonly line: 0 | 1 | 2; readonly text: string };

/** Parses one line (without its terminator). */
export function parseCeleron55Line(line: string): Result<Celeron55Reading> {
  const eq = line.indexOf('=');
  if (eq <= 0) return err(codecError('NO_ASSIGNMENT', `expected key=value, got ${JSON.stringify(line.slice(0, 40))}`));
  const key = line.slice(0, eq).trim();
  const text = line.slice(eq + 1).trim();
  if (!Object.prototype.hasOwnProperty.call(celeron55Keys, key)) return err(codecError('UNKNOWN_KEY', `unknown key ${JSON.stringify(key.slice(0, 40))}`, { context: { key: key.slice(0, 40) } }));
  const k = key as Celeron55Key;
  if (!/^-?\d+$/.test(text)) return err(codecError('BAD_VALUE', `${k}: ${JSON.stringify(text.slice(0, 20))} is not an integer`, { offset: eq + 1, context: { key: k } }));
  const value = Number(text);
  const range = celeron55Keys[k];
  if (value < range.min || value > range.max)
    return err(codecError('OUT_OF_RANGE', `${k}=${value} is outside ${range.min}–${range.max}`, { offset: eq + 1, context: { key: k } }));
  return ok({ key: k, value });
}

/** Encodes a command as the line the device expects (with '\n'). */
export function encodeCeleron55(cmd: Celeron55Command): string {
  switch (cmd.kind) {
    case 'cp':
      return `cp=${cmd.stateC ? 1 : 0}\n`;
    case 'contactor':
      return `contactor=${cmd.closed ? 1 : 0}\n`;
    case 'lock':
      return 'lock\n';
    case 'unlock':
      return 'unlock\n';
    case 'display':
      // One line per command: a newline in the text would start a new command.
      return `disp${cmd.line}=${cmd.text.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}\n`;
  }
}

/**
 * Splits a byte stream into lines. A line longer than maxLength is garbage
 * (wrong baud rate, noise): it is dropped with an error and the splitter
 * resynchronises at the next newline.
 */
export class LineSplitter {
  private buffer = '';
  private discarding = false;
  constructor(private readonly maxLength = 256) {}

  push(bytes: Uint8Array): { lines: string[]; errors: CodecError[] } {
    const lines: string[] = [];
    const errors: CodecError[] = [];
    for (const b of bytes) {
      if (b === 0x0a || b === 0x0d) {
        if (this.discarding) this.discarding = false;
        else if (this.buffer.length) lines.push(this.buffer);
        this.buffer = '';
        continue;
      }
      if (this.discarding) continue;
      if (this.buffer.length >= this.maxLength) {
        errors.push(codecError('LINE_TOO_LONG', `line longer than ${this.maxLength} bytes dropped (wrong baud rate?)`));
        this.buffer = '';
        this.discarding = true;
        continue;
      }
      this.buffer += String.fromCharCode(b);
    }
    return { lines, errors };
  }
}

export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}
