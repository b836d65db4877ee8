import type { Protocol } from '../model.js';
import type { Dialect } from './common.js';
import { dinDialect } from './din.js';
import { iso2Dialect } from './iso2.js';

export type { Dialect, DialectError, DialectErrorCode } from './common.js';
export { toPhysical, fromPhysical } from './common.js';
export { dinDialect } from './din.js';
export { iso2Dialect } from './iso2.js';
export * from './apphand.js';

export function dialectFor(protocol: Protocol): Dialect {
  return protocol === 'din' ? dinDialect : iso2Dialect;
}
