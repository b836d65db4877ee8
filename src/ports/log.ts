// Port: structured logging. The runtime provides the sink (terminal, journald, UDP syslog).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogFields {
  readonly [key: string]: string | number | boolean | undefined;
}

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  child(component: string): Logger;
}

/** A logger that drops everything (for tests that do not look at logs). */
export const nullLogger: Logger = {
  log() {},
  child() {
    return nullLogger;
  },
};

/** A logger that keeps every line in memory (for tests that do). */
export function memoryLogger(component = ''): Logger & { readonly lines: { level: LogLevel; component: string; message: string; fields?: LogFields }[] } {
  const lines: { level: LogLevel; component: string; message: string; fields?: LogFields }[] = [];
  const make = (c: string): Logger => ({
    log(level, message, fields) {
      lines.push({ level, component: c, message, ...(fields ? { fields } : {}) });
    },
    child(sub) {
      return make(c ? `${c}.${sub}` : sub);
    },
  });
  return Object.assign(make(component), { lines });
}
