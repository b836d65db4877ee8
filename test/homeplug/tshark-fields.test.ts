// Layout check independent of our own round trip: for the SLAC captures, the field values Wireshark's
// homeplug-av dissector reads (RunID, MACs, NID, NMK, AAG, counters, SW version) equal ours, frame by frame.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatMac, toHex } from '../../src/bytes.js';
import { readCapture } from '../../src/codecs/capture/index.js';
import { type Mme, decodeMme, isHomePlugFrame, swVersionText } from '../../src/codecs/homeplug/index.js';
import { captureFiles } from '../shared.js';
import { needCaptures, needTshark } from '../env.js';
import { run } from '../helpers/run.js';

const colon = (b: Uint8Array): string => formatMac(b);
const list = (a: readonly number[]): string => a.join(',');

// tshark field → how the same value reads from our decoded message ('' when the message lacks it).
const FIELDS: Record<string, (m: Mme) => string | undefined> = {
  'homeplug_av.gp.cm_slac_parm.runid': (m) => (m.type === 'CM_SLAC_PARM.REQ' || m.type === 'CM_SLAC_PARM.CNF' ? colon(m.runId) : undefined),
  'homeplug_av.gp.cm_slac_parm.forwarding_sta': (m) => (m.type === 'CM_SLAC_PARM.CNF' ? colon(m.forwardingSta) : undefined),
  'homeplug_av.gp.cm_start_atten_char.runid': (m) => (m.type === 'CM_START_ATTEN_CHAR.IND' ? colon(m.runId) : undefined),
  'homeplug_av.gp.cm_start_atten_char.sound_forwarding_sta': (m) => (m.type === 'CM_START_ATTEN_CHAR.IND' ? colon(m.forwardingSta) : undefined),
  'homeplug_av.gp.cm_mnbc_sound.runid': (m) => (m.type === 'CM_MNBC_SOUND.IND' ? colon(m.runId) : undefined),
  'homeplug_av.gp.cm_mnbc_sound.countdown': (m) => (m.type === 'CM_MNBC_SOUND.IND' ? String(m.cnt) : undefined),
  'homeplug_av.gp.cm_atten_profile_ind.pev_mac': (m) => (m.type === 'CM_ATTEN_PROFILE.IND' ? colon(m.pevMac) : undefined),
  'homeplug_av.gp.cm_atten_profile_ind.aag': (m) => (m.type === 'CM_ATTEN_PROFILE.IND' ? list(m.aag) : undefined),
  'homeplug_av.gp.cm_atten_char.source_mac': (m) => (m.type === 'CM_ATTEN_CHAR.IND' || m.type === 'CM_ATTEN_CHAR.RSP' ? colon(m.sourceAddress) : undefined),
  'homeplug_av.gp.cm_atten_char.runid': (m) => (m.type === 'CM_ATTEN_CHAR.IND' || m.type === 'CM_ATTEN_CHAR.RSP' ? colon(m.runId) : undefined),
  'homeplug_av.gp.cm_atten_char.aag': (m) => (m.type === 'CM_ATTEN_CHAR.IND' ? list(m.aag) : undefined),
  'homeplug_av.gp.cm_atten_char.sounds_count': (m) => (m.type === 'CM_ATTEN_CHAR.IND' ? String(m.numSounds) : undefined),
  'homeplug_av.gp.cm_slac_match.pev_mac': (m) => (m.type === 'CM_SLAC_MATCH.REQ' || m.type === 'CM_SLAC_MATCH.CNF' ? colon(m.pevMac) : undefined),
  'homeplug_av.gp.cm_slac_match.evse_mac': (m) => (m.type === 'CM_SLAC_MATCH.REQ' || m.type === 'CM_SLAC_MATCH.CNF' ? colon(m.evseMac) : undefined),
  'homeplug_av.gp.cm_slac_match.runid': (m) => (m.type === 'CM_SLAC_MATCH.REQ' || m.type === 'CM_SLAC_MATCH.CNF' ? colon(m.runId) : undefined),
  'homeplug_av.gp.cm_slac_match.nid': (m) => (m.type === 'CM_SLAC_MATCH.CNF' ? colon(m.nid) : undefined),
  'homeplug_av.gp.cm_slac_match.nmk': (m) => (m.type === 'CM_SLAC_MATCH.CNF' ? toHex(m.nmk) : undefined),
  'homeplug_av.cm_set_key_req.nw_key': (m) => (m.type === 'CM_SET_KEY.REQ' ? toHex(m.newKey) : undefined),
  'homeplug_av.get_sw_cnf.ver_str': (m) => (m.type === 'VS_SW_VER.CNF' ? swVersionText(m) : undefined),
};

const SLAC_FILES = /DIN_DC_DS5366|multi_EVSE_SLAC|WP4_network|Dehner|TaycanRight|2023-04-24|IEC61851|tesla-3-din/;

describe.skipIf(!needCaptures() || !needTshark())('field values agree with Wireshark', () => {
  for (const file of captureFiles().filter((f) => SLAC_FILES.test(basename(f)))) {
    it(basename(file), async () => {
      const names = Object.keys(FIELDS);
      // Through run() (test/helpers/run.ts): a synchronous tshark blocks this worker for seconds on a loaded machine.
      const t = await run('tshark', ['-r', file, '-Y', 'homeplug-av', '-T', 'fields', '-e', 'frame.number', ...names.flatMap((n) => ['-e', n])]);
      expect(t.status, t.stderr).toBe(0);
      const out = t.stdout;
      const theirs = new Map<number, string[]>();
      for (const line of out.split('\n')) {
        if (!line) continue;
        const [n, ...vals] = line.split('\t');
        theirs.set(Number(n), vals);
      }
      let compared = 0;
      for (const r of readCapture(readFileSync(file))) {
        if (!r.ok || !isHomePlugFrame(r.value.data)) continue;
        const m = decodeMme(r.value.data);
        if (!m.ok) throw new Error(m.error.message);
        const row = theirs.get(r.value.index) ?? [];
        names.forEach((name, i) => {
          const ours = FIELDS[name]!(m.value);
          if (ours === undefined) return;
          compared++;
          expect(`#${r.value.index} ${name}=${ours}`).toBe(`#${r.value.index} ${name}=${row[i] ?? ''}`);
        });
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
