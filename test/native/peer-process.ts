// Drives a test/native/peer.ts child: JSON lines in, JSON lines out, with waits.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface PeerEvent {
  readonly event: string;
  readonly [k: string]: unknown;
}

export class PeerProcess {
  readonly events: PeerEvent[] = [];
  private waiters: { pred: (e: PeerEvent) => boolean; resolve: (e: PeerEvent) => void }[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let e: PeerEvent;
      try {
        e = JSON.parse(line) as PeerEvent;
      } catch {
        return;
      }
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  /** Resolves with the first event (past or future) matching pred; rejects after timeoutMs. */
  waitFor(pred: (e: PeerEvent) => boolean, timeoutMs = 10_000, what = 'event'): Promise<PeerEvent> {
    const past = this.events.find(pred);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}; events: ${JSON.stringify(this.events).slice(0, 2000)} stderr: ${this.stderr.slice(0, 2000)}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  }

  /** Waits for the next event matching pred that arrives after this call. */
  next(pred: (e: PeerEvent) => boolean, timeoutMs = 10_000, what = 'event'): Promise<PeerEvent> {
    const start = this.events.length;
    return this.waitFor((e) => this.events.indexOf(e) >= start && pred(e), timeoutMs, what);
  }

  send(cmd: object): void {
    this.child.stdin!.write(JSON.stringify(cmd) + '\n');
  }

  frames(): PeerEvent[] {
    return this.events.filter((e) => e.event === 'frame');
  }
}
