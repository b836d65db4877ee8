// A desk of hosts and emulated modems in one process, on one SimulatedClock:
// each host has its own MemorySegment (its "cable" to its modem); the
// ModemSim plays the modems and the powerline between the segments.
import { createActor, SimulatedClock } from 'xstate';
import { MemorySegment, type MemoryPort } from '../../drivers/ethernet/memory.js';
import { ModemSim, type ModemSimEvent, type StationOptions } from '../../drivers/modem-sim/index.js';
import { bridgePort, type MmeBridge } from '../../src/domain/slac/bridge.js';
import type { StatusUpdate } from '../../src/status.js';
import type { EthernetFrame } from '../../src/ports/ethernet.js';

export class Desk {
  readonly clock = new SimulatedClock();
  readonly sim = new ModemSim({ clock: this.clock });
  readonly simEvents: ModemSimEvent[] = [];
  readonly status: (StatusUpdate & { host: string })[] = [];
  readonly hosts = new Map<string, { port: MemoryPort; segment: MemorySegment; received: EthernetFrame[] }>();

  constructor() {
    this.sim.events$.subscribe((e) => this.simEvents.push(e));
  }

  /** A host with its MAC, cabled to an emulated modem with these options. */
  host(name: string, mac: Uint8Array, modem: Omit<StationOptions, 'name'> = {}): MemoryPort {
    const segment = new MemorySegment({ clock: this.clock, zeroDelay: 'clock' });
    const port = segment.attach(name, mac);
    const modemPort = segment.attach(`${name}-modem`, new Uint8Array([0x00, 0xb0, 0x52, 0xee, 0xee, this.hosts.size + 1]));
    this.sim.addStation(modemPort, { name, ...modem });
    const received: EthernetFrame[] = [];
    port.frames$.subscribe((f) => received.push(f));
    this.hosts.set(name, { port, segment, received });
    return port;
  }

  reporter(host: string): (u: StatusUpdate) => void {
    return (u) => this.status.push({ ...u, time: this.clock.now(), host });
  }

  run(ms: number, step = 1): void {
    for (let t = 0; t < ms; t += step) this.clock.increment(step);
  }

  /** Runs until `done()` or `maxMs` of simulated time. */
  runUntil(done: () => boolean, maxMs: number, step = 1): number {
    const start = this.clock.now();
    while (!done() && this.clock.now() - start < maxMs) this.clock.increment(step);
    return this.clock.now() - start;
  }

  bridge<A extends { send(e: never): void }>(port: MemoryPort, actor: () => A | undefined, acceptForeign = false): MmeBridge {
    return bridgePort(port, () => actor() as unknown as { send(e: unknown): void }, { acceptForeign });
  }
}

export { createActor };
