// TLS decryption of captured V2G connections with an NSS key log (the SSLKEYLOGFILE format that
// OpenSSL, NSS, Java test benches and dSPACE's UDP 52345 broadcast write). Pure: the record layer
// and the handshake messages it needs (ClientHello/ServerHello: randoms, cipher suite, extensions)
// are parsed here from the reassembled TCP byte streams the analyzer gives; the cryptography is
// @noble/ciphers (AES-GCM, AES-CBC, ChaCha20-Poly1305) and @noble/hashes (HMAC, HKDF, SHA-2), audited
// pure-JS libraries (no node:crypto, so src/tools/analysis stays free of Node).
//
// TLS 1.2 (RFC 5246, ISO 15118-2 §7.7.3.6: TLS_ECDH(E)_ECDSA_WITH_AES_128_CBC_SHA256 mandatory):
//   key_block = PRF(master_secret, "key expansion", server_random + client_random) (§6.3), records
//   encrypted after each side's ChangeCipherSpec, sequence numbers from 0; CBC with an explicit IV
//   and HMAC (MAC-then-encrypt, or RFC 7366 encrypt-then-MAC when the ServerHello says so), GCM
//   with a 4-byte salt + 8-byte explicit nonce (RFC 5288), ChaCha20-Poly1305 (RFC 7905).
// TLS 1.3 (RFC 8446, ISO 15118-20 §7.7.3: TLS_AES_256_GCM_SHA384 / TLS_CHACHA20_POLY1305_SHA256):
//   [sender]_write_key/iv = HKDF-Expand-Label(secret, "key"/"iv", "", len) (§7.3) from the
//   *_HANDSHAKE_TRAFFIC_SECRET, then *_TRAFFIC_SECRET_0 after that side's Finished, KeyUpdate
//   followed (§7.2); nonce = iv XOR sequence number; inner content type after the zero padding.
import { concatBytes } from '../../bytes.js';
import { cbc, gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { expand } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import type { CodecError } from '../../result.js';

// ---------------------------------------------------------------- key log

/** Secrets of one TLS session, by its ClientHello random. */
export interface TlsSessionSecrets {
  /** TLS 1.2: CLIENT_RANDOM <random> <master secret>. */
  masterSecret?: Uint8Array;
  clientHandshakeTrafficSecret?: Uint8Array;
  serverHandshakeTrafficSecret?: Uint8Array;
  clientTrafficSecret0?: Uint8Array;
  serverTrafficSecret0?: Uint8Array;
}

export interface TlsKeyLog {
  /** Lower-case hex client random → secrets. */
  readonly sessions: Map<string, TlsSessionSecrets>;
  /** Lines that were neither a comment nor a key log entry. */
  readonly badLines: number;
}

const LABELS: Readonly<Record<string, keyof TlsSessionSecrets>> = {
  CLIENT_RANDOM: 'masterSecret',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshakeTrafficSecret',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshakeTrafficSecret',
  CLIENT_TRAFFIC_SECRET_0: 'clientTrafficSecret0',
  SERVER_TRAFFIC_SECRET_0: 'serverTrafficSecret0',
};

export function emptyKeyLog(): TlsKeyLog {
  return { sessions: new Map(), badLines: 0 };
}

/**
 * Adds NSS key log lines (`LABEL <client random hex> <secret hex>`, '#' comments) to `into`.
 * Other labels (EXPORTER_SECRET, EARLY_…) are known and skipped. Returns the number of entries taken.
 */
export function addKeyLogText(into: TlsKeyLog, text: string): number {
  let taken = 0;
  let bad = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z0-9_]+) ([0-9a-fA-F]{64}) ([0-9a-fA-F]+)$/.exec(line);
    if (!m) {
      bad += 1;
      continue;
    }
    const key = LABELS[m[1] as string];
    if (!key) continue;
    const random = (m[2] as string).toLowerCase();
    const secret = hexBytes(m[3] as string);
    if (!secret) {
      bad += 1;
      continue;
    }
    const s = into.sessions.get(random) ?? {};
    s[key] = secret;
    into.sessions.set(random, s);
    taken += 1;
  }
  (into as { badLines: number }).badLines += bad;
  return taken;
}

