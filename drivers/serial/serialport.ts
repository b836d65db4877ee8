// The serial line port (src/ports/serial.ts) over the `serialport` package
// (optional dependency, loaded only by boards that use a serial line).
import { Subject } from 'rxjs';
import type { SerialLink, SerialOpen } from '../../src/ports/serial.js';
import { err, ok, type Result } from '../../src/result.js';
import { errorMessage } from '../../src/errors.js';

export const openSerialPort: SerialOpen = async (path: string, baudRate: number): Promise<Result<SerialLink, string>> => {
  let mod: typeof import('serialport');
  try {
    mod = await import('serialport');
  } catch (e) {
    return err(`the optional package 'serialport' is not installed (npm install serialport): ${errorMessage(e)}`);
  }
  const data = new Subject<Uint8Array>();
  return new Promise((resolve) => {
    const port = new mod.SerialPort({ path, baudRate, autoOpen: false });
    port.open((e) => {
      if (e) {
        resolve(err(`cannot open ${path} at ${baudRate} baud: ${e.message}`));
        return;
      }
      port.on('data', (chunk: Buffer) => data.next(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice()));
      port.on('error', (x: Error) => data.error(x));
      port.on('close', () => data.complete());
      resolve(
        ok({
          data$: data.asObservable(),
          // A write after close (or after the device vanished) is dropped, as the port contract says.
          write: (bytes) => {
            if (port.isOpen) port.write(Buffer.from(bytes));
          },
          close: () =>
            new Promise<void>((r) => {
              if (!port.isOpen) return r();
              port.close(() => r());
            }),
        }),
      );
    });
  });
};
