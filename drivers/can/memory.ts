// In-memory twin of the CAN port: one bus, several nodes. A frame sent by one
// node reaches every other node (CAN is a broadcast medium; a node does not
// receive its own frames, as SocketCAN with loopback off). The bus can delay
// frames, drop a fraction of them (seeded, so tests are reproducible) and put
// a node into bus-off, where it neither sends nor receives until restarted.
import { Subject } from 'rxjs';
import { checkCanFrame, matchesFilters, type CanBusError, type CanFilter, type CanFrame, type CanPort } from '../../src/ports/can.js';
import { err, ok } from '../../src/result.js';
import type { Clock } from '../../src/ports/clock.js';
import { wallClock } from '../clock/index.js';

export interface MemoryCanBusOptions {
  /** Time source for delays and timestamps (a SimulatedClock in tests). */
  readonly scheduler?: Clock;
  /** Delivery delay in ms (0 = synchronous delivery). */
  readonly delayMs?: number;
  /** Fraction of frames lost (0..1). */
  readonly lossRate?: number;
  /** Seed of the loss generator. */
  readonly seed?: number;
}

export interface MemoryCanNode extends CanPort {
  readonly busOff: boolean;
  /** Frames this node sent successfully. */
  readonly sentCount: number;
}

interface NodeState {
  readonly name: string;
  readonly frames$: Subject<CanFrame>;
  readonly errors$: Subject<CanBusError>;
  filters: readonly CanFilter[];
  busOff: boolean;
  closed: boolean;
  sent: number;
}

export class MemoryCanBus {
  private readonly nodes: NodeState[] = [];
  private readonly scheduler: Clock;
  private rng: number;
  delayMs: number;
  lossRate: number;
  /** Every frame that went onto the bus (before loss), for tests and benches. */
  readonly trace: { readonly from: string; readonly frame: CanFrame; readonly lost: boolean }[] = [];
  traceLimit = 10_000;

  constructor(options: MemoryCanBusOptions = {}) {
    this.scheduler = options.scheduler ?? wallClock;
    this.delayMs = options.delayMs ?? 0;
    this.lossRate = options.lossRate ?? 0;
    this.rng = (options.seed ?? 1) >>> 0 || 1;
  }

  /** xorshift32: a deterministic loss pattern for a given seed. */
  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng / 0x1_0000_0000;
  }

  node(name: string): MemoryCanNode {
    const st: NodeState = { name, frames$: new Subject(), errors$: new Subject(), filters: [], busOff: false, closed: false, sent: 0 };
    this.nodes.push(st);
    const transmit = (frame: CanFrame) => this.transmit(st, frame);
    return {
      name,
      frames$: st.frames$.asObservable(),
      errors$: st.errors$.asObservable(),
      get busOff() {
        return st.busOff;
      },
      get sentCount() {
        return st.sent;
      },
      send(frame) {
        if (st.closed) return err({ code: 'CLOSED', message: `CAN node ${name} is closed` });
        const bad = checkCanFrame(frame);
        if (bad) return err(bad);
        if (st.busOff) return err({ code: 'BUS_OFF', message: `CAN node ${name} is bus-off: nothing is sent until the controller restarts` });
        st.sent += 1;
        transmit({ id: frame.id, data: Uint8Array.from(frame.data) });
        return ok(undefined);
      },
      setFilters(filters) {
        st.filters = [...filters];
      },
      async close() {
        st.closed = true;
        st.frames$.complete();
        st.errors$.complete();
      },
    };
  }

  private transmit(from: NodeState, frame: CanFrame): void {
    const lost = this.lossRate > 0 && this.random() < this.lossRate;
    if (this.trace.length >= this.traceLimit) this.trace.shift();
    this.trace.push({ from: from.name, frame, lost });
    if (lost) return;
    const deliver = () => {
      const timestamp = this.scheduler.now();
      for (const n of this.nodes) {
        if (n === from || n.closed || n.busOff || !matchesFilters(frame.id, n.filters)) continue;
        n.frames$.next({ id: frame.id, data: frame.data, timestamp });
      }
    };
    if (this.delayMs > 0) this.scheduler.setTimeout(deliver, this.delayMs);
    else deliver();
  }

  /** Puts a node into bus-off (as after TEC > 255): it reports the error and goes silent. */
  injectBusOff(name: string): void {
    const n = this.nodes.find((x) => x.name === name && !x.closed);
    if (!n || n.busOff) return;
    n.busOff = true;
    n.errors$.next({ kind: 'bus-off', detail: 'controller bus-off (injected)', timestamp: this.scheduler.now() });
  }

  /** Restarts a bus-off node (as `ip link set can0 type can restart`). */
  restart(name: string): void {
    const n = this.nodes.find((x) => x.name === name && !x.closed);
    if (!n || !n.busOff) return;
    n.busOff = false;
    n.errors$.next({ kind: 'restarted', detail: 'controller restarted', timestamp: this.scheduler.now() });
  }

  /** Reports an error event on a node without changing its state (error-passive, no-ack, ...). */
  injectError(name: string, error: CanBusError): void {
    this.nodes.find((x) => x.name === name && !x.closed)?.errors$.next(error);
  }
}