export function parseKeyLog(text: string): TlsKeyLog {
  const k = emptyKeyLog();
  addKeyLogText(k, text);
  return k;
}

/** The UDP port on which dSPACE test benches broadcast their TLS key log inside the capture. */
export const DSPACE_KEYLOG_PORT = 52345;

// ---------------------------------------------------------------- cipher suites

type Aead = 'aes-gcm' | 'chacha20-poly1305';
interface Suite {
  readonly name: string;
  readonly version: '1.2' | '1.3';
  readonly hash: CHash;
  readonly kind: Aead | 'aes-cbc';
  readonly keyLen: number;
  /** CBC: the HMAC length; AEAD: 0. */
  readonly macLen: number;
  /** TLS 1.2 implicit IV length (GCM salt 4, ChaCha 12, CBC 0); TLS 1.3: 12. */
  readonly fixedIvLen: number;
}

const S = (name: string, version: '1.2' | '1.3', hash: CHash, kind: Suite['kind'], keyLen: number, macLen: number, fixedIvLen: number): Suite => ({ name, version, hash, kind, keyLen, macLen, fixedIvLen });

/** The suites ISO 15118-2/-20 name and the ECDHE/ECDH/RSA variants test benches use. */
export const TLS_SUITES: ReadonlyMap<number, Suite> = new Map([
  [0x1301, S('TLS_AES_128_GCM_SHA256', '1.3', sha256, 'aes-gcm', 16, 0, 12)],
  [0x1302, S('TLS_AES_256_GCM_SHA384', '1.3', sha384, 'aes-gcm', 32, 0, 12)],
  [0x1303, S('TLS_CHACHA20_POLY1305_SHA256', '1.3', sha256, 'chacha20-poly1305', 32, 0, 12)],
  [0xc023, S('TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', '1.2', sha256, 'aes-cbc', 16, 32, 0)],
  [0xc024, S('TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', '1.2', sha384, 'aes-cbc', 32, 48, 0)],
  [0xc025, S('TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256', '1.2', sha256, 'aes-cbc', 16, 32, 0)],
  [0xc026, S('TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384', '1.2', sha384, 'aes-cbc', 32, 48, 0)],
  [0xc027, S('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', '1.2', sha256, 'aes-cbc', 16, 32, 0)],
  [0xc028, S('TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', '1.2', sha384, 'aes-cbc', 32, 48, 0)],
  [0xc02b, S('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', '1.2', sha256, 'aes-gcm', 16, 0, 4)],
  [0xc02c, S('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', '1.2', sha384, 'aes-gcm', 32, 0, 4)],
  [0xc02d, S('TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256', '1.2', sha256, 'aes-gcm', 16, 0, 4)],
  [0xc02e, S('TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384', '1.2', sha384, 'aes-gcm', 32, 0, 4)],
  [0xc02f, S('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', '1.2', sha256, 'aes-gcm', 16, 0, 4)],
  [0xc030, S('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', '1.2', sha384, 'aes-gcm', 32, 0, 4)],
  [0xcca8, S('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', '1.2', sha256, 'chacha20-poly1305', 32, 0, 12)],
  [0xcca9, S('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', '1.2', sha256, 'chacha20-poly1305', 32, 0, 12)],
]);

// ---------------------------------------------------------------- key derivation

const enc = new TextEncoder();


/** TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label + seed) to `length` bytes. */
export function tls12Prf(hash: CHash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const s = concatBytes([enc.encode(label), seed]);
  const out = new Uint8Array(length);
  let a = s;
  let o = 0;
  while (o < length) {
    a = hmac(hash, secret, a);
    const p = hmac(hash, secret, concatBytes([a, s]));
    out.set(p.subarray(0, Math.min(p.length, length - o)), o);
    o += p.length;
  }
  return out;
}

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context. */
export function hkdfExpandLabel(hash: CHash, secret: Uint8Array, label: string, length: number): Uint8Array {
  const l = enc.encode(`tls13 ${label}`);
  const info = concatBytes([new Uint8Array([length >> 8, length & 0xff, l.length]), l, new Uint8Array([0])]);
  return expand(hash, secret, info, length);
}

