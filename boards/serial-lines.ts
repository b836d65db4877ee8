// The line protocol the serial boards share (celeron55's device, the Dieter Arduino): bytes → lines
// (LineSplitter, bounded) → a parser per board; a split or parse error is logged and the line is
// dropped, so a noisy serial line can never stop the board.
import type { Subscription } from 'rxjs';
import type { Logger } from '../src/ports/log.js';
import { LineSplitter } from '../src/domain/hardware/celeron55.js';
import type { SerialLink } from '../src/ports/serial.js';
import type { Result } from '../src/result.js';
import { errorMessage } from '../src/errors.js';

export function subscribeParsedLines<T>(link: SerialLink, parse: (line: string) => Result<T>, log: Logger, onValue: (value: T) => void): Subscription {
  const splitter = new LineSplitter();
  return link.data$.subscribe({
    next: (bytes) => {
      const { lines, errors } = splitter.push(bytes);
      for (const e of errors) log.log('warn', e.message, { code: e.code });
      for (const line of lines) {
        const r = parse(line);
        if (!r.ok) {
          log.log('debug', `ignored line: ${r.error.message}`, { code: r.error.code });
          continue;
        }
        onValue(r.value);
      }
    },
    error: (e: unknown) => log.log('error', 'serial line failed', { error: errorMessage(e) }),
  });
}
