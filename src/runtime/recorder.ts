// Session records (ARCHITECTURE §5): for every session a pcapng of the link
// (every frame the interface saw: HomePlug, NDP, SDP, TCP) and a JSON-lines log
// of the decoded V2G messages and status updates, named by time and a counter,
// with bounded disk use (oldest records go first). pyPLC users know this as the
// per-session starter (log file + tcpdump pcap numbered by a counter).
// Status updates also become pcapng comments on the next frame captured after
// them, so Wireshark shows where SLAC, SDP, TCP and the session stood.
//
// What a flood can write is bounded (issue 8: 43 MB of record in 40 s of CM_SLAC_PARM.REQ):
// - frames neither from nor to this station (other stations' broadcasts, a flood from foreign
//   MACs) are recorded at most `foreignFps` per second (a token bucket on the frame timestamps);
//   the ones left out are counted and the count goes into the comment of the next recorded frame
//   and into the JSON-lines log — the record says where it is incomplete;
// - one record holds at most `maxSessionMb`; the first write beyond it cuts the record: a
//   'truncated' line in the JSON-lines log, a warning, nothing more until the next record. The
//   pcapng stays readable because only whole blocks are ever appended.
// Frames from or to this station are always recorded (within the size bound): they are the session.
import { appendFileSync, mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapngWriter } from '../codecs/capture/pcapng-writer.js';
import { toHex } from '../bytes.js';
import type { Logger } from '../ports/log.js';
import type { StatusUpdate } from '../status.js';
import type { WireRecord } from './v2g-transport.js';
import { errorMessage } from '../errors.js';

export interface RecorderOptions {
  readonly dir: string;
  readonly role: string;
  /** Bound on the directory's total size, MB. */
  readonly maxMb: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** The captured interface, written as the pcapng if_name. */
  readonly interfaceName?: string;
  /** This station's MAC: frames from or to it are never rate-capped. Without it every frame counts as this station's. */
  readonly ownMac?: Uint8Array;
  /** Bound of one record (pcapng + JSON lines), MB (default: no bound beyond maxMb). */
  readonly maxSessionMb?: number;
  /** Foreign frames recorded per second at most (0 or absent: no cap). */
  readonly foreignFps?: number;
}

/** What the bounds left out of the current record. */
export interface RecorderDrops {
  /** Foreign frames not recorded (foreignFps cap). */
  readonly foreignFrames: number;
  /** Frames and lines not written because the record reached maxSessionMb. */
  readonly truncated: boolean;
}

/** Comments waiting for the next frame; beyond this many (a silent link) the oldest are dropped. */
const MAX_PENDING_COMMENTS = 64;

/** 'checkpoint 203: sdp done' / 'slac WaitForAttenChar' (details stay in the JSON-lines log). */
export function statusComment(u: StatusUpdate): string {
  return u.checkpoint !== undefined ? `checkpoint ${u.checkpoint}: ${u.layer} ${u.state}` : `${u.layer} ${u.state}`;
}

function startsWith(data: Uint8Array, at: number, mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (data[at + i] !== mac[i]) return false;
  return true;
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? toHex(x) : x));

export class SessionRecorder {
  private readonly pcap: PcapngWriter;
  private pending: string[] = [];
  private base: string | undefined;
  private counter = 0;
  private readonly now: () => number;
  private bytes = 0;
  private truncated = false;
  /** Foreign frames left out since the last recorded frame / in the whole record. */
  private foreignSkipped = 0;
  private foreignSkippedTotal = 0;
  private tokens = 0;
  private lastRefill = NaN;

  constructor(private readonly o: RecorderOptions) {
    this.now = o.now ?? Date.now;
    this.pcap = new PcapngWriter({ interfaces: [o.interfaceName !== undefined ? { name: o.interfaceName } : {}] });
    mkdirSync(o.dir, { recursive: true });
    // Continue the counter after the records already there.
    for (const f of readdirSync(o.dir)) {
      const m = /^\d{8}-\d{6}-(\d+)-/.exec(f);
      if (m) this.counter = Math.max(this.counter, Number(m[1]));
    }
  }

  get current(): string | undefined {
    return this.base;
  }

  /** Starts a new record (closing the previous one). Returns the base path. */
  start(): string {
    this.stop();
    this.prune();
    const d = new Date(this.now());
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const stamp = `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}-${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}`;
    this.counter++;
    this.pending = [];
    this.bytes = 0;
    this.truncated = false;
    this.foreignSkipped = 0;
    this.foreignSkippedTotal = 0;
    this.tokens = this.o.foreignFps ?? 0;
    this.lastRefill = NaN;
    this.base = join(this.o.dir, `${stamp}-${String(this.counter).padStart(4, '0')}-${this.o.role}`);
    try {
      const header = this.pcap.header();
      const first = json({ t: this.now(), kind: 'start', role: this.o.role }) + '\n';
      writeFileSync(`${this.base}.pcapng`, header);
      writeFileSync(`${this.base}.jsonl`, first);
      this.bytes = header.length + Buffer.byteLength(first);
      this.o.logger.log('info', 'session record started', { file: this.base });
    } catch (e) {
      this.o.logger.log('error', 'cannot write the session record: recording off', { error: errorMessage(e) });
      this.base = undefined;
    }
    return this.base ?? '';
  }

