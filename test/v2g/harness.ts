// Back-to-back harness: the EV and EVSE session machines wired through the
// dialects and the real EXI codec (every document is encoded to bytes and
// decoded again, as on the wire), on one SimulatedClock that also drives the
// sim board's physics (boards/sim) and the safety monitor (src/domain/safety). A
// requestSafeShutdown from the EV starts the real SafeShutdownSequence on the
// sim hardware, so its invariants are checked to the very end.
import { createActor, SimulatedClock, type Actor } from 'xstate';
import { createSimBoard, type SimBoard, type SimPlantOptions } from '../../boards/sim/index.js';
import { startSafeShutdown, type SafeShutdownOutput, type SafeShutdownRun } from '../../machines/safe-shutdown/index.js';
import { v2gEvMachine, type V2gEvOutput } from '../../machines/v2g-ev/index.js';
import { v2gEvseMachine, type V2gEvseOutput } from '../../machines/v2g-evse/index.js';
import { decode, encode, type SchemaId as ExiSchemaId } from '../../src/codecs/exi/index.js';
import type { BatteryState } from '../../src/ports/hardware.js';
import { memoryLogger } from '../../src/ports/log.js';
import { attachSafetyMonitor, type SafetyMonitor } from '../../src/domain/safety/index.js';
import type { StatusUpdate } from '../../src/status.js';
import { v2gEvDefaults, v2gEvseDefaults, type V2gEvConfig, type V2gEvseConfig } from '../../src/domain/v2g/config.js';
import type { OutgoingDocument, V2gDocument } from '../../src/domain/v2g/document.js';
import type { FaultScenario } from '../../src/domain/v2g/faults.js';

