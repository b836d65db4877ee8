// MemorySegment: an in-memory Ethernet wire for the simulator and tests.
// Pure (no Node imports): `tsplc sim` without --netns and machine tests run on it.
//
// It behaves like one switchless shared medium, which is what a powerline
// segment between two Green PHY modems looks like from the hosts:
// - broadcast and multicast frames reach every other attached port,
// - a unicast frame reaches the port owning the destination MAC, and any
//   promiscuous port (foreign-MAC frames arrive with packetType 'otherhost'),
// - the sender never receives its own frame (no 'outgoing' delivery) on frames$;
//   a port's tap$ (for a session recorder) shows both: what it sent, as
//   'outgoing' at send time, and what it received, in the order they happened,
// - frames are padded to the 60-byte minimum as on a real wire,
// - delivery is always asynchronous (never inside send()), optionally delayed,
//   and optionally lossy with a seeded RNG so a lossy run is reproducible.
import { Subject, type Observable } from 'rxjs';
import type { EthernetFrame, EthernetPort, PacketType } from '../../src/ports/ethernet.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { bytesEqual, formatMac, parseMac } from '../../src/bytes.js';
import type { Clock } from '../../src/ports/clock.js';
import { wallClock } from '../clock/index.js';

export interface MemorySegmentOptions {
  /** One-way delay of every delivery in ms (default 0 = next microtask). */
  readonly delayMs?: number;
  /** Probability in [0, 1] that one delivery (one frame to one receiver) is lost. Default 0. */
  readonly loss?: number;
  /** Seed of the loss RNG (default 1): the same seed loses the same deliveries. */
  readonly seed?: number;
  /** Time of frame timestamps and of delayed deliveries (default: the wall clock; a SimulatedClock in tests). */
  readonly clock?: Clock;
  /**
   * Where a delivery without delay runs: 'microtask' (default) on the next microtask, so a
   * session that awaits between clock steps sees a reply at the same instant; 'clock' as a
   * zero-delay timer of the clock, so a test that steps a SimulatedClock synchronously (and never
   * awaits) sees it on the next step. Either way never inside send().
   */
  readonly zeroDelay?: 'microtask' | 'clock';
  readonly logger?: Logger;
  /** Largest frame accepted without FCS (default 1514 = MTU 1500 + header). */
  readonly maxFrameLength?: number;
}

export interface MemoryPortOptions {
  /** EtherTypes delivered to this port (default: all), as the AF_PACKET port filters them. */
  readonly etherTypes?: readonly number[];
}

export interface MemoryPort extends EthernetPort {
  readonly promiscuous: boolean;
  readonly isOpen: boolean;
  /**
   * A capture of this station's interface: every frame it sent (packetType 'outgoing', timestamp
   * of the send) and every frame delivered to it, in order — what an AF_PACKET capture tap with
   * includeOutgoing shows on a real interface. Frames only; the EtherType filter does not apply.
   */
  readonly tap$: Observable<EthernetFrame>;
}

/** A frame as it crossed the wire (for recorders and assertions). */
export interface WireFrame {
  readonly from: string;
  readonly data: Uint8Array;
  readonly timestamp: number;
}

export interface SegmentStats {
  readonly sent: number;
  readonly delivered: number;
  readonly lost: number;
  /** Frames rejected at send (shorter than a header, longer than maxFrameLength, port closed). */
  readonly rejected: number;
}

interface Attached {
  readonly name: string;
  readonly mac: Uint8Array;
  readonly etherTypes: ReadonlySet<number> | undefined;
  readonly frames: Subject<EthernetFrame>;
  readonly tap: Subject<EthernetFrame>;
  promiscuous: boolean;
  open: boolean;
}

const MIN_FRAME = 60;