// ---------------------------------------------------------------- the connection

export type TlsDirection = 'client' | 'server';

export interface TlsError extends CodecError {
  readonly code: 'TLS_NO_SECRET' | 'TLS_AUTH_FAILED' | 'TLS_UNSUPPORTED_CIPHER' | 'TLS_BAD_RECORD' | 'TLS_NO_HELLO';
}

/** What one push of stream bytes gave: decrypted application data, errors, and facts learnt. */
export interface TlsPushResult {
  readonly applicationData: Uint8Array[];
  readonly errors: TlsError[];
  /** Set once when the cipher suite becomes known (ServerHello). */
  readonly negotiated?: { readonly version: '1.2' | '1.3'; readonly suite: string };
}

interface Keys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  readonly macKey?: Uint8Array;
  seq: bigint;
}

interface DirState {
  buf: Uint8Array;
  /** Records of this direction so far (1-based in messages). */
  records: number;
  /** Encrypting: after ChangeCipherSpec (1.2) / after the ServerHello (1.3). */
  encrypted: boolean;
  keys: Keys | undefined;
  /** TLS 1.3: handshake bytes decrypted, for messages that span records. */
  hs: Uint8Array;
  /** TLS 1.3: the current traffic secret (for KeyUpdate). */
  secret: Uint8Array | undefined;
  /** Stop after a fatal error on this direction (one error, not one per record). */
  dead: boolean;
}

const MAX_RECORD = (1 << 14) + 2048;

/**
 * One TCP connection's TLS: push() each direction's stream bytes in order; application data comes
 * out decrypted. Never throws: bad input becomes a TlsError and that direction stops decrypting.
 */
export class TlsConnectionDecryptor {
  private clientRandom: Uint8Array | undefined;
  private serverRandom: Uint8Array | undefined;
  private suite: Suite | undefined;
  private suiteId = 0;
  private version: '1.2' | '1.3' | undefined;
  private encryptThenMac_ = false;
  private readonly dir: Record<TlsDirection, DirState> = { client: newDir(), server: newDir() };

  constructor(
    private readonly keyLog: TlsKeyLog,
    /** Names the session in error messages ('TLS session of connection 3'). */
    private readonly label: string,
  ) {}

  get negotiated(): { version: '1.2' | '1.3'; suite: string } | undefined {
    return this.version && this.suite ? { version: this.version, suite: this.suite.name } : undefined;
  }

  /** TLS 1.2 CBC: the ServerHello agreed on encrypt-then-MAC (RFC 7366) instead of MAC-then-encrypt. */
  get encryptThenMac(): boolean {
    return this.encryptThenMac_;
  }

  get clientRandomHex(): string | undefined {
    return this.clientRandom ? hex(this.clientRandom) : undefined;
  }

  push(from: TlsDirection, data: Uint8Array): TlsPushResult {
    const d = this.dir[from];
    const out: { applicationData: Uint8Array[]; errors: TlsError[]; negotiated?: { version: '1.2' | '1.3'; suite: string } } = { applicationData: [], errors: [] };
    if (d.dead) return out;
    d.buf = d.buf.length ? concatBytes([d.buf, data]) : data;
    while (d.buf.length >= 5 && !d.dead) {
      const type = d.buf[0] as number;
      const len = ((d.buf[3] as number) << 8) | (d.buf[4] as number);
      if (type < 20 || type > 24 || d.buf[1] !== 3 || len > MAX_RECORD) {
        d.dead = true;
        out.errors.push(this.err('TLS_BAD_RECORD', `${this.label}: ${from} record ${d.records + 1}: not a TLS record header (type ${type}, length ${len})`));
        break;
      }
      if (d.buf.length < 5 + len) break;
      const header = d.buf.subarray(0, 5);
      const body = d.buf.subarray(5, 5 + len);
      d.buf = d.buf.slice(5 + len);
      d.records += 1;
      const hadSuite = this.suite !== undefined;
      this.record(from, d, type, header, body, out);
      if (!hadSuite && this.suite && this.version) out.negotiated = { version: this.version, suite: this.suite.name };
    }
    return out;
  }

