// `tsplc modem` as users run it: a spawned CLI in a host namespace, talking over
// a real AF_PACKET socket to `tsplc modem-sim` (our emulator) on the far end of
// its veth. Cross-checked against open-plc-utils' plctool where it is installed.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { nidFromNmk } from '../../src/codecs/homeplug/index.js';
import { hasTool, requireEnv } from '../env.js';
import { createStar, namespaceTestsUnavailable, startModemSim, type Star } from '../modem-sim/star.js';
import { CLI } from '../helpers/cli.js';

const unavailable = await namespaceTestsUnavailable();
const skip = !requireEnv('root, network namespaces and the AF_PACKET addon', unavailable === '', unavailable);
const plctool = !skip && requireEnv('plctool', hasTool('plctool'), 'open-plc-utils not installed (apt-get install plc-utils-extra)');

interface Done {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function finished(child: ChildProcess): Promise<Done> {
  const t0 = Date.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 })));
}

const FIRMWARE = 'MAC-QCA7000-1.2.5.3207-00-20190621-CS (bench)';
const NMK = '00112233445566778899aabbccddeeff';

describe.skipIf(skip)('tsplc modem against tsplc modem-sim across namespaces', () => {
  let star: Star;
  let sim: Awaited<ReturnType<typeof startModemSim>>;
  const modem = (role: 'ev' | 'evse', args: string[]): Promise<Done> =>
    finished(star.topology.spawnNode(star.hosts[role]!, CLI, ['modem', '-i', star.hosts[role]!.ifname, ...args]));
  const json = <T>(d: Done): T[] => d.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

  beforeAll(async () => {
    star = await createStar(['ev', 'evse']);
    sim = await startModemSim(star, ['ev', 'evse'], ['--restart-ms', '300', '--firmware', FIRMWARE]);
  }, 60_000);
  afterAll(async () => {
    sim?.child.kill('SIGTERM');
    await star?.destroy();
  });

  it('info: VS_SW_VER.CNF of the own modem, firmware and device', async () => {
    const d = await modem('ev', ['info', '--json']);
    expect(d.code, d.stderr).toBe(0);
    const answers = json<{ kind: string; firmware: string; device: string; modem: string }>(d);
    // Fresh modems are each in a network of their own: only the own one answers.
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ kind: 'info', firmware: FIRMWARE, device: 'QCA7420/QCA7450' });
    const human = await modem('ev', ['info']);
    expect(human.stdout).toContain(`firmware ${FIRMWARE}`);
  }, 30_000);

  it('status before any key: link down, in no network', async () => {
    const d = await modem('ev', ['status']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain('powerline link down');
    expect(d.stdout).toContain('in no network');
  }, 30_000);

  it('set-key on both sides forms one AVLN: key shows its NID, status the peer and rates, info counts 2 modems', async () => {
    for (const role of ['ev', 'evse'] as const) {
      const d = await modem(role, ['set-key', NMK]);
      expect(d.code, d.stderr).toBe(0);
      expect(d.stdout).toContain('key accepted');
    }
    const nid = toHex(nidFromNmk(Uint8Array.from(Buffer.from(NMK, 'hex'))));
    await sim.waitFor((l) => l.includes('"up"') && l.includes('"avlnMembers":2'), 10_000);
    // Asked for its NID first, then with it: the modem grants the NMK it was given.
    const key = json<{ nid: string; nmk?: string }>(await modem('ev', ['key', '--json']));
    expect(key[0]).toMatchObject({ nid, nmk: NMK });
    const status = await modem('ev', ['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const [link, info] = json<{ kind: string; linkUp?: boolean; networks?: { nid: string }[]; stations?: { bridgedMac: string; txRate: number }[] }>(status);
    expect(link).toMatchObject({ kind: 'link', linkUp: true });
    expect(info?.networks?.[0]?.nid).toBe(nid);
    // The peer is the charger's modem, bridging the charger host's MAC.
    expect(info?.stations).toHaveLength(1);
    expect(info?.stations?.[0]?.bridgedMac).toBe(star.hosts.evse!.mac);
    expect(info?.stations?.[0]?.txRate).toBeGreaterThan(0);
    const all = json<{ kind: string }>(await modem('ev', ['info', '--json']));
    expect(all).toHaveLength(2);
  }, 60_000);

  it('reset: VS_RS_DEV.CNF, and the emulated modem restarts', async () => {
    const d = await modem('evse', ['reset']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain('reset accepted');
    await sim.waitFor((l) => l.includes('"restart"') && l.includes('"p1"'), 5000);
  }, 30_000);

  it('usage errors exit 2 naming the problem', async () => {
    const bad = await modem('ev', ['set-key', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('32 hex digits');
    const none = await modem('ev', ['frobnicate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("unknown or missing command 'frobnicate'");
  }, 30_000);

  it.skipIf(!plctool)('plctool (open-plc-utils) reads the firmware string and the network of the emulated modem', async () => {
    const r = await finished(star.topology.spawn(star.hosts.ev!, 'plctool', ['-i', star.hosts.ev!.ifname, '-r']));
    expect(r.stdout + r.stderr).toContain(FIRMWARE);
    const m = await finished(star.topology.spawn(star.hosts.ev!, 'plctool', ['-i', star.hosts.ev!.ifname, '-m']));
    expect(m.code, m.stdout + m.stderr).toBe(0);
    const nid = toHex(nidFromNmk(Uint8Array.from(Buffer.from(NMK, 'hex'))), ':');
    expect((m.stdout + m.stderr).toLowerCase()).toContain(nid);
  }, 30_000);

  it('no modem on the line: exit 1 within about the timeout, with the message that says what to check', async () => {
    sim.child.kill('SIGTERM');
    await new Promise((r) => sim.child.once('close', r));
    const d = await modem('ev', ['info', '--timeout', '1000']);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(`no modem answered VS_SW_VER.REQ on ${star.hosts.ev!.ifname} within 1 s: is it powered, is it the right interface?`);
  }, 30_000);
});
