// Third-party SLAC peers through our modem emulator: Qualcomm's `pev` and
// `evse` from Debian's plc-utils-extra (open-plc-utils) against our EVSE and
// our EV, each in its own network namespace, `tsplc modem-sim` in the middle.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStar, lines, namespaceTestsUnavailable, startModemSim, type Star } from './star.js';
import { requireEnv } from '../env.js';
import { testScript } from '../helpers/cli.js';

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}
const unavailable = await namespaceTestsUnavailable();
const reason = unavailable !== '' ? unavailable : !hasTool('pev') || !hasTool('evse') ? 'open-plc-utils `pev`/`evse` not installed (apt-get install plc-utils-extra)' : '';

// open-plc-utils defaults: evse.ini NMK for "HomePlugAV0123" (protocol-facts §1.5 test vector).
const EVSE_TOOL_NID = '026bcba5354e08';

describe.skipIf(!requireEnv('namespaces and open-plc-utils (plc-utils-extra)', reason === '', reason))('third-party SLAC peers (open-plc-utils) through tsplc modem-sim', () => {
  let star: Star;
  // The tools read pev.ini / evse.ini from their working directory. Defaults plus a 1 s settle time
  // (default 10 s: the time they give their modem after CM_SET_KEY) keep the test short.
  const profiles = mkdtempSync(join(tmpdir(), 'tsplc-opu-'));
  beforeAll(async () => {
    writeFileSync(join(profiles, 'pev.ini'), '[default]\nattenuation threshold = 40\nmsound pause = 20\ncharge time = 1\nsettle time = 1\n');
    writeFileSync(join(profiles, 'evse.ini'), '[default]\nnumber of sounds = 10\ntime to sound = 6\nresponse type = 0\nsettle time = 1\ncharge time = 1\n');
    star = await createStar(['ev', 'evse']);
  });
  afterAll(async () => {
    await star?.destroy();
    rmSync(profiles, { recursive: true, force: true });
  });

  it("Qualcomm's pev matches our EVSE and sets the NMK/NID we handed it into its modem", async () => {
    const sim = await startModemSim(star, ['ev', 'evse'], ['--restart-ms', '300', '--attenuation-of', 'p1=11']);
    const ours = lines(star.topology.spawnNode(star.hosts.evse!, testScript('test/slac/netns-peer.ts'), ['evse', star.hosts.evse!.ifname]));
    // Our EVSE's modem takes its key first (checkpoint 1); then the car comes.
    await sim.waitFor((l) => l.includes('"up"') && l.includes('"p1"'), 20_000);
    const pev = star.topology.spawn(star.hosts.ev!, 'pev', ['-i', star.hosts.ev!.ifname, '-v'], { cwd: profiles });
    const theirs = lines(pev, { mergeStderr: true });
    const line = await ours.waitFor((l) => l.startsWith('{'), 40_000);
    const r = JSON.parse(line) as { ok: boolean; nid: string; slac: { evMac: string; attenuation: number; measured: boolean } };
    expect(r.ok, line + ours.stderr()).toBe(true);
    expect(r.slac.evMac).toBe(star.hosts.ev!.mac);
    // Our EVSE averaged the CM_ATTEN_PROFILE.INDs the emulated modem reported for pev's sounds.
    expect(r.slac).toMatchObject({ measured: true, attenuation: 11 });
    // pev took the NMK/NID from our CM_SLAC_MATCH.CNF and put it into its modem.
    await sim.waitFor((l) => l.includes('"set-key"') && l.includes('"p0"') && l.includes(r.nid), 10_000);
    await theirs.waitFor((l) => l.includes('CM_SLAC_MATCH.CNF'), 5000);
    pev.kill('SIGTERM');
    sim.child.kill('SIGTERM');
  });

  it("Qualcomm's pev refuses our EVSE when the attenuation we report is above its profile's threshold", async () => {
    const sim = await startModemSim(star, ['ev', 'evse'], ['--restart-ms', '300', '--attenuation-of', 'p1=55']);
    // Our EVSE will wait TT_EVSE_match_session for a MATCH.REQ that never comes: stopped at the end so it cannot answer the next test's car.
    const ours = star.topology.spawnNode(star.hosts.evse!, testScript('test/slac/netns-peer.ts'), ['evse', star.hosts.evse!.ifname]);
    await sim.waitFor((l) => l.includes('"up"') && l.includes('"p1"'), 20_000);
    const pev = star.topology.spawn(star.hosts.ev!, 'pev', ['-i', star.hosts.ev!.ifname, '-v'], { cwd: profiles });
    const theirs = lines(pev, { mergeStderr: true });
    // pev.ini: attenuation threshold = 40; our EVSE averaged the 55 dB its modem measured.
    const verdict = await theirs.waitFor((l) => /attenuation/i.test(l) && /limit/i.test(l), 15_000);
    expect(verdict).toMatch(/55/);
    expect(theirs.all.some((l) => l.includes('--> CM_SLAC_MATCH.REQ'))).toBe(false);
    pev.kill('SIGTERM');
    ours.kill('SIGTERM');
    sim.child.kill('SIGTERM');
  });

  it("our EV matches Qualcomm's evse, takes its NMK/NID and joins its AVLN", async () => {
    const sim = await startModemSim(star, ['ev', 'evse'], ['--restart-ms', '300', '--attenuation-of', 'p1=13']);
    const evse = star.topology.spawn(star.hosts.evse!, 'evse', ['-i', star.hosts.evse!.ifname, '-l', '-v'], { cwd: profiles });
    const theirs = lines(evse, { mergeStderr: true });
    await sim.waitFor((l) => l.includes('"up"') && l.includes('"p1"'), 20_000);
    const ours = lines(star.topology.spawnNode(star.hosts.ev!, testScript('test/slac/netns-peer.ts'), ['ev', star.hosts.ev!.ifname]));
    const line = await ours.waitFor((l) => l.startsWith('{'), 40_000);
    const r = JSON.parse(line) as { ok: boolean; slac: { nid: string; evseMac: string; attenuation: number }; join: { modems: number } };
    expect(r.ok, line + ours.stderr() + theirs.all.slice(-20).join('\n')).toBe(true);
    expect(r.slac.nid).toBe(EVSE_TOOL_NID);
    expect(r.slac.evseMac).toBe(star.hosts.evse!.mac);
    // evse averages in its own way (integer sum over its configured sound count): near the 13 dB the modem reported.
    expect(r.slac.attenuation).toBeGreaterThan(10);
    expect(r.slac.attenuation).toBeLessThanOrEqual(13);
    expect(r.join.modems).toBe(2);
    await theirs.waitFor((l) => l.includes('CM_SLAC_MATCH.CNF'), 5000);
    evse.kill('SIGTERM');
    sim.child.kill('SIGTERM');
  });
});
