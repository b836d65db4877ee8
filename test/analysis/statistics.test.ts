// `tsplc decode <folder>` (issue 14 §5): one statistics row per session of every capture, like
// pyPLC's pcap_statistics.txt, on ../shared/captures.
import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { captureFiles, capturesDir } from '../shared.js';
import { needCaptures } from '../env.js';
import { CLI } from '../helpers/cli.js';

const hasCaptures = needCaptures();

async function tsplc(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    return { stdout: x.stdout ?? '', stderr: x.stderr ?? '', code: typeof x.code === 'number' ? x.code : -1 };
  }
}

interface Row {
  file: string;
  session: number;
  vehicleVendor?: string;
  chargerVendor?: string;
  protocol?: string;
  cableCheckSeconds?: number;
  preChargeSeconds?: number;
  maxPowerW?: number;
  limiting?: string;
  endReason: string;
}

describe.skipIf(!hasCaptures)('tsplc decode <folder>: statistics per capture', () => {
  it('../shared/captures: a table with a row for every capture and session, the known facts in their columns', async () => {
    // The text and the JSON decode of the whole folder are independent: side by side, not one after the other.
    const [text, json] = await Promise.all([tsplc(['decode', capturesDir]), tsplc(['decode', capturesDir, '--json'])]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^file +# +vehicle +charger +protocol +CableCheck s +PreCharge s +max kW +limiting +end$/);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(lines.length - 1).toBe(rows.length);
    // Every capture file appears (the README and decoded.txt files are not captures and are left out).
    const files = new Set(rows.map((r) => r.file));
    expect([...files].sort()).toEqual(captureFiles().map((f) => f.split('/').pop()).sort());
    // tesla-3-din: a Tesla car (dc:44:27), DIN, CableCheck 44.4 s, PreCharge 0.4 s, 8.3 kW at most
    // (EVSEPresentVoltage × EVSEPresentCurrent of one CurrentDemandRes), limited by the charger 98 %
    // of the time (test/analysis/limiting.test.ts), ended by SessionStop.
    expect(rows.find((r) => r.file === 'tesla-3-din.pcap')).toMatchObject({ session: 1, vehicleVendor: 'Tesla', protocol: 'DIN', cableCheckSeconds: 44.422, preChargeSeconds: 0.446, limiting: 'charger 98%', endReason: 'normal end: SessionStop' });
    expect(Math.round((rows.find((r) => r.file === 'tesla-3-din.pcap')?.maxPowerW ?? 0) / 100)).toBe(83);
    expect(rows.find((r) => r.file === 'ISO-2_DC_DS5366.pcapng')).toMatchObject({ protocol: 'ISO-2', limiting: 'car 98%', endReason: 'normal end: SessionStop' });
    expect(rows.find((r) => r.file === '2022-12-13_compleo_with_bulb.pcapng')).toMatchObject({ chargerVendor: 'Compleo?', endReason: 'charger stop: EVSE_EmergencyShutdown in PreChargeRes' });
    expect(rows.find((r) => r.file === '2023-03-02_SuperCharger_CableCheck_error.pcapng')).toMatchObject({ chargerVendor: 'Tesla', endReason: 'ServiceDiscoveryRes FAILED_UnknownSession' });
    expect(rows.filter((r) => r.file === '2023-04-19_westparkAlpi_pyPlc_lightbulb_1fail_1ok.pcapng').map((r) => r.session)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.find((r) => r.file === 'IEC61851_AC_PWM_Basic.pcapng')).toMatchObject({ session: 0, endReason: 'no V2G session' });
    // TLS (ISO-20 over TLS 1.3): decrypted with the key log the capture carries (test/analysis/tls-folder.test.ts).
    expect(rows.find((r) => r.file === 'ISO-20_TLS13_DC_DS5366_Josev.pcapng')).toMatchObject({ protocol: 'ISO-20 DC (TLS)', endReason: 'normal end: SessionStop' });
  }, 300_000);

  it('a file that is not a capture is a row saying so, the others are decoded, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-stats-'));
    symlinkSync(join(capturesDir, 'DIN_DC_DS5366_Josev.pcapng'), join(dir, 'DIN_DC_DS5366_Josev.pcapng'));
    writeFileSync(join(dir, 'notes.pcap'), 'not a capture\n');
    const r = await tsplc(['decode', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^DIN_DC_DS5366_Josev\.pcapng +1 .* DIN .* car 100% +normal end: SessionStop$/m);
    expect(r.stdout).toMatch(/^notes\.pcap +- .*not decoded: BAD_MAGIC/m);
  }, 60_000);
});