export interface HarnessOptions {
  readonly ev?: Partial<V2gEvConfig>;
  readonly evse?: Partial<V2gEvseConfig>;
  readonly faults?: FaultScenario;
  readonly plant?: SimPlantOptions;
  /** One-way link latency, ms. */
  readonly latencyMs?: number;
  /** Drop every document the EVSE sends after this predicate says so (a silent charger). */
  readonly dropEvseToEv?: (doc: V2gDocument, index: number) => boolean;
  /**
   * How the EV decodes bytes returned by tamperEvseToEv (default: the strict codec), e.g. the
   * runtime's lenient per-session decoder.
   */
  readonly evDecode?: (schema: ExiSchemaId, bytes: Uint8Array) => { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
  /** The EVSE's random source (SessionID); default a fixed LCG. */
  readonly randomBytes?: (n: number) => Uint8Array;
  /** Replace what the EV would receive (garbage, wrong type, ...). */
  readonly tamperEvseToEv?: (doc: V2gDocument, index: number) => V2gDocument | Uint8Array;
  /** The EV session hears no HW.CURRENT (a board without a current sensor; the sim still measures for the monitor). */
  readonly withoutCurrentSensor?: boolean;
  /** Let the EVSE stop/SOC etc. be driven by the test at given virtual times. */
  readonly script?: ReadonlyArray<{ readonly atMs: number; readonly run: (h: Harness) => void }>;
}

export interface Harness {
  readonly clock: SimulatedClock;
  readonly board: SimBoard;
  readonly ev: Actor<typeof v2gEvMachine>;
  readonly evse: Actor<typeof v2gEvseMachine>;
  readonly monitor: SafetyMonitor;
  readonly evStatus: StatusUpdate[];
  readonly evseStatus: StatusUpdate[];
  /** Every document on the link, in order, as [direction, body element or root name]. */
  readonly trace: Array<{ readonly t: number; readonly dir: 'ev→evse' | 'evse→ev'; readonly name: string; readonly doc: V2gDocument }>;
  readonly evLog: ReturnType<typeof memoryLogger>;
  readonly evseLog: ReturnType<typeof memoryLogger>;
  shutdown: SafeShutdownRun | undefined;
  shutdownRequested: boolean;
  shutdownOutput: SafeShutdownOutput | undefined;
  readonly codecErrors: string[];
  evseClosedTransport: number;
}

function nameOf(doc: V2gDocument): string {
  if ('V2G_Message' in doc) return Object.keys(doc.V2G_Message.Body)[0] ?? '?';
  return Object.keys(doc)[0] ?? '?';
}

/** Encode and decode through the real EXI codec, as the runtime does on the wire. */
function throughExi(out: OutgoingDocument): { ok: true; doc: V2gDocument } | { ok: false; error: string } {
  const bytes = encode(out.schema as ExiSchemaId, out.doc as never);
  if (!bytes.ok) return { ok: false, error: `encode ${out.schema}: ${bytes.error.code} ${bytes.error.message}` };
  const back = decode(out.schema as ExiSchemaId, bytes.value);
  if (!back.ok) return { ok: false, error: `decode ${out.schema}: ${back.error.code} ${back.error.message}` };
  return { ok: true, doc: back.value as unknown as V2gDocument };
}

export function battery(b: SimBoard): BatteryState {
  let s: BatteryState | undefined;
  b.ev.battery.state$.subscribe((x) => (s = x)).unsubscribe();
  if (!s) throw new Error('sim battery has no state');
  return s;
}

export function createHarness(o: HarnessOptions = {}): Harness {
  const clock = new SimulatedClock();
  const board = createSimBoard({ scheduler: clock, ...o.plant });
  const monitor = attachSafetyMonitor(board.ev, {}, { clock });
  const latency = o.latencyMs ?? 5;
  const evLog = memoryLogger('ev');
  const evseLog = memoryLogger('evse');
  let seed = 0x12345678;
  const randomBytes = (n: number) =>
    Uint8Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    });

  const h = {
    clock,
    board,
    monitor,
    evStatus: [] as StatusUpdate[],
    evseStatus: [] as StatusUpdate[],
    trace: [] as Harness['trace'],
    evLog,
    evseLog,
    shutdown: undefined as SafeShutdownRun | undefined,
    shutdownRequested: false,
    shutdownOutput: undefined as SafeShutdownOutput | undefined,
    codecErrors: [] as string[],
    evseClosedTransport: 0,
  } as Harness;
  let evseToEvIndex = 0;
  let transportOpen = true;

  const ev = createActor(
    v2gEvMachine.provide({
      actions: {
        send: (_, out) => {
          h.trace.push({ t: clock.now(), dir: 'ev→evse', name: nameOf(out.doc), doc: out.doc });
          const wire = throughExi(out);
          clock.setTimeout(() => {
            if (!transportOpen) return;
            if (evse.getSnapshot().status !== 'active') return;
            if (!wire.ok) {
              h.codecErrors.push(wire.error);
              evse.send({ type: 'V2G.DECODE_ERROR', error: { code: 'EXI', message: wire.error } });
            } else evse.send({ type: 'V2G.REQ', doc: wire.doc });
          }, latency);
        },
        setCpState: (_, p) => board.ev.controlPilot.setState(p.state),
        lockConnector: () => board.ev.connectorLock?.lock(),
        unlockConnector: () => board.ev.connectorLock?.unlock(),
        closeContactors: () => board.ev.contactors.close(),
        openContactors: () => board.ev.contactors.open(),
        requestSafeShutdown: (_, p) => {
          if (h.shutdownRequested) return;
          h.shutdownRequested = true;
          // Started outside the action (as the runtime does): creating an actor inside another
          // actor's action makes XState warn, and the shutdown must not depend on the session actor.
          clock.setTimeout(() => {
            h.shutdown = startSafeShutdown(board.ev, { clock, reason: p.reason });
            const run = h.shutdown;
            void run.settled.then((out) => {
              h.shutdownOutput = out;
              // Ended: release its hardware subscriptions (as the runtime does).
              run.stop();
            });
          }, 0);
        },
        reportStatus: (_, u) => void h.evStatus.push(u),
      },
    }),
    { clock, input: { config: { ...v2gEvDefaults, ...o.ev, timeouts: { ...v2gEvDefaults.timeouts, ...o.ev?.timeouts } }, battery: battery(board), logger: evLog } },
  );
  const evse = createActor(
    v2gEvseMachine.provide({
      actions: {
        send: (_, out) => {
          const i = evseToEvIndex++;
          h.trace.push({ t: clock.now(), dir: 'evse→ev', name: nameOf(out.doc), doc: out.doc });
          if (o.dropEvseToEv?.(out.doc, i)) return;
          const tampered = o.tamperEvseToEv?.(out.doc, i);
          const wire = tampered instanceof Uint8Array ? undefined : throughExi({ schema: out.schema, doc: tampered ?? out.doc });
          clock.setTimeout(() => {
            if (!transportOpen && !wire) return;
            if (ev.getSnapshot().status !== 'active') return;
            if (tampered instanceof Uint8Array) {
              const r = o.evDecode ? o.evDecode(out.schema as ExiSchemaId, tampered) : decode(out.schema as ExiSchemaId, tampered);
              if (r.ok) ev.send({ type: 'V2G.RES', doc: r.value as unknown as V2gDocument });
              else ev.send({ type: 'V2G.DECODE_ERROR', error: r.error });
              return;
            }
            if (!wire || !wire.ok) {
              h.codecErrors.push(wire?.error ?? 'no wire');
              ev.send({ type: 'V2G.DECODE_ERROR', error: { code: 'EXI', message: wire?.error ?? '' } });
            } else ev.send({ type: 'V2G.RES', doc: wire.doc });
          }, latency);
        },
        setPowerSupply: (_, p) => board.evse.powerSupply.setTarget(p.voltage, p.current),
        powerSupplyOff: () => board.evse.powerSupply.off(),
        startIsolationCheck: (_, p) => {
          void board.evse.powerSupply.isolationCheck(p.voltage).then((status) => {
            if (evse.getSnapshot().status === 'active') evse.send({ type: 'PS.ISOLATION', status });
          });
        },
        closeTransport: () => {
          h.evseClosedTransport++;
          // The EV sees the connection end after the bytes in flight (TCP FIN after the last segment).
          clock.setTimeout(() => {
            if (!transportOpen) return;
            transportOpen = false;
            if (ev.getSnapshot().status === 'active') ev.send({ type: 'V2G.TRANSPORT_CLOSED', reason: 'closed by EVSE' });
          }, latency + 1);
        },
        reportStatus: (_, u) => void h.evseStatus.push(u),
      },
    }),
    {
      clock,
      input: {
        config: { ...v2gEvseDefaults, ...o.evse, timeouts: { ...v2gEvseDefaults.timeouts, ...o.evse?.timeouts } },
        randomBytes: o.randomBytes ?? randomBytes,
        logger: evseLog,
        ...(o.faults ? { faults: o.faults } : {}),
      },
    },
  );
  Object.assign(h, { ev, evse });
  const toEv = (e: Parameters<typeof ev.send>[0]) => {
    if (ev.getSnapshot().status === 'active') ev.send(e);
  };
  const toEvse = (e: Parameters<typeof evse.send>[0]) => {
    if (evse.getSnapshot().status === 'active') evse.send(e);
  };
  ev.start();
  evse.start();
  // Hardware facts → events (after start: BehaviorSubjects emit on subscribe).
  board.ev.connectorLock?.state$.subscribe((state) => toEv({ type: 'HW.LOCK', state }));
  board.ev.contactors.closed$.subscribe((closed) => toEv({ type: 'HW.CONTACTORS', closed }));
  board.ev.inletVoltage?.volts$.subscribe((volts) => toEv({ type: 'HW.INLET_VOLTAGE', volts }));
  if (!o.withoutCurrentSensor) board.ev.current?.amps$.subscribe((amps) => toEv({ type: 'HW.CURRENT', amps }));
  board.ev.battery.state$.subscribe((state) => toEv({ type: 'HW.BATTERY', state }));
  board.evse.powerSupply.reading$.subscribe((reading) => toEvse({ type: 'PS.READING', reading }));
  // When the EV's session ends, its connection closes (the EVSE sees TCP FIN).
  ev.subscribe({
    complete: () =>
      clock.setTimeout(() => {
        if (transportOpen) {
          transportOpen = false;
          toEvse({ type: 'V2G.TRANSPORT_CLOSED', reason: 'EV closed' });
        }
      }, latency),
  });
  for (const s of o.script ?? []) clock.setTimeout(() => s.run(h), s.atMs);
  return h;
}

