// A serial line as a port: moved to src/ports/serial.ts (issue 9 §4), the twin to
// drivers/serial/memory.ts; kept so older imports of the type compile.
export type { SerialLink } from '../../ports/serial.js';
