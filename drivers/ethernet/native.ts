// Lazy loader of the native addon for drivers. Only drivers that need it import
// this module, and only when they open something, so `tsplc sim` and the pure
// layers never load native code.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Addon from '../../native/index.cjs';

export type NativeAddon = typeof Addon;
export type { NativeSystemError, InterfaceInfo, PacketSocketStats } from '../../native/index.cjs';

let cached: NativeAddon | undefined;

/** Loads native/index.cjs from the source tree (tsx) or from next to dist/ (compiled). Throws code NATIVE_ADDON_MISSING. */
export function loadNative(): NativeAddon {
  if (cached) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  // The package root holding native/: ../.. from drivers/ethernet, ../../.. from dist/drivers/ethernet,
  // ../../../.. from the bundled CLI's dist/src/cli/chunks (scripts/bundle.js).
  const loader = [2, 3, 4].map((up) => join(here, ...Array<string>(up).fill('..'), 'native', 'index.cjs')).find((p) => existsSync(p));
  if (!loader) {
    throw Object.assign(new Error('tsplc native addon loader (native/index.cjs) not found'), { code: 'NATIVE_ADDON_MISSING' });
  }
  const require = createRequire(import.meta.url);
  cached = require(loader) as NativeAddon;
  return cached;
}
