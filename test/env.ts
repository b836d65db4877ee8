// Environment skips, in one place. A test that needs something this machine may
// lack (../shared, root + network namespaces, tshark, plc-utils, mosquitto,
// python3, systemctl, capsh, the native addon) asks requireEnv(): on a desk
// without it the test is skipped with a message naming what is missing; with
// TSPLC_NO_SKIP=1 (set by .ci/run) the same call throws, so in CI a missing
// tool or folder is a failure, never a silent pass.
//
//   describe.skipIf(!requireEnv('tshark', hasTool('tshark'), 'apt-get install tshark'))('…', () => { … });
import { spawnSync } from 'node:child_process';
import { hasCaptures, hasSchemas, missingSharedMessage } from './shared.js';

export const noSkip = process.env.TSPLC_NO_SKIP === '1';

/** true when `what` is available; otherwise logs why and returns false, or throws under TSPLC_NO_SKIP=1. */
export function requireEnv(what: string, available: boolean, reason: string): boolean {
  if (available) return true;
  if (noSkip) throw new Error(`TSPLC_NO_SKIP=1: this test needs ${what}, which is missing: ${reason}`);
  console.log(`skipped (needs ${what}): ${reason}`);
  return false;
}

/** An executable on PATH. */
export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export const isRoot = process.getuid?.() === 0;

/** ../shared/captures (real captures); see test/shared.ts. */
export const needCaptures = (): boolean => requireEnv('../shared/captures', hasCaptures, missingSharedMessage);
/** ../shared/schemas (the XSDs). */
export const needSchemas = (): boolean => requireEnv('../shared/schemas', hasSchemas, missingSharedMessage);
/** tshark (apt-get install tshark). */
export const needTshark = (): boolean => requireEnv('tshark', hasTool('tshark'), 'tshark not installed (apt-get install tshark)');
/** python3 with the socket module (the sd_notify receiver and the serial pty peer). */
export const needPython = (): boolean => requireEnv('python3', spawnSync('python3', ['-c', 'import socket'], { stdio: 'ignore' }).status === 0, 'python3 not found');
