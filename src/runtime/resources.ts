// One scope for what a command acquires: sockets, the board, subscriptions, signal listeners,
// the started stack. Each acquisition registers its closer at once; close() runs them in reverse
// order of acquisition, each once, whatever happened (an early return, a throw, the end of the
// session, a SIGTERM). Node 20 has no `using` / AsyncDisposableStack, so runRole holds one of
// these in a try/finally.
import { errorMessage } from '../errors.js';

export interface Closer {
  /** What is closed (for the log line when its closer fails). */
  readonly what: string;
  readonly close: () => unknown;
}

export class Resources {
  private readonly closers: Closer[] = [];
  private closing: Promise<void> | undefined;

  /** onError: told when a closer throws or rejects; the others still run. */
  constructor(private onError: (what: string, error: string) => void = () => {}) {}

  /** Where closer failures go from now on (the logger exists only after the first resources). */
  reportTo(onError: (what: string, error: string) => void): void {
    this.onError = onError;
  }

  /** Registers a closer for something just acquired. After close() it runs at once. */
  defer(what: string, close: () => unknown): void {
    if (this.closing) {
      void this.run({ what, close });
      return;
    }
    this.closers.push({ what, close });
  }

  /** Registers value's closer and hands the value back: `const port = scope.adopt('port', open(), (p) => p.close())`. */
  adopt<T>(what: string, value: T, close: (value: T) => unknown): T {
    this.defer(what, () => close(value));
    return value;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Closes everything in reverse order of acquisition; every later call returns the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (let c = this.closers.pop(); c; c = this.closers.pop()) await this.run(c);
    })();
    return this.closing;
  }

  private async run(c: Closer): Promise<void> {
    try {
      await c.close();
    } catch (e) {
      this.onError(c.what, errorMessage(e));
    }
  }
}