  get drops(): RecorderDrops {
    return { foreignFrames: this.foreignSkippedTotal, truncated: this.truncated };
  }

  frame(timestamp: number, data: Uint8Array): void {
    if (!this.base || this.truncated) return;
    if (!this.admitFrame(timestamp, data)) return;
    const comments = this.pending;
    this.pending = [];
    if (this.foreignSkipped > 0) {
      comments.push(`${this.foreignSkipped} frames neither from nor to this station not recorded (session_record_foreign_fps)`);
      this.foreignSkipped = 0;
    }
    this.append('.pcapng', this.pcap.record(comments.length > 0 ? { timestamp, data, comments } : { timestamp, data }));
  }

  /** The foreign-frame cap: a token bucket of foreignFps tokens, refilled from the frame timestamps (ms). */
  private admitFrame(timestamp: number, data: Uint8Array): boolean {
    const fps = this.o.foreignFps ?? 0;
    const own = this.o.ownMac;
    if (fps <= 0 || !own || data.length < 12) return true;
    if (startsWith(data, 0, own) || startsWith(data, 6, own)) return true;
    const elapsed = Number.isNaN(this.lastRefill) ? 0 : Math.max(0, timestamp - this.lastRefill);
    this.lastRefill = timestamp;
    this.tokens = Math.min(fps, this.tokens + (elapsed * fps) / 1000);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.foreignSkipped++;
    this.foreignSkippedTotal++;
    return false;
  }

  wire(r: WireRecord): void {
    if (!this.base) return;
    this.line({ t: this.now(), kind: 'v2g', dir: r.direction, schema: r.schema, exi: toHex(r.bytes), ...(r.doc ? { doc: r.doc } : {}), ...(r.error ? { error: r.error } : {}) });
  }

  status(u: StatusUpdate): void {
    if (!this.base) return;
    this.line({ t: u.time ?? this.now(), kind: 'status', ...u });
    this.pending.push(statusComment(u));
    if (this.pending.length > MAX_PENDING_COMMENTS) this.pending.shift();
  }

  stop(): void {
    if (!this.base) return;
    // The closing line is written even after a cut (a few bytes beyond the bound).
    this.append('.jsonl', json({ t: this.now(), kind: 'stop', ...(this.foreignSkippedTotal > 0 ? { foreignFramesNotRecorded: this.foreignSkippedTotal } : {}), ...(this.truncated ? { truncated: true } : {}) }) + '\n', true);
    this.base = undefined;
    this.pending = [];
  }

  private line(v: unknown): void {
    this.append('.jsonl', json(v) + '\n');
  }

  private append(ext: string, data: Uint8Array | string, beyondBound = false): void {
    if (this.truncated && !beyondBound) return;
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const max = this.o.maxSessionMb !== undefined ? this.o.maxSessionMb * 1024 * 1024 : Infinity;
    if (!beyondBound && this.bytes + size > max) {
      this.truncated = true;
      this.o.logger.log('warn', 'session record reached logging.session_record_max_mb: the rest of this session is not recorded', { file: this.base, mb: this.o.maxSessionMb });
      try {
        appendFileSync(`${this.base}.jsonl`, json({ t: this.now(), kind: 'truncated', reason: 'session_record_max_mb', bytes: this.bytes }) + '\n');
      } catch {
        /* the next start() tries again */
      }
      return;
    }
    this.bytes += size;
    try {
      appendFileSync(`${this.base}${ext}`, data);
    } catch (e) {
      this.o.logger.log('error', 'session record write failed: recording off', { error: errorMessage(e) });
      this.base = undefined;
    }
  }

  /** Deletes the oldest records until the directory holds less than maxMb. */
  prune(): void {
    // .pcap: records written before the switch to pcapng still count towards the bound.
    const files = readdirSync(this.o.dir)
      .filter((f) => /^\d{8}-\d{6}-\d+-.*\.(pcapng|pcap|jsonl)$/.test(f))
      .map((f) => ({ f, size: statSync(join(this.o.dir, f)).size }))
      .sort((a, b) => a.f.localeCompare(b.f));
    let total = files.reduce((s, x) => s + x.size, 0);
    const limit = this.o.maxMb * 1024 * 1024;
    for (const x of files) {
      if (total < limit) break;
      if (this.base && join(this.o.dir, x.f).startsWith(this.base)) continue;
      unlinkSync(join(this.o.dir, x.f));
      total -= x.size;
      this.o.logger.log('info', 'session record removed (disk bound)', { file: x.f });
    }
  }
}
