// Where the shared, read-only test data lives (real captures, XSD schemas).
// Never copied into the project: tests read it from ../shared and skip with a
// clear message when it is absent.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const sharedDir = resolve(process.env.TSPLC_SHARED ?? join(process.cwd(), '..', 'shared'));
export const capturesDir = join(sharedDir, 'captures');
export const schemasDir = join(sharedDir, 'schemas');

export const hasCaptures = existsSync(capturesDir);
export const hasSchemas = existsSync(schemasDir);

export const missingSharedMessage = `../shared not found at ${sharedDir} (set TSPLC_SHARED): skipping tests on real captures/schemas`;

/** Every capture file (pcap, pcapng) under ../shared/captures, sorted. */
export function captureFiles(): string[] {
  if (!hasCaptures) return [];
  return readdirSync(capturesDir)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => join(capturesDir, f));
}
