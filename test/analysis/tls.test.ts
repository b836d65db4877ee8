// TLS decryption in `tsplc decode` (issue 14 deliverable 4) on the two shared TLS captures:
//   ISO-2_DC_PnC_TLS_Contract_DS5366_RiseV2G: TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
//   ISO-20_TLS13_DC_DS5366_Josev:             TLS 1.3, TLS_AES_256_GCM_SHA384
// Both carry their NSS key log on UDP 52345 (the dSPACE bench). The V2G messages decrypted by
// src/tools/analysis/tls.ts must be exactly those tshark's own TLS decryption gives (test/exi/capture-messages.ts),
// with the in-capture key log and with --keylog from a file (on a copy of the capture without the
// UDP 52345 frames, the key log text taken out by tshark); a wrong key log is a clear error and
// exit 1; a capture without keys shows the TLS stream undecrypted with a hint.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyLogFromCapture } from '../../src/tools/analysis/capture-keylog.js';
import { V2gCaptureAnalyzer, type V2gMessageEvent } from '../../src/tools/analysis/analyzer.js';
import { parseKeyLog } from '../../src/tools/analysis/tls.js';
import { readCapture } from '../../src/codecs/capture/reader.js';
import { writePcapng } from '../../src/codecs/capture/pcapng-writer.js';
import { decodePacket } from '../../src/codecs/net/packet.js';
import { captureMessages } from '../exi/capture-messages.js';
import { needCaptures, needTshark } from '../env.js';
import { runTsplc } from '../helpers/run.js';
import { capturesDir } from '../shared.js';

const TLS12 = 'ISO-2_DC_PnC_TLS_Contract_DS5366_RiseV2G.pcapng';
const TLS13 = 'ISO-20_TLS13_DC_DS5366_Josev.pcapng';
const available = needCaptures() && needTshark();

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'tsplc-tls-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The V2G messages the project's analyzer gives for the capture bytes with this key log text (undefined: from the capture). */
function analyse(bytes: Uint8Array, keyLogText?: string): { messages: V2gMessageEvent[]; errors: string[] } {
  const keyLog = keyLogText === undefined ? keyLogFromCapture(bytes).keyLog : parseKeyLog(keyLogText);
  const a = new V2gCaptureAnalyzer({ keyLog });
  const messages: V2gMessageEvent[] = [];
  const errors: string[] = [];
  const take = (evs: ReturnType<V2gCaptureAnalyzer['push']>): void => {
    for (const e of evs) {
      if (e.kind === 'v2g') messages.push(e);
      if (e.kind === 'error' && e.layer === 'tls') errors.push(`${e.error.code}: ${e.error.message}`);
    }
  };
  for (const r of readCapture(bytes)) if (r.ok) take(a.push(r.value));
  take(a.finish());
  return { messages, errors };
}

