// Every cipher suite src/tools/analysis/tls.ts decrypts, on real TLS sessions made here by Node's OpenSSL
// over loopback (the shared captures cover only TLS 1.2 AES-128-CBC-SHA256 and TLS 1.3 AES-256-GCM):
// a recording relay between client and server keeps each direction's bytes as they went over TCP,
// the client's 'keylog' events give the NSS key log, and the decryptor must give back exactly the
// application data each side wrote — in several records, both directions, with the TLS 1.3
// NewSessionTicket after the handshake. Both TLS 1.2 CBC MAC orders are run: OpenSSL's default
// encrypt-then-MAC (RFC 7366) and MAC-then-encrypt (what the RiseV2G capture uses).
import { execFileSync } from 'node:child_process';
import { constants } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type SecureVersion } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsConnectionDecryptor, parseKeyLog } from '../../src/tools/analysis/tls.js';
import { hasTool, requireEnv } from '../env.js';

const haveOpenssl = requireEnv('openssl', hasTool('openssl'), 'openssl CLI not installed (makes the test certificate)');

interface Recorded {
  readonly c2s: Buffer[];
  readonly s2c: Buffer[];
  readonly keyLog: string;
  readonly clientWrote: Buffer;
  readonly serverWrote: Buffer;
  readonly suite: string;
}

let dir = '';
let cert: Buffer;
let key: Buffer;