  private err(code: TlsError['code'], message: string): TlsError {
    return { code, message };
  }

  private record(from: TlsDirection, d: DirState, type: number, header: Uint8Array, body: Uint8Array, out: { applicationData: Uint8Array[]; errors: TlsError[] }): void {
    // ChangeCipherSpec: TLS 1.2 switches this direction to the negotiated keys; in 1.3 it is the
    // middlebox-compatibility no-op (RFC 8446 §5).
    if (type === 20) {
      if (this.version === '1.2') {
        d.encrypted = true;
        const e = this.keys12(from, d);
        if (e) {
          d.dead = true;
          out.errors.push(e);
        }
      }
      return;
    }
    if (!d.encrypted) {
      if (type === 22) this.plainHandshake(from, body, out);
      else if (type === 23) {
        d.dead = true;
        out.errors.push(this.err('TLS_NO_HELLO', `${this.label}: ${from} application data before the handshake was seen (the capture began mid-session): cannot decrypt`));
      }
      return;
    }
    if (!d.keys) return;
    const plain = this.version === '1.3' ? this.open13(d, header, body) : this.open12(d, type, body);
    if (!plain) {
      d.dead = true;
      out.errors.push(this.err('TLS_AUTH_FAILED', `${this.label}: authentication failure on ${from} record ${d.records} (the key log does not fit this session)`));
      return;
    }
    if (plain.type === 23) out.applicationData.push(plain.data);
    else if (plain.type === 22 && this.version === '1.3') this.handshake13(from, d, plain.data, out);
    // Alerts (21) and TLS 1.2 encrypted handshake (Finished) carry nothing for V2G.
  }

  /** ClientHello / ServerHello in the clear. */
  private plainHandshake(from: TlsDirection, body: Uint8Array, out: { errors: TlsError[] }): void {
    let o = 0;
    while (o + 4 <= body.length) {
      const t = body[o] as number;
      const n = ((body[o + 1] as number) << 16) | ((body[o + 2] as number) << 8) | (body[o + 3] as number);
      const m = body.subarray(o + 4, o + 4 + n);
      o += 4 + n;
      if (t === 1 && from === 'client' && m.length >= 34) this.clientRandom = m.slice(2, 34);
      if (t === 2 && from === 'server' && m.length >= 38) this.serverHello(m, out);
    }
  }

  private serverHello(m: Uint8Array, out: { errors: TlsError[] }): void {
    this.serverRandom = m.slice(2, 34);
    let o = 34;
    const sidLen = m[o] as number;
    o += 1 + sidLen;
    this.suiteId = ((m[o] as number) << 8) | (m[o + 1] as number);
    o += 3; // suite + compression
    let version: '1.2' | '1.3' = '1.2';
    if (o + 2 <= m.length) {
      const extEnd = Math.min(m.length, o + 2 + (((m[o] as number) << 8) | (m[o + 1] as number)));
      o += 2;
      while (o + 4 <= extEnd) {
        const et = ((m[o] as number) << 8) | (m[o + 1] as number);
        const el = ((m[o + 2] as number) << 8) | (m[o + 3] as number);
        const ev = m.subarray(o + 4, o + 4 + el);
        if (et === 0x002b && el === 2 && ev[0] === 3 && ev[1] === 4) version = '1.3';
        if (et === 0x0016) this.encryptThenMac_ = true;
        o += 4 + el;
      }
    }
    this.version = version;
    const suite = TLS_SUITES.get(this.suiteId);
    if (!suite || suite.version !== version) {
      for (const d of Object.values(this.dir)) d.dead = true;
      out.errors.push(this.err('TLS_UNSUPPORTED_CIPHER', `${this.label}: cipher suite 0x${this.suiteId.toString(16).padStart(4, '0')} (TLS ${version}) is not supported for decryption`));
      return;
    }
    this.suite = suite;
    if (version === '1.3') {
      // Everything after the ServerHello is encrypted with the handshake traffic keys.
      for (const side of ['client', 'server'] as const) {
        const d = this.dir[side];
        d.encrypted = true;
        const e = this.keys13(side, d, side === 'client' ? 'clientHandshakeTrafficSecret' : 'serverHandshakeTrafficSecret');
        if (e) {
          d.dead = true;
          out.errors.push(e);
        }
      }
    }
  }

