// Port: a serial line (celeron55's interface board, the Dieter Arduino, the
// SerialToOLED display). Bytes in as an Observable, bytes out by write().
// Implemented by drivers/serial/serialport.ts (the optional `serialport`
// package) and by the twin drivers/serial/memory.ts (a connected pair of ends).
// Lines are cut by the boards (boards/serial-lines.ts over LineSplitter): a
// device may split a line over several reads, or send several in one.
// The contract both keep (test/ports/serial.contract.test.ts): what one end
// writes arrives in order at the other; close() completes data$; a write after
// close is dropped, never thrown; a device error ends data$ with an error.
import type { Observable } from 'rxjs';
import type { Result } from '../result.js';

export interface SerialLink {
  readonly data$: Observable<Uint8Array>;
  write(data: Uint8Array): void;
  close(): Promise<void>;
}

/** Opens a serial device (path, baud rate); a missing device or package is an error text naming it. */
export type SerialOpen = (path: string, baudRate: number) => Promise<Result<SerialLink, string>>;
