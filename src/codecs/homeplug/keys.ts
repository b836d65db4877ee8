// NMK / NID derivation (HomePlug AV 1.1 §13.2.3; protocol-facts §1.5).
// SHA-256 comes from @noble/hashes because pure code may not import node:crypto.
import { sha256 } from '@noble/hashes/sha2.js';

/** Salt of the NMK hash (NMK-HS); the DAK uses …81 85 instead. */
export const NMK_SALT = new Uint8Array([0x08, 0x85, 0x6d, 0xaf, 0x7c, 0xf5, 0x81, 0x86]);
const PBKDF1_ITERATIONS = 1000;

/** Security level carried in the NID's top nibble bits: 0 = Simple Connect, 1 = Secure. */
export type SecurityLevel = 0 | 1;

/**
 * NMK-HS from a network password: PBKDF1 with SHA-256 over password ‖ salt, 1000 iterations,
 * first 16 bytes. The password is taken as UTF-8 (HomePlug passwords are printable ASCII).
 */
export function nmkFromPassword(password: string): Uint8Array {
  const pw = new TextEncoder().encode(password);
  const input = new Uint8Array(pw.length + NMK_SALT.length);
  input.set(pw);
  input.set(NMK_SALT, pw.length);
  let h = sha256(input);
  for (let i = 1; i < PBKDF1_ITERATIONS; i++) h = sha256(h);
  return h.slice(0, 16);
}

/**
 * NID from an NMK: SHA-256 applied 5 times (no salt); NID = first 6 bytes, then
 * (securityLevel << 4) | (h[6] >> 4): 52 hash bits, 2 security-level bits, 2 zero bits (open-plc-utils HPAVKeyNID).
 */
export function nidFromNmk(nmk: Uint8Array, securityLevel: SecurityLevel = 0): Uint8Array {
  let h = sha256(nmk);
  for (let i = 1; i < 5; i++) h = sha256(h);
  const nid = h.slice(0, 7);
  nid[6] = ((securityLevel & 0x03) << 4) | ((h[6] as number) >> 4);
  return nid;
}

/** A fresh random NMK for one SLAC session (EVSE side). `randomBytes` is injected: pure code has no entropy source. */
export function randomNmk(randomBytes: (n: number) => Uint8Array): Uint8Array {
  const b = randomBytes(16);
  return b.length === 16 ? b.slice() : Uint8Array.from({ length: 16 }, (_, i) => b[i] ?? 0);
}
