// The in-memory twin of the serial line port (src/ports/serial.ts): two
// connected ends, synchronous delivery in order. The host end is what tsplc
// uses; the device end is the test's (or the bench plant's) side. For tests it
// records what each end wrote, and can end the line the ways a real one ends:
// unplugged (data$ errors, as the serialport driver reports a vanished USB
// adapter) or closed (data$ completes). test/ports/serial.contract.test.ts
// checks it against the serialport driver on a pseudo-terminal pair.
import { Subject } from 'rxjs';
import type { SerialLink } from '../../src/ports/serial.js';

export interface MemorySerialEnd extends SerialLink {
  /** Every chunk this end wrote, in order (copies). */
  readonly written: readonly Uint8Array[];
  /** What this end wrote, as text (latin1: one char per byte). */
  writtenText(): string;
}

export interface MemorySerialPair {
  /** The side tsplc uses. */
  readonly host: MemorySerialEnd;
  /** The device side: what tsplc wrote arrives on its data$, what it writes arrives at the host. */
  readonly device: MemorySerialEnd;
  /** The device disappears (USB adapter pulled): both data$ end with this error; writes are dropped. */
  unplug(message?: string): void;
  readonly closed: boolean;
}

/** Two connected in-memory serial ends (synchronous delivery). */
export function memorySerialPair(): MemorySerialPair {
  const toHost = new Subject<Uint8Array>();
  const toDevice = new Subject<Uint8Array>();
  let closed = false;
  const end = (rx: Subject<Uint8Array>, tx: Subject<Uint8Array>): MemorySerialEnd => {
    const written: Uint8Array[] = [];
    return {
      data$: rx.asObservable(),
      written,
      writtenText: () => written.map((c) => String.fromCharCode(...c)).join(''),
      write: (d) => {
        if (closed) return;
        const copy = d.slice();
        written.push(copy);
        tx.next(copy);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        toHost.complete();
        toDevice.complete();
      },
    };
  };
  return {
    host: end(toHost, toDevice),
    device: end(toDevice, toHost),
    unplug(message = 'device disconnected') {
      if (closed) return;
      closed = true;
      const e = new Error(message);
      toHost.error(e);
      toDevice.error(e);
    },
    get closed() {
      return closed;
    },
  };
}