  private secrets(): TlsSessionSecrets | undefined {
    return this.clientRandom ? this.keyLog.sessions.get(hex(this.clientRandom)) : undefined;
  }

  private noSecret(what: string): TlsError {
    return this.err('TLS_NO_SECRET', `${this.label}: key log has no ${what} for client random ${this.clientRandom ? hex(this.clientRandom) : '(no ClientHello seen)'}`);
  }

  private keys12(from: TlsDirection, d: DirState): TlsError | undefined {
    const s = this.suite;
    if (!s || !this.clientRandom || !this.serverRandom) return this.err('TLS_NO_HELLO', `${this.label}: ChangeCipherSpec before both hellos were seen: cannot decrypt`);
    const master = this.secrets()?.masterSecret;
    if (!master) return this.noSecret('secret (CLIENT_RANDOM)');
    const ivLen = s.fixedIvLen;
    const kb = tls12Prf(s.hash, master, 'key expansion', concatBytes([this.serverRandom, this.clientRandom]), 2 * (s.macLen + s.keyLen + ivLen));
    let o = 0;
    const take = (n: number): Uint8Array => kb.slice(o, (o += n));
    const cMac = take(s.macLen);
    const sMac = take(s.macLen);
    const cKey = take(s.keyLen);
    const sKey = take(s.keyLen);
    const cIv = take(ivLen);
    const sIv = take(ivLen);
    d.keys = from === 'client' ? { key: cKey, iv: cIv, macKey: cMac, seq: 0n } : { key: sKey, iv: sIv, macKey: sMac, seq: 0n };
    return undefined;
  }

  private keys13(from: TlsDirection, d: DirState, which: keyof TlsSessionSecrets): TlsError | undefined {
    const s = this.suite;
    if (!s) return this.err('TLS_NO_HELLO', `${this.label}: no ServerHello`);
    const secret = this.secrets()?.[which];
    const names: Record<string, string> = {
      clientHandshakeTrafficSecret: 'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      serverHandshakeTrafficSecret: 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      clientTrafficSecret0: 'CLIENT_TRAFFIC_SECRET_0',
      serverTrafficSecret0: 'SERVER_TRAFFIC_SECRET_0',
    };
    if (!secret) return this.noSecret(`secret ${names[which] ?? which} (${from})`);
    this.setKeys13(d, secret);
    return undefined;
  }

  private setKeys13(d: DirState, secret: Uint8Array): void {
    const s = this.suite as Suite;
    d.secret = secret;
    d.keys = { key: hkdfExpandLabel(s.hash, secret, 'key', s.keyLen), iv: hkdfExpandLabel(s.hash, secret, 'iv', 12), seq: 0n };
  }

  private handshake13(from: TlsDirection, d: DirState, data: Uint8Array, out: { errors: TlsError[] }): void {
    d.hs = d.hs.length ? concatBytes([d.hs, data]) : data;
    let switchTo: 'traffic' | 'update' | undefined;
    while (d.hs.length >= 4) {
      const t = d.hs[0] as number;
      const n = ((d.hs[1] as number) << 16) | ((d.hs[2] as number) << 8) | (d.hs[3] as number);
      if (d.hs.length < 4 + n) break;
      d.hs = d.hs.slice(4 + n);
      if (t === 20) switchTo = 'traffic'; // Finished: this side's next records use its traffic secret
      if (t === 24) switchTo = 'update'; // KeyUpdate
    }
    if (switchTo === 'traffic') {
      const e = this.keys13(from, d, from === 'client' ? 'clientTrafficSecret0' : 'serverTrafficSecret0');
      if (e) {
        d.dead = true;
        out.errors.push(e);
      }
    } else if (switchTo === 'update' && d.secret && this.suite) {
      this.setKeys13(d, hkdfExpandLabel(this.suite.hash, d.secret, 'traffic upd', this.suite.hash.outputLen));
    }
  }

