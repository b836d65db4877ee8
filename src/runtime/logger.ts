// The runtime's Logger: structured JSON lines when stdout is not a terminal
// (journald keeps them), short human lines on a terminal. The level can be
// changed while running (setLevel, or SIGUSR1 toggles debug in the commands).
// Lines that reach a pyPLC checkpoint carry it as `cp=<n>` / "checkpoint", so
// logs from both programs can be read side by side.
import type { LogFields, LogLevel, Logger } from '../ports/log.js';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface RuntimeLogger extends Logger {
  setLevel(level: LogLevel): void;
  readonly level: LogLevel;
  /** Writes the pending "suppressed K similar lines" summaries (at exit). */
  flush(): void;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** 'human' on a TTY, 'json' otherwise (default: decided from the stream). */
  readonly format?: 'human' | 'json';
  readonly write?: (line: string) => void;
  /** Time source (virtual in sim with a simulated clock). */
  readonly now?: () => number;
  /** Extra sink (e.g. UDP syslog, the session's JSON-lines log). */
  readonly tee?: (entry: LogEntry) => void;
  /**
   * Bound on repeated lines (config logging.repeat_limit / repeat_interval): at most `lines`
   * similar lines (same component, level and message once numbers and MACs are set aside) per
   * `intervalMs`; the rest are counted and one "suppressed K similar lines" line follows. Absent
   * or lines 0: no bound.
   */
  readonly repeat?: RepeatLimit;
}

export interface RepeatLimit {
  readonly lines: number;
  readonly intervalMs: number;
}

/** What the limiter decided for one line. */
export interface RepeatVerdict {
  readonly pass: boolean;
  /** Summaries due now (keys whose interval ended with suppressed lines), to be written before this line. */
  readonly due: ReadonlyArray<{ readonly key: string; readonly suppressed: number; readonly sample: LogEntry }>;
}

/** Most keys tracked at once: a flood of distinct messages must not grow the table without bound. */
const MAX_REPEAT_KEYS = 1024;

/** The key of "similar" lines: MAC addresses, hex runs and numbers do not make a line different. */
export function similarityKey(component: string, level: LogLevel, message: string): string {
  const m = message
    .replace(/\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi, '<mac>')
    .replace(/\b(?:0x)?[0-9a-f]{8,}\b/gi, '<hex>')
    .replace(/\d+(?:\.\d+)?/g, '#');
  return `${component}\u0000${level}\u0000${m}`;
}

/**
 * A pure limiter of repeated log lines, N per key per interval (fixed windows per key). Time comes
 * from the caller, so it runs on virtual time in tests and in `tsplc sim`.
 * Issue 8: a CM_SLAC_PARM.REQ flood wrote ~15,000 lines/s (33.7 MB in 40 s) to the journal.
 */
export function createRepeatLimiter(limit: RepeatLimit): { admit(entry: LogEntry, key: string): RepeatVerdict; flush(now: number): RepeatVerdict['due'] } {
  const windows = new Map<string, { start: number; count: number; suppressed: number; sample: LogEntry }>();
  let lastSweep = -Infinity;
  const sweep = (now: number, except?: string): Array<{ key: string; suppressed: number; sample: LogEntry }> => {
    const due: Array<{ key: string; suppressed: number; sample: LogEntry }> = [];
    for (const [k, w] of windows) {
      if (k === except || now - w.start < limit.intervalMs) continue;
      if (w.suppressed > 0) due.push({ key: k, suppressed: w.suppressed, sample: w.sample });
      windows.delete(k);
    }
    return due;
  };
  return {
    admit(entry, key) {
      const now = entry.time;
      // Summaries of other keys whose flood ended: at most once per interval, so a line costs O(1) amortised.
      let due: Array<{ key: string; suppressed: number; sample: LogEntry }> = [];
      if (now - lastSweep >= limit.intervalMs) {
        lastSweep = now;
        due = sweep(now, key);
      }
      let w = windows.get(key);
      if (w && now - w.start >= limit.intervalMs) {
        if (w.suppressed > 0) due.push({ key, suppressed: w.suppressed, sample: w.sample });
        windows.delete(key);
        w = undefined;
      }
      if (!w) {
        if (windows.size >= MAX_REPEAT_KEYS) {
          // The oldest window goes (Map keeps insertion order); its suppressed count is reported now.
          const [k0, w0] = windows.entries().next().value as [string, { suppressed: number; sample: LogEntry }];
          if (w0.suppressed > 0) due.push({ key: k0, suppressed: w0.suppressed, sample: w0.sample });
          windows.delete(k0);
        }
        w = { start: now, count: 0, suppressed: 0, sample: entry };
        windows.set(key, w);
      }
      if (w.count < limit.lines) {
        w.count++;
        return { pass: true, due };
      }
      w.suppressed++;
      return { pass: false, due };
    },
    flush(now) {
      lastSweep = now;
      return sweep(now + limit.intervalMs);
    },
  };
}