/** mulberry32: small, fast, good enough for reproducible loss patterns. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class MemorySegment {
  private readonly ports: Attached[] = [];
  private readonly wire = new Subject<WireFrame>();
  private readonly clock: Clock;
  private readonly zeroDelay: 'microtask' | 'clock';
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly maxFrameLength: number;
  private delayMs: number;
  private loss: number;
  private counters = { sent: 0, delivered: 0, lost: 0, rejected: 0 };

  /** Every frame put on the wire, once, at send time (after padding). */
  readonly wire$: Observable<WireFrame> = this.wire.asObservable();

  constructor(options: MemorySegmentOptions = {}) {
    this.clock = options.clock ?? wallClock;
    this.zeroDelay = options.zeroDelay ?? 'microtask';
    this.random = seededRandom(options.seed ?? 1);
    this.log = (options.logger ?? nullLogger).child('segment');
    this.maxFrameLength = options.maxFrameLength ?? 1514;
    this.delayMs = 0;
    this.loss = 0;
    this.setConditions({ delayMs: options.delayMs ?? 0, loss: options.loss ?? 0 });
  }

  /** Changes delay/loss while running (e.g. to cut the link in a fault-injection test: loss 1). */
  setConditions(c: { delayMs?: number; loss?: number }): void {
    if (c.delayMs !== undefined) {
      if (!(c.delayMs >= 0) || !Number.isFinite(c.delayMs)) throw new RangeError(`delayMs must be >= 0, got ${c.delayMs}`);
      this.delayMs = c.delayMs;
    }
    if (c.loss !== undefined) {
      if (!(c.loss >= 0 && c.loss <= 1)) throw new RangeError(`loss must be in [0, 1], got ${c.loss}`);
      this.loss = c.loss;
    }
  }

  stats(): SegmentStats {
    return { ...this.counters };
  }

  /** Names of the open ports. */
  get portNames(): string[] {
    return this.ports.filter((p) => p.open).map((p) => p.name);
  }

  /**
   * Attaches a station. `mac` as 6 bytes or 'aa:bb:cc:dd:ee:ff'. Throws RangeError
   * (at setup time) for a malformed MAC or a name already attached.
   */
  attach(name: string, mac: Uint8Array | string, options: MemoryPortOptions = {}): MemoryPort {
    const macBytes = typeof mac === 'string' ? parseMac(mac) : mac.length === 6 ? mac.slice() : undefined;
    if (!macBytes) throw new RangeError(`attach(${name}): MAC must be 6 bytes, got ${String(mac)}`);
    if (this.ports.some((p) => p.open && p.name === name)) throw new RangeError(`attach: a port named ${name} is already attached`);
    const station: Attached = {
      name,
      mac: macBytes,
      etherTypes: options.etherTypes && options.etherTypes.length > 0 ? new Set(options.etherTypes) : undefined,
      frames: new Subject<EthernetFrame>(),
      tap: new Subject<EthernetFrame>(),
      promiscuous: false,
      open: true,
    };
    this.ports.push(station);
    this.log.log('debug', 'attached', { name, mac: formatMac(macBytes) });
    const transmit = (frame: Uint8Array) => this.transmit(station, frame);
    const detach = () => {
      const i = this.ports.indexOf(station);
      if (i >= 0) this.ports.splice(i, 1);
    };
    return {
      name,
      mac: macBytes,
      frames$: station.frames.asObservable(),
      tap$: station.tap.asObservable(),
      get promiscuous() {
        return station.promiscuous;
      },
      get isOpen() {
        return station.open;
      },
      send(frame: Uint8Array) {
        transmit(frame);
      },
      setPromiscuous(on: boolean) {
        station.promiscuous = on;
      },
      close() {
        if (!station.open) return;
        station.open = false;
        detach();
        station.frames.complete();
        station.tap.complete();
      },
    };
  }

  private transmit(from: Attached, frame: Uint8Array): void {
    if (!from.open) {
      this.counters.rejected++;
      this.log.log('warn', 'send on a closed port ignored', { port: from.name });
      return;
    }
    if (frame.length < 14 || frame.length > this.maxFrameLength) {
      this.counters.rejected++;
      this.log.log('warn', 'frame rejected: length out of range', { port: from.name, length: frame.length });
      return;
    }
    // Copy (the caller may reuse its buffer) and pad to the 802.3 minimum.
    const data = new Uint8Array(Math.max(MIN_FRAME, frame.length));
    data.set(frame);
    this.counters.sent++;
    const sentAt = this.clock.now();
    this.wire.next({ from: from.name, data, timestamp: sentAt });
    from.tap.next({ data: data.slice(), timestamp: sentAt, packetType: 'outgoing' });

    const dst = data.subarray(0, 6);
    const etherType = ((data[12] as number) << 8) | (data[13] as number);
    const isBroadcast = dst.every((b) => b === 0xff);
    const isMulticast = !isBroadcast && ((dst[0] as number) & 0x01) === 1;
    for (const to of this.ports) {
      if (to === from || !to.open) continue;
      // A capture sees every EtherType; the port's filter decides only what frames$ delivers.
      const wanted = !to.etherTypes || to.etherTypes.has(etherType);
      if (!wanted && !to.tap.observed) continue;
      let packetType: PacketType;
      if (isBroadcast) packetType = 'broadcast';
      else if (isMulticast) packetType = 'multicast';
      else if (bytesEqual(dst, to.mac)) packetType = 'host';
      else if (to.promiscuous) packetType = 'otherhost';
      else continue;
      // Loss is drawn per delivery in attach order, so a seed gives the same pattern
      // for the same traffic.
      if (this.loss > 0 && this.random() < this.loss) {
        this.counters.lost++;
        continue;
      }
      const copy = data.slice();
      this.deliverAfter(() => {
        if (!to.open) return; // closed while the frame was in flight
        const frame: EthernetFrame = { data: copy, timestamp: this.clock.now(), packetType };
        to.tap.next({ ...frame, data: copy.slice() });
        if (!wanted) return;
        this.counters.delivered++;
        to.frames.next(frame);
      }, this.delayMs);
    }
  }

  private deliverAfter(fn: () => void, delayMs: number): void {
    if (delayMs <= 0 && this.zeroDelay === 'microtask') queueMicrotask(fn);
    else this.clock.setTimeout(fn, delayMs);
  }
}
