// CanPort over Linux SocketCAN through the npm `socketcan` package (optional
// dependency, loaded by dynamic import only when a board uses CAN).
// socketcan 4.2+ requires Node 22 (engines ^22.22.2 || ^24.15 || >=26); the
// project runs on Node 20, so package.json pins ~4.0.7, the last release that
// builds (nan, node-gyp) and runs on Node 20.
// The binding's constructor gives no errno ("Error while creating channel"),
// so the reason is found from sysfs: no AF_CAN in the kernel, no interface, or
// the interface down — each with the command that fixes it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Subject } from 'rxjs';
import { checkCanFrame, matchesFilters, type CanBusError, type CanErrorKind, type CanFilter, type CanFrame, type CanPort } from '../../src/ports/can.js';
import { err, ok, type Result } from '../../src/result.js';
import { errorMessage } from '../../src/errors.js';

export type CanOpenErrorCode = 'DRIVER_MISSING' | 'NO_AF_CAN' | 'NO_SUCH_INTERFACE' | 'INTERFACE_DOWN' | 'OPEN_FAILED';

export interface CanOpenError {
  readonly code: CanOpenErrorCode;
  readonly ifname: string;
  readonly message: string;
}

function setupHint(ifname: string, bitrate: number): string {
  return `bring it up with \`sudo ip link set ${ifname} up type can bitrate ${bitrate}\``;
}

function interfaces(): string[] {
  try {
    return readdirSync('/sys/class/net').sort();
  } catch {
    return [];
  }
}

/** Why `ifname` cannot be opened, as far as sysfs/procfs tell (exported for tests). */
export function diagnoseCanInterface(ifname: string, bitrate: number, afCanLoaded = existsSync('/proc/net/can')): CanOpenError | undefined {
  const present = interfaces();
  if (!present.includes(ifname)) {
    const cans = present.filter((n) => /^v?can/.test(n));
    return {
      code: afCanLoaded ? 'NO_SUCH_INTERFACE' : 'NO_AF_CAN',
      ifname,
      message:
        `There is no CAN interface named '${ifname}'` +
        (cans.length ? ` (CAN interfaces present: ${cans.join(', ')})` : ' (no CAN interface present)') +
        (afCanLoaded ? '' : '; this kernel has no SocketCAN (AF_CAN) loaded: `sudo modprobe can-raw` and the CAN HAT overlay (e.g. dtoverlay=mcp2515-can0 in /boot/config.txt)') +
        `. Once the interface exists, ${setupHint(ifname, bitrate)}.`,
    };
  }
  let state = '';
  try {
    state = readFileSync(`/sys/class/net/${ifname}/operstate`, 'utf8').trim();
  } catch {
    // operstate unreadable: leave the decision to the open attempt.
  }
  if (state === 'down') return { code: 'INTERFACE_DOWN', ifname, message: `CAN interface ${ifname} is down: ${setupHint(ifname, bitrate)}.` };
  return undefined;
}

interface RawMessage {
  id: number;
  ext?: boolean;
  rtr?: boolean;
  err?: boolean;
  data: Buffer;
  ts_sec?: number;
  ts_usec?: number;
}
interface RawChannel {
  addListener(event: 'onMessage', cb: (m: RawMessage) => void): void;
  addListener(event: 'onStopped', cb: () => void): void;
  start(): void;
  stop(): void;
  send(m: { id: number; ext: boolean; rtr: boolean; data: Buffer }): void;
  setRxFilters(filters: Record<string, unknown>[]): void;
}

// linux/can/error.h: error classes in the error frame's id, controller details in data[1].
const CAN_ERR_TX_TIMEOUT = 0x001;
const CAN_ERR_CRTL = 0x004;
const CAN_ERR_ACK = 0x020;
const CAN_ERR_BUSOFF = 0x040;
const CAN_ERR_RESTARTED = 0x100;
const CAN_ERR_CRTL_RX_WARNING = 0x04;
const CAN_ERR_CRTL_TX_WARNING = 0x08;
const CAN_ERR_CRTL_RX_PASSIVE = 0x10;
const CAN_ERR_CRTL_TX_PASSIVE = 0x20;

