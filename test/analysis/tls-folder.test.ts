// `tsplc decode <folder>` with TLS captures (issue 14 §4, §5): each capture is decrypted with the key
// log it carries (UDP 52345, the dSPACE bench) or with a key log file next to it, and its protocol
// column says so (`ISO-20 DC (TLS)`). Without keys the row says the TLS stream was not decrypted; a
// wrong key log names the failure and the run exits 1.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/codecs/capture/reader.js';
import { writePcapng } from '../../src/codecs/capture/pcapng-writer.js';
import { decodePacket } from '../../src/codecs/net/packet.js';
import { needCaptures } from '../env.js';
import { runTsplc } from '../helpers/run.js';
import { capturesDir } from '../shared.js';

const TLS12 = 'ISO-2_DC_PnC_TLS_Contract_DS5366_RiseV2G.pcapng';
const TLS13 = 'ISO-20_TLS13_DC_DS5366_Josev.pcapng';
const available = needCaptures();
const tmp = mkdtempSync(join(tmpdir(), 'tsplc-tls-folder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Row {
  file: string;
  session: number;
  protocol?: string;
  keyLog?: string;
  endReason: string;
}

/** The capture split in two: its frames without the UDP 52345 key log, and that key log's text. */
function split(name: string): { bytes: Uint8Array; keyLog: string } {
  const records = [];
  const lines: string[] = [];
  for (const r of readCapture(new Uint8Array(readFileSync(join(capturesDir, name))))) {
    if (!r.ok) continue;
    const p = decodePacket(r.value.data);
    const u = p.ok && p.value.transport?.kind === 'udp' ? p.value.transport.udp : undefined;
    if (u && (u.sourcePort === 52345 || u.destinationPort === 52345)) {
      lines.push(Buffer.from(u.payload).toString('latin1').trim());
      continue;
    }
    records.push({ timestamp: r.value.timestamp, data: r.value.data });
  }
  return { bytes: writePcapng(records), keyLog: lines.join('\n') + '\n' };
}

async function folderRows(dir: string): Promise<{ rows: Row[]; status: number; stderr: string; table: string }> {
  const json = await runTsplc(['decode', dir, '--json'], { timeoutMs: 120_000 });
  const text = await runTsplc(['decode', dir], { timeoutMs: 120_000 });
  const rows = json.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Row);
  return { rows, status: json.status ?? -1, stderr: json.stderr, table: text.stdout };
}

describe.skipIf(!available)('tsplc decode <folder> with TLS captures', () => {
  it('the in-capture key logs: ISO-20 DC (TLS) over TLS 1.3 and ISO-2 (TLS) over TLS 1.2, full sessions, exit 0', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmp, 'in-capture-'));
    for (const n of [TLS12, TLS13]) symlinkSync(join(capturesDir, n), join(dir, n));
    const r = await folderRows(dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const of = (f: string): Row[] => r.rows.filter((x) => x.file === f);
    expect(of(TLS13).length).toBeGreaterThan(0);
    expect(of(TLS12).length).toBeGreaterThan(0);
    for (const x of of(TLS13)) expect(x).toMatchObject({ protocol: 'ISO-20 DC (TLS)', keyLog: 'capture' });
    for (const x of of(TLS12)) expect(x).toMatchObject({ protocol: 'ISO-2 (TLS)', keyLog: 'capture' });
    // Decrypted sessions end as sessions, not as "no V2G session".
    for (const x of r.rows) expect(x.endReason).not.toMatch(/no V2G session/);
    expect(r.table).toMatch(new RegExp(`^${TLS13.replace(/\./g, '\\.')} +1 .* ISO-20 DC \\(TLS\\) `, 'm'));
  });

  it('a key log file next to the capture (<name>.keylog) decrypts a capture without its UDP 52345 frames; without one the row says not decrypted', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmp, 'file-'));
    const { bytes, keyLog } = split(TLS13);
    writeFileSync(join(dir, 'with-keys.pcapng'), bytes);
    writeFileSync(join(dir, 'with-keys.keylog'), `# taken out of ${TLS13}\n${keyLog}`);
    writeFileSync(join(dir, 'without-keys.pcapng'), bytes);
    const r = await folderRows(dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const withKeys = r.rows.filter((x) => x.file === 'with-keys.pcapng');
    expect(withKeys.length).toBeGreaterThan(0);
    for (const x of withKeys) expect(x).toMatchObject({ protocol: 'ISO-20 DC (TLS)', keyLog: 'file' });
    expect(r.rows.filter((x) => x.file === 'without-keys.pcapng')).toEqual([{ layer: 'statistics', file: 'without-keys.pcapng', session: 0, endReason: 'no V2G session decoded: 1 TLS stream(s), not decrypted' }]);
  });

  it('a wrong key log next to the capture: the row names the TLS failure, exit 1', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmp, 'wrong-'));
    const { bytes, keyLog } = split(TLS12);
    writeFileSync(join(dir, 'pnc.pcapng'), bytes);
    // The right client random, the wrong master secret: the last hex digit of every secret flipped.
    writeFileSync(join(dir, 'pnc.keys'), keyLog.replace(/([0-9a-fA-F])$/gm, (d) => (d.toLowerCase() === '0' ? '1' : '0')));
    const r = await folderRows(dir);
    expect(r.status).toBe(1);
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]?.endReason).toMatch(/^no V2G session decoded: 1 TLS stream\(s\), not decrypted \(key log from file: TLS_AUTH_FAILED: .*authentication failure/);
  });
});
