// A serial line as a port: bytes in as an Observable, bytes out by write().
// drivers/serial implements it with the `serialport` package; the in-memory
// pair below is its twin for tests and the sim.
import { Subject, type Observable } from 'rxjs';

export interface SerialLink {
  readonly data$: Observable<Uint8Array>;
  write(data: Uint8Array): void;
  close(): Promise<void>;
}

export interface MemorySerialPair {
  /** The side tsplc uses. */
  readonly host: SerialLink;
  /** The device side: what tsplc wrote arrives on its data$, what it writes arrives at the host. */
  readonly device: SerialLink;
}

/** Two connected in-memory serial ends (synchronous delivery). */
export function memorySerialPair(): MemorySerialPair {
  const toHost = new Subject<Uint8Array>();
  const toDevice = new Subject<Uint8Array>();
  let closed = false;
  const end = (rx: Subject<Uint8Array>, tx: Subject<Uint8Array>): SerialLink => ({
    data$: rx.asObservable(),
    write: (d) => {
      if (!closed) tx.next(d.slice());
    },
    close: async () => {
      closed = true;
      toHost.complete();
      toDevice.complete();
    },
  });
  return { host: end(toHost, toDevice), device: end(toDevice, toHost) };
}
