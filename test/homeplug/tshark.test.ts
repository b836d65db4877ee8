// Wireshark as an independent judge: a pcap of frames WE encoded (written with our pcap writer)
// must dissect as HomePlug AV with no malformed packet and no expert error.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writePcap } from '../../src/codecs/capture/index.js';
import { encodeMme } from '../../src/codecs/homeplug/index.js';
import { oneOfEach } from './fixtures.js';
import { requireEnv } from '../env.js';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = requireEnv('tshark', hasTshark(), 'tshark not installed (apt-get install tshark)');

describe.skipIf(!available)('tshark dissects our frames', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplc-hp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const msgs = oneOfEach();
  const file = join(dir, 'ours.pcap');
  writeFileSync(file, writePcap(msgs.map((m, i) => ({ timestamp: 1_700_000_000_000 + i * 10, data: encodeMme(m) }))));

  it('every frame is HomePlug AV with the MMTYPE we meant', () => {
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.protocols', '-e', 'homeplug_av.mmhdr.mmtype', '-e', 'homeplug_av.mmhdr.mmver'], {
      encoding: 'utf8',
    });
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(msgs.length);
    lines.forEach((line, i) => {
      const [protocols, mmtype, mmver] = line.split('\t');
      expect(protocols, msgs[i]!.type).toContain('homeplug-av');
      // Wireshark fills mmtype only for the standard range; vendor MMEs show it in the info column.
      const frame = encodeMme(msgs[i]!);
      if (mmtype) expect(Number(mmtype), msgs[i]!.type).toBe(frame[15]! | (frame[16]! << 8));
      // Wireshark 4.0 shows only bit 0 of MMV ("1.0"/"1.1"), so MMV 2 (CM_AMP_MAP) reads as 0.
      expect(Number(mmver), msgs[i]!.type).toBe(msgs[i]!.mmv & 1);
    });
  });

  it('no malformed packets and no expert errors', () => {
    const verbose = execFileSync('tshark', ['-r', file, '-V'], { encoding: 'utf8' });
    expect(verbose).not.toContain('[Malformed');
    // Severity of every expert entry (PI_ERROR = 0x00800000). Wireshark warns (0x00600000) "Trailing
    // stray characters" on the NUL-filled MVERSION of VS_SW_VER.CNF, for real QCA frames as for ours.
    const severities = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', '_ws.expert.severity'], { encoding: 'utf8' })
      .split(/[\s,]+/)
      .filter((s) => s !== '')
      .map(Number);
    expect(severities.filter((s) => s >= 0x00800000)).toEqual([]);
    expect(verbose).toContain('Version: MAC-QCA7000-1.1.0.730-04-20140815-CS');
  });

  it('Wireshark reads the SLAC fields as we wrote them', () => {
    const verbose = execFileSync('tshark', ['-r', file, '-O', 'homeplug-av'], { encoding: 'utf8' });
    expect(verbose).toContain('Run ID: 7a:a7:7b:ee:97:3f:e9:2b');
    expect(verbose).toMatch(/Network ID: 0394bbf59bb80b/);
    expect(verbose).toMatch(/New Key: ee7b8f0c57c2508f8ddc83fd9232e297/);
    expect(verbose).toMatch(/My nonce: 0x3b763fda/);
  });
});
