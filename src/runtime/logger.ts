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
  const emit = (component: string, lvl: LogLevel, message: string, fields?: LogFields): void => {
    const entry: LogEntry = { time: now(), level: lvl, component, message, ...(fields ? { fields } : {}) };
    try {
      opts.tee?.(entry);
    } catch {
      /* a broken extra sink must not break logging */
    }
    if (order[lvl] < order[level]) return;
    if (format === 'human') write(formatHuman(entry, t0));
    else write(JSON.stringify({ t: new Date(entry.time).toISOString(), level: lvl, component, msg: message, ...(fields ?? {}) }));
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
  };
}