/** The key log text the capture carries on UDP 52345, as tshark shows it (independent of our reader). */
function tsharkKeyLog(file: string): string {
  const out = execFileSync('tshark', ['-r', file, '-Y', 'udp.port == 52345', '-T', 'fields', '-e', 'data.data'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((h) => h.trim())
    .map((h) => Buffer.from(h.trim(), 'hex').toString('latin1').trim())
    .join('\n');
}

/** A copy of the capture without its UDP 52345 key log frames. */
function withoutKeyLog(file: string): string {
  const bytes = new Uint8Array(readFileSync(file));
  const records = [];
  for (const r of readCapture(bytes)) {
    if (!r.ok) continue;
    const p = decodePacket(r.value.data);
    const u = p.ok && p.value.transport?.kind === 'udp' ? p.value.transport.udp : undefined;
    if (u && (u.sourcePort === 52345 || u.destinationPort === 52345)) continue;
    records.push({ timestamp: r.value.timestamp, data: r.value.data });
  }
  const out = join(dir, `nokeys-${file.split('/').pop()}`);
  writeFileSync(out, writePcapng(records));
  return out;
}

const v2gLines = (stdout: string): { name: string; fields: { exi: string; decrypted?: boolean } }[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { layer: string; name: string; fields: { exi: string; decrypted?: boolean } })
    .filter((o) => o.layer === 'v2g');

describe.skipIf(!available)('TLS decryption (shared TLS captures)', () => {
  for (const [name, version, suite] of [
    [TLS12, '1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'],
    [TLS13, '1.3', 'TLS_AES_256_GCM_SHA384'],
  ] as const) {
    const file = join(capturesDir, name);

    it(`${name}: with the in-capture key log, TLS ${version} ${suite}: the same V2G messages as tshark's decryption, each marked decrypted`, () => {
      const bytes = new Uint8Array(readFileSync(file));
      const r = analyse(bytes);
      const reference = captureMessages(file);
      expect(r.errors).toEqual([]);
      expect(reference.length).toBeGreaterThan(20);
      expect(r.messages.map((m) => m.exiHex)).toEqual(reference.map((m) => hex(m.exi)));
      expect(r.messages.every((m) => m.decrypted === true && m.name !== '?')).toBe(true);
    });

    it(`${name}: tsplc decode --keylog <file> on the capture without its UDP 52345 frames decrypts the same messages`, { timeout: 60_000 }, async () => {
      const keys = join(dir, `keys-${version}.txt`);
      writeFileSync(keys, `# taken out of ${name} by tshark\n${tsharkKeyLog(file)}\n`);
      const copy = withoutKeyLog(file);
      const res = await runTsplc(['decode', copy, '--keylog', keys, '--json', '--no-summary']);
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
      const lines = v2gLines(res.stdout);
      expect(lines.map((l) => l.fields.exi)).toEqual(captureMessages(file).map((m) => hex(m.exi)));
      expect(lines.every((l) => l.fields.decrypted === true)).toBe(true);
      expect(res.stdout).toContain(`TLS ${version} ${suite}`);
    });
  }

  it('a key log with a wrong secret: "authentication failure on … record N", exit 1, no crash', { timeout: 60_000 }, async () => {
    const file = join(capturesDir, TLS12);
    // Flip the last hex digit of every secret: the right client random, the wrong master secret.
    const wrong = tsharkKeyLog(file).replace(/([0-9a-fA-F])$/gm, (d) => (d.toLowerCase() === '0' ? '1' : '0'));
    const keys = join(dir, 'wrong.txt');
    writeFileSync(keys, wrong + '\n');
    const res = await runTsplc(['decode', withoutKeyLog(file), '--keylog', keys]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/TLS_AUTH_FAILED: TLS session of TCP connection \d+: authentication failure on (client|server) record \d+/);
    expect(res.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(v2gLines(res.stdout)).toEqual([]);
  });

  it('a key log without this session: "key log has no secret … for client random …", exit 1', { timeout: 60_000 }, async () => {
    const file = join(capturesDir, TLS13);
    const keys = join(dir, 'other.txt');
    writeFileSync(keys, `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${'ab'.repeat(32)} ${'cd'.repeat(48)}\n`);
    const res = await runTsplc(['decode', withoutKeyLog(file), '--keylog', keys]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/TLS_NO_SECRET: TLS session of TCP connection \d+: key log has no secret CLIENT_HANDSHAKE_TRAFFIC_SECRET \(client\) for client random [0-9a-f]{64}/);
  });

  it('a capture without keys prints the TLS stream as undecrypted with a hint, exit 0', { timeout: 60_000 }, async () => {
    const res = await runTsplc(['decode', withoutKeyLog(join(capturesDir, TLS12))]);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/TLS: encrypted, not decoded \(hint: tsplc decode --keylog/);
    expect(res.stdout).not.toMatch(/decrypted\)/);
  });

  it('a key log file with no entries is refused, exit 1', { timeout: 60_000 }, async () => {
    const keys = join(dir, 'empty.txt');
    writeFileSync(keys, 'not a key log\n');
    const res = await runTsplc(['decode', join(capturesDir, TLS12), '--keylog', keys]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/no NSS key log entries/);
  });
});