/** Maps a SocketCAN error frame to error events (exported for tests). */
export function errorFrameKinds(id: number, data: Uint8Array): CanErrorKind[] {
  const kinds: CanErrorKind[] = [];
  if (id & CAN_ERR_BUSOFF) kinds.push('bus-off');
  if (id & CAN_ERR_RESTARTED) kinds.push('restarted');
  if (id & CAN_ERR_ACK) kinds.push('no-ack');
  if (id & CAN_ERR_TX_TIMEOUT) kinds.push('tx-timeout');
  if (id & CAN_ERR_CRTL) {
    const d = data[1] ?? 0;
    if (d & (CAN_ERR_CRTL_RX_PASSIVE | CAN_ERR_CRTL_TX_PASSIVE)) kinds.push('error-passive');
    else if (d & (CAN_ERR_CRTL_RX_WARNING | CAN_ERR_CRTL_TX_WARNING)) kinds.push('warning');
  }
  if (kinds.length === 0) kinds.push('other');
  return kinds;
}

export async function openSocketCan(ifname: string, bitrate = 500_000): Promise<Result<CanPort, CanOpenError>> {
  // Diagnose first: the binding's own error names no cause.
  const bad = diagnoseCanInterface(ifname, bitrate);
  if (bad) return err(bad);
  let createRawChannel: (name: string, timestamps?: boolean) => RawChannel;
  try {
    const mod = (await import('socketcan')) as unknown as { createRawChannel: typeof createRawChannel };
    createRawChannel = mod.createRawChannel;
  } catch (e) {
    return err({
      code: 'DRIVER_MISSING',
      ifname,
      message: `the optional package 'socketcan' is not installed or not built (npm install socketcan@~4.0.7; needs build-essential and python3): ${errorMessage(e)}`,
    });
  }
  let ch: RawChannel;
  try {
    ch = createRawChannel(ifname, true);
  } catch (e) {
    return err({ code: 'OPEN_FAILED', ifname, message: `cannot open CAN interface ${ifname} (${errorMessage(e)}); check that it is up: ${setupHint(ifname, bitrate)}` });
  }
  const frames$ = new Subject<CanFrame>();
  const errors$ = new Subject<CanBusError>();
  let filters: readonly CanFilter[] = [];
  let busOff = false;
  let closed = false;
  ch.addListener('onMessage', (m) => {
    const timestamp = m.ts_sec !== undefined ? m.ts_sec * 1000 + (m.ts_usec ?? 0) / 1000 : Date.now();
    if (m.err) {
      for (const kind of errorFrameKinds(m.id, m.data)) {
        if (kind === 'bus-off') busOff = true;
        if (kind === 'restarted') busOff = false;
        errors$.next({ kind, detail: `error frame id 0x${m.id.toString(16)} data ${m.data.toString('hex')}`, timestamp });
      }
      return;
    }
    if (m.ext || m.rtr || !matchesFilters(m.id, filters)) return;
    frames$.next({ id: m.id, data: new Uint8Array(m.data), timestamp });
  });
  ch.addListener('onStopped', () => {
    if (!closed) errors$.next({ kind: 'other', detail: `CAN channel ${ifname} stopped` });
  });
  ch.start();
  return ok({
    name: ifname,
    frames$: frames$.asObservable(),
    errors$: errors$.asObservable(),
    send(frame) {
      if (closed) return err({ code: 'CLOSED', message: `CAN interface ${ifname} is closed` });
      const e = checkCanFrame(frame);
      if (e) return err(e);
      if (busOff) return err({ code: 'BUS_OFF', message: `CAN interface ${ifname} is bus-off (restart: sudo ip link set ${ifname} type can restart-ms 100)` });
      try {
        ch.send({ id: frame.id, ext: false, rtr: false, data: Buffer.from(frame.data) });
        return ok(undefined);
      } catch (x) {
        return err({ code: 'SEND_FAILED', message: `CAN send on ${ifname} failed: ${errorMessage(x)}` });
      }
    },
    setFilters(f) {
      // Filtered in TypeScript as well, so the in-memory twin and this driver agree exactly.
      filters = [...f];
      if (f.length > 0) ch.setRxFilters(f.map((x) => ({ id: x.id, mask: x.mask })));
    },
    async close() {
      if (closed) return;
      closed = true;
      ch.stop();
      frames$.complete();
      errors$.complete();
    },
  });
}
