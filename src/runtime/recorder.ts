// Session records (ARCHITECTURE §5): for every session a pcapng of the link
// (every frame the interface saw: HomePlug, NDP, SDP, TCP) and a JSON-lines log
// of the decoded V2G messages and status updates, named by time and a counter,
// with bounded disk use (oldest records go first). pyPLC users know this as the
// per-session starter (log file + tcpdump pcap numbered by a counter).
// Status updates also become pcapng comments on the next frame captured after
// them, so Wireshark shows where SLAC, SDP, TCP and the session stood.
import { appendFileSync, mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapngWriter } from '../capture/pcapng-writer.js';
import { toHex } from '../bytes.js';
import type { Logger } from '../ports/log.js';
import type { StatusUpdate } from '../status.js';
import type { WireRecord } from './v2g-transport.js';

export interface RecorderOptions {
  readonly dir: string;
  readonly role: string;
  /** Bound on the directory's total size, MB. */
  readonly maxMb: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** The captured interface, written as the pcapng if_name. */
  readonly interfaceName?: string;
}

/** Comments waiting for the next frame; beyond this many (a silent link) the oldest are dropped. */
const MAX_PENDING_COMMENTS = 64;

/** 'checkpoint 203: sdp done' / 'slac WaitForAttenChar' (details stay in the JSON-lines log). */
export function statusComment(u: StatusUpdate): string {
  return u.checkpoint !== undefined ? `checkpoint ${u.checkpoint}: ${u.layer} ${u.state}` : `${u.layer} ${u.state}`;
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? toHex(x) : x));

export class SessionRecorder {
  private readonly pcap: PcapngWriter;
  private pending: string[] = [];
  private base: string | undefined;
  private counter = 0;
  private readonly now: () => number;

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
    this.base = join(this.o.dir, `${stamp}-${String(this.counter).padStart(4, '0')}-${this.o.role}`);
    try {
      writeFileSync(`${this.base}.pcapng`, this.pcap.header());
      writeFileSync(`${this.base}.jsonl`, json({ t: this.now(), kind: 'start', role: this.o.role }) + '\n');
      this.o.logger.log('info', 'session record started', { file: this.base });
    } catch (e) {
      this.o.logger.log('error', 'cannot write the session record: recording off', { error: e instanceof Error ? e.message : String(e) });
      this.base = undefined;
    }
    return this.base ?? '';
  }

  frame(timestamp: number, data: Uint8Array): void {
    if (!this.base) return;
    const comments = this.pending;
    this.pending = [];
    this.append('.pcapng', this.pcap.record(comments.length > 0 ? { timestamp, data, comments } : { timestamp, data }));
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
    this.line({ t: this.now(), kind: 'stop' });
    this.base = undefined;
    this.pending = [];
  }

  private line(v: unknown): void {
    this.append('.jsonl', json(v) + '\n');
  }

  private append(ext: string, data: Uint8Array | string): void {
    try {
      appendFileSync(`${this.base}${ext}`, data);
    } catch (e) {
      this.o.logger.log('error', 'session record write failed: recording off', { error: e instanceof Error ? e.message : String(e) });
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