/**
 * Runs virtual time in small steps (physics and delays interleave; promises of
 * the sim hardware settle between steps) until the EV ended and its safe
 * shutdown (if any) settled, or maxMs passed.
 */
export async function runToEnd(h: Harness, maxMs = 600_000, stepMs = 10): Promise<{ ev: V2gEvOutput | undefined; evse: V2gEvseOutput | undefined; ms: number }> {
  const t0 = h.clock.now();
  let settleSteps = 0;
  while (h.clock.now() - t0 < maxMs) {
    h.clock.increment(stepMs);
    await Promise.resolve();
    await Promise.resolve();
    const evDone = h.ev.getSnapshot().status === 'done';
    const shutdownDone = !h.shutdownRequested || h.shutdownOutput !== undefined;
    if (evDone && shutdownDone) {
      // A little more time so the EVSE sees the connection end and the last physics settle.
      if (++settleSteps > 200) break;
    }
  }
  const evSnap = h.ev.getSnapshot();
  const evseSnap = h.evse.getSnapshot();
  return {
    ev: evSnap.status === 'done' ? evSnap.output : undefined,
    evse: evseSnap.status === 'done' ? evseSnap.output : undefined,
    ms: h.clock.now() - t0,
  };
}

export function names(h: Harness, dir?: 'ev→evse' | 'evse→ev'): string[] {
  return h.trace.filter((t) => !dir || t.dir === dir).map((t) => t.name);
}

export function checkpoints(list: readonly StatusUpdate[]): number[] {
  return list.flatMap((u) => (u.checkpoint !== undefined ? [u.checkpoint] : []));
}

export function stop(h: Harness): void {
  h.ev.stop();
  h.evse.stop();
  h.shutdown?.stop();
  h.monitor.stop();
  void h.board.close();
}
