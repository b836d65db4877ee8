// `tsplc decode` with the V2G layers: text lines, JSON lines with the full document, the session
// summary and the --values CSV. Runs the real CLI entry in a child process.
import { runTsplc } from '../helpers/run.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capturesDir } from '../shared.js';
import { needCaptures } from '../env.js';


async function tsplc(args: string[]): Promise<{ stdout: string; code: number }> {
  const r = await runTsplc(args);
  return { stdout: r.stdout, code: r.status ?? -1 };
}

describe.skipIf(!needCaptures())('tsplc decode: V2G layers', () => {
  const file = join(capturesDir, 'DIN_DC_DS5366_Josev.pcapng');

  it('text: SDP, TCP, each V2G message with direction, schema, name and key fields, then the summary', async () => {
    const { stdout, code } = await tsplc(['decode', file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/SDP response +EVSE→EV SDP response fe80::664d:70ff:fe01:3bf port 55118 no TLS TCP/);
    expect(stdout).toMatch(/TCP SYN +EV→EVSE connection 1 SYN/);
    expect(stdout).toMatch(/CurrentDemandRes +EVSE→EV din \[705\] ResponseCode=OK .*EVSEPresentVoltage=\d/);
    expect(stdout).toMatch(/^session 1 \(TCP connection 1\): EV .* 200 messages, urn:din:70121:2012:MsgDef$/m);
    expect(stdout).toMatch(/^ {2}end: normal end: SessionStop/m);
  });

  it('--json: one object per line, V2G messages with the whole document, summary lines last', async () => {
    const { stdout } = await tsplc(['decode', file, '--json']);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const v2g = lines.filter((l) => l.layer === 'v2g');
    expect(v2g.length).toBe(200);
    const cd = v2g.find((l) => l.name === 'CurrentDemandReq') as { fields: { document: { V2G_Message: { Body: Record<string, unknown> } }; direction: string; schema: string } };
    expect(cd.fields.direction).toBe('EV→EVSE');
    expect(cd.fields.schema).toBe('din');
    expect(Object.keys(cd.fields.document.V2G_Message.Body)).toEqual(['CurrentDemandReq']);
    expect(lines[lines.length - 1]).toMatchObject({ layer: 'summary', session: 1, messages: 200 });
  });

  it('--values writes the CSV series', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tsplc-')), 'values.csv');
    await tsplc(['decode', join(capturesDir, '2024-06-11_Griffigroen_polestar2_stop_in_precharge.pcapng'), '--values', out, '--no-summary']);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^time,relative_s,frame,connection,message,EVSEPresentVoltage/);
    expect(csv.some((l) => /,PreChargeRes,4\d\d(\.\d+)?,/.test(l))).toBe(true); // PreCharge to 428 V
  });

  it('a corrupt capture gives error lines and exit 1, not a crash', async () => {
    const bytes = new Uint8Array(readFileSync(file)).slice(0, 40_000);
    for (let i = 30_000; i < 40_000; i += 97) bytes[i] = 0xff;
    const bad = join(mkdtempSync(join(tmpdir(), 'tsplc-')), 'bad.pcapng');
    writeFileSync(bad, bytes);
    const { stdout, code } = await tsplc(['decode', bad]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ERROR \[capture\]/);
  });
});