beforeAll(() => {
  if (!haveOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), 'tsplc-tls-suites-'));
  // An ECDSA P-256 certificate, as ISO 15118-2 SECC certificates are.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=secc', '-days', '1'], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'c.pem'));
  key = readFileSync(join(dir, 'k.pem'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const payload = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

/** One TLS session through a recording relay; the client writes 3 chunks, the server answers each. */
async function session(o: { version: SecureVersion; suite: string; noEtm?: boolean }): Promise<Recorded> {
  const clientChunks = [payload(300, 1), payload(20_000, 2), payload(5, 3)];
  const serverChunks = [payload(200, 4), payload(17_000, 5), payload(1, 6)];
  const server = createTlsServer({ cert, key, minVersion: o.version, maxVersion: o.version, ciphers: o.suite, ...(o.noEtm ? { secureOptions: constants.SSL_OP_NO_ENCRYPT_THEN_MAC } : {}) }, (s) => {
    let got = 0;
    let i = 0;
    s.on('data', (d: Buffer) => {
      got += d.length;
      while (i < clientChunks.length && got >= clientChunks.slice(0, i + 1).reduce((n, c) => n + c.length, 0)) s.write(serverChunks[i++] as Buffer);
      if (i === clientChunks.length) s.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  const relay: Server = createServer((down) => {
    const up = tcpConnect((server.address() as AddressInfo).port, '127.0.0.1');
    down.on('data', (d: Buffer) => (c2s.push(d), up.write(d)));
    up.on('data', (d: Buffer) => (s2c.push(d), down.write(d)));
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const keyLines: string[] = [];
  const received: Buffer[] = [];
  let suite = '';
  await new Promise<void>((resolve, reject) => {
    const c = tlsConnect({ port: (relay.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: o.version, maxVersion: o.version, ciphers: o.suite });
    c.on('keylog', (l: Buffer) => keyLines.push(l.toString('latin1').trim()));
    c.on('secureConnect', () => {
      suite = c.getCipher().standardName;
      for (const ch of clientChunks) c.write(ch);
    });
    c.on('data', (d: Buffer) => received.push(d));
    c.on('end', () => {
      c.end();
      resolve();
    });
    c.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 50));
  relay.close();
  server.close();
  expect(Buffer.concat(received)).toEqual(Buffer.concat(serverChunks));
  return { c2s, s2c, keyLog: keyLines.join('\n'), clientWrote: Buffer.concat(clientChunks), serverWrote: Buffer.concat(serverChunks), suite };
}

/** Feeds the recorded TCP chunks to the decryptor in their order per direction (client first, as on the wire). */
function decrypt(r: Recorded, keyLogText = r.keyLog): { client: Buffer; server: Buffer; errors: string[]; negotiated: string; encryptThenMac: boolean } {
  const d = new TlsConnectionDecryptor(parseKeyLog(keyLogText), 'test session');
  const out = { client: [] as Uint8Array[], server: [] as Uint8Array[], errors: [] as string[], negotiated: '' };
  // Interleave as the handshake did: ClientHello, server flight, client flight, then the rest.
  const queue: ['client' | 'server', Buffer][] = [];
  const n = Math.max(r.c2s.length, r.s2c.length);
  for (let i = 0; i < n; i++) {
    if (r.c2s[i]) queue.push(['client', r.c2s[i] as Buffer]);
    if (r.s2c[i]) queue.push(['server', r.s2c[i] as Buffer]);
  }
  for (const [side, bytes] of queue) {
    const res = d.push(side, new Uint8Array(bytes));
    out[side].push(...res.applicationData);
    out.errors.push(...res.errors.map((e) => `${e.code}: ${e.message}`));
    if (res.negotiated) out.negotiated = `TLS ${res.negotiated.version} ${res.negotiated.suite}`;
  }
  return { client: Buffer.concat(out.client), server: Buffer.concat(out.server), errors: out.errors, negotiated: out.negotiated, encryptThenMac: d.encryptThenMac };
}

const cases: { version: SecureVersion; suite: string; iana: string; noEtm?: boolean; note: string }[] = [
  { version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', iana: 'TLS_AES_128_GCM_SHA256', note: 'RFC 8446 mandatory' },
  { version: 'TLSv1.3', suite: 'TLS_AES_256_GCM_SHA384', iana: 'TLS_AES_256_GCM_SHA384', note: 'ISO 15118-20 mandatory' },
  { version: 'TLSv1.3', suite: 'TLS_CHACHA20_POLY1305_SHA256', iana: 'TLS_CHACHA20_POLY1305_SHA256', note: 'ISO 15118-20 mandatory' },
  { version: 'TLSv1.2', suite: 'ECDHE-ECDSA-AES128-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', note: 'ISO 15118-2 mandatory, encrypt-then-MAC' },
  { version: 'TLSv1.2', suite: 'ECDHE-ECDSA-AES128-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', noEtm: true, note: 'ISO 15118-2 mandatory, MAC-then-encrypt' },
  { version: 'TLSv1.2', suite: 'ECDHE-ECDSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', note: 'ISO 15118-2 test benches' },
  { version: 'TLSv1.2', suite: 'ECDHE-ECDSA-AES256-GCM-SHA384', iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', note: 'SHA-384 PRF' },
  { version: 'TLSv1.2', suite: 'ECDHE-ECDSA-CHACHA20-POLY1305', iana: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', note: 'RFC 7905' },
];

describe.skipIf(!haveOpenssl)('TLS decryption of every supported suite (Node/OpenSSL sessions over loopback)', () => {
  for (const c of cases) {
    it(`${c.version} ${c.iana} (${c.note}): both directions decrypt to what was written`, { timeout: 30_000 }, async () => {
      const r = await session(c);
      expect(r.suite).toBe(c.iana);
      const d = decrypt(r);
      expect(d.errors).toEqual([]);
      expect(d.negotiated).toBe(`TLS ${c.version.slice(4)} ${c.iana}`);
      expect(d.client.equals(r.clientWrote)).toBe(true);
      expect(d.server.equals(r.serverWrote)).toBe(true);
      // The CBC cases really ran the MAC order they are named for.
      if (c.iana.includes('_CBC_')) expect(d.encryptThenMac).toBe(!c.noEtm);
    });
  }

  it('a tampered record is an authentication failure on that record, not garbage data', { timeout: 30_000 }, async () => {
    const r = await session({ version: 'TLSv1.3', suite: 'TLS_CHACHA20_POLY1305_SHA256' });
    const last = r.s2c[r.s2c.length - 1] as Buffer;
    const tampered = Buffer.from(last);
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] as number) ^ 1;
    const d = decrypt({ ...r, s2c: [...r.s2c.slice(0, -1), tampered] });
    expect(d.errors.length).toBe(1);
    expect(d.errors[0]).toMatch(/^TLS_AUTH_FAILED: test session: authentication failure on server record \d+/);
    expect(d.client.equals(r.clientWrote)).toBe(true);
  });
});