export interface LogEntry {
  readonly time: number;
  readonly level: LogLevel;
  readonly component: string;
  readonly message: string;
  readonly fields?: LogFields;
}

export function isLogLevel(s: string): s is LogLevel {
  return s === 'debug' || s === 'info' || s === 'warn' || s === 'error';
}

export function formatHuman(e: LogEntry, t0: number): string {
  const ms = Math.round(e.time - t0);
  const f = e.fields
    ? Object.entries(e.fields)
        .filter(([, v]) => v !== undefined && v !== '')
        .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
        .join(' ')
    : '';
  const lvl = e.level === 'info' ? '' : `${e.level.toUpperCase()} `;
  return `[${String(ms).padStart(6)}ms] ${lvl}${e.component ? e.component + ': ' : ''}${e.message}${f ? '  ' + f : ''}`;
}

export function createLogger(opts: LoggerOptions = {}): RuntimeLogger {
  let level: LogLevel = opts.level ?? 'info';
  const now = opts.now ?? Date.now;
  const t0 = now();
  const format = opts.format ?? (process.stdout.isTTY ? 'human' : 'json');
  const write = opts.write ?? ((line: string) => void process.stdout.write(line + '\n'));
  const limiter = opts.repeat && opts.repeat.lines > 0 ? createRepeatLimiter(opts.repeat) : undefined;
  const out = (entry: LogEntry): void => {
    try {
      opts.tee?.(entry);
    } catch {
      /* a broken extra sink must not break logging */
    }
    if (order[entry.level] < order[level]) return;
    if (format === 'human') write(formatHuman(entry, t0));
    else write(JSON.stringify({ t: new Date(entry.time).toISOString(), level: entry.level, component: entry.component, msg: entry.message, ...(entry.fields ?? {}) }));
  };
  const summarise = (due: RepeatVerdict['due'], time: number): void => {
    for (const d of due) {
      out({ time, level: d.sample.level, component: d.sample.component, message: `suppressed ${d.suppressed} similar lines`, fields: { like: d.sample.message, interval_ms: opts.repeat?.intervalMs ?? 0 } });
    }
  };
  const emit = (component: string, lvl: LogLevel, message: string, fields?: LogFields): void => {
    const entry: LogEntry = { time: now(), level: lvl, component, message, ...(fields ? { fields } : {}) };
    if (limiter) {
      const v = limiter.admit(entry, similarityKey(component, lvl, message));
      summarise(v.due, entry.time);
      if (!v.pass) return;
    }
    out(entry);
  };
  const make = (component: string): Logger => ({
    log: (lvl, message, fields) => emit(component, lvl, message, fields),
    child: (sub) => make(component ? `${component}.${sub}` : sub),
  });
  const root = make('');
  return {
    log: root.log,
    child: root.child,
    setLevel(l) {
      level = l;
    },
    get level() {
      return level;
    },
    flush() {
      if (limiter) summarise(limiter.flush(now()), now());
    },
  };
}