  private nonce(iv: Uint8Array, seq: bigint): Uint8Array {
    const n = iv.slice();
    for (let i = 0; i < 8; i++) n[n.length - 1 - i] = (n[n.length - 1 - i] as number) ^ Number((seq >> BigInt(8 * i)) & 0xffn);
    return n;
  }

  private aead(kind: Aead, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
    try {
      return kind === 'aes-gcm' ? gcm(key, nonce, aad).decrypt(sealed) : chacha20poly1305(key, nonce, aad).decrypt(sealed);
    } catch {
      return undefined;
    }
  }

  private open13(d: DirState, header: Uint8Array, body: Uint8Array): { type: number; data: Uint8Array } | undefined {
    const k = d.keys as Keys;
    const s = this.suite as Suite;
    const p = this.aead(s.kind as Aead, k.key, this.nonce(k.iv, k.seq), header, body);
    k.seq += 1n;
    if (!p) return undefined;
    let end = p.length;
    while (end > 0 && p[end - 1] === 0) end -= 1;
    if (end === 0) return undefined;
    return { type: p[end - 1] as number, data: p.subarray(0, end - 1) };
  }

  private open12(d: DirState, type: number, body: Uint8Array): { type: number; data: Uint8Array } | undefined {
    const k = d.keys as Keys;
    const s = this.suite as Suite;
    const seq = new Uint8Array(8);
    for (let i = 0; i < 8; i++) seq[7 - i] = Number((k.seq >> BigInt(8 * i)) & 0xffn);
    k.seq += 1n;
    const aadFor = (len: number): Uint8Array => concatBytes([seq, new Uint8Array([type, 3, 3, len >> 8, len & 0xff])]);
    if (s.kind === 'aes-gcm') {
      if (body.length < 8 + 16) return undefined;
      const nonce = concatBytes([k.iv, body.subarray(0, 8)]);
      const data = this.aead('aes-gcm', k.key, nonce, aadFor(body.length - 24), body.subarray(8));
      return data ? { type, data } : undefined;
    }
    if (s.kind === 'chacha20-poly1305') {
      if (body.length < 16) return undefined;
      const data = this.aead('chacha20-poly1305', k.key, this.nonce(k.iv, k.seq - 1n), aadFor(body.length - 16), body);
      return data ? { type, data } : undefined;
    }
    // AES-CBC with an explicit IV and HMAC.
    const macKey = k.macKey as Uint8Array;
    const ml = s.macLen;
    let ct = body;
    if (this.encryptThenMac_) {
      if (body.length < 16 + ml) return undefined;
      ct = body.subarray(0, body.length - ml);
      const mac = hmac(s.hash, macKey, concatBytes([aadFor(ct.length), ct]));
      if (!equal(mac, body.subarray(body.length - ml))) return undefined;
    }
    if (ct.length < 32 || ct.length % 16 !== 0) return undefined;
    let p: Uint8Array;
    try {
      p = cbc(k.key, ct.subarray(0, 16), { disablePadding: true }).decrypt(ct.subarray(16));
    } catch {
      return undefined;
    }
    const pad = p[p.length - 1] as number;
    if (pad + 1 > p.length) return undefined;
    for (let i = p.length - 1 - pad; i < p.length; i++) if (p[i] !== pad) return undefined;
    const unpadded = p.subarray(0, p.length - 1 - pad);
    if (this.encryptThenMac_) return { type, data: unpadded };
    if (unpadded.length < ml) return undefined;
    const data = unpadded.subarray(0, unpadded.length - ml);
    const mac = hmac(s.hash, macKey, concatBytes([aadFor(data.length), data]));
    return equal(mac, unpadded.subarray(unpadded.length - ml)) ? { type, data } : undefined;
  }
}

function newDir(): DirState {
  return { buf: new Uint8Array(0), records: 0, encrypted: false, keys: undefined, hs: new Uint8Array(0), secret: undefined, dead: false };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let x = 0;
  for (let i = 0; i < a.length; i++) x |= (a[i] as number) ^ (b[i] as number);
  return x === 0;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function hexBytes(h: string): Uint8Array | undefined {
  if (h.length % 2 !== 0) return undefined;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
    if (Number.isNaN(v)) return undefined;
    out[i] = v;
  }
  return out;
}
