/* eslint-disable no-var -- a global is declared with `declare var`, as lib.dom.d.ts does */
// What pure code (machines/, src/ but runtime and cli) may use of the host
// beyond ECMAScript, type-checked by tsconfig.pure.json without Node's types:
// text codecs and the CSPRNG, which every JavaScript runtime has as web-standard
// globals and which do no I/O. Timers, process, Buffer and the rest are not here
// on purpose: time comes from the clock ports / XState's actor clock.

interface TextEncoder {
  encode(input?: string): Uint8Array;
}
declare var TextEncoder: { new (): TextEncoder };

interface TextDecoder {
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
declare var TextDecoder: { new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoder };

interface Crypto {
  getRandomValues<T extends ArrayBufferView | null>(array: T): T;
}
declare var crypto: Crypto;
