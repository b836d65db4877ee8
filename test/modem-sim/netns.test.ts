// EV ⇄ EVSE SLAC across network namespaces: each side a separate process on
// its own veth (real AF_PACKET addon), `tsplc modem-sim` on the far ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStar, lines, namespaceTestsUnavailable, startModemSim, type Star } from './star.js';
import { requireEnv } from '../env.js';
import { CLI, testScript } from '../helpers/cli.js';

const unavailable = await namespaceTestsUnavailable();
const skip = !requireEnv('root, network namespaces and the AF_PACKET addon', unavailable === '', unavailable);

describe.skipIf(skip)('SLAC across namespaces through tsplc modem-sim', () => {
  let star: Star;
  beforeAll(async () => {
    star = await createStar(['ev', 'evse']);
  });
  afterAll(async () => {
    await star?.destroy();
  });

  it('our EV matches our EVSE, joins its AVLN (2 modems), both agree on the NID', async () => {
    const sim = await startModemSim(star, ['ev', 'evse'], ['--restart-ms', '300', '--attenuation-of', 'p1=14']);
    const evse = lines(star.topology.spawnNode(star.hosts.evse!, testScript('test/slac/netns-peer.ts'), ['evse', star.hosts.evse!.ifname]));
    const ev = lines(star.topology.spawnNode(star.hosts.ev!, testScript('test/slac/netns-peer.ts'), ['ev', star.hosts.ev!.ifname]));
    const evLine = await ev.waitFor((l) => l.startsWith('{'), 30_000);
    const evseLine = await evse.waitFor((l) => l.startsWith('{'), 30_000);
    const e = JSON.parse(evLine) as { ok: boolean; modem: { firmware: string }; slac: { nid: string; attenuation: number }; join: { modems: number }; slacMs: number };
    const s = JSON.parse(evseLine) as { ok: boolean; nid: string; slac: { measured: boolean } };
    expect(e.ok, evLine + ev.stderr()).toBe(true);
    expect(s.ok, evseLine + evse.stderr()).toBe(true);
    expect(e.slac.nid).toBe(s.nid);
    expect(e.slac.attenuation).toBe(14);
    expect(s.slac.measured).toBe(true);
    expect(e.join.modems).toBe(2);
    // Modem discovery by VS_SW_VER came first; the emulated firmware string was logged and returned.
    expect(e.modem.firmware).toMatch(/QCA7000/);
    expect(e.slacMs).toBeGreaterThan(1000);
    sim.child.kill('SIGTERM');
  });
});

describe.skipIf(skip)('tsplc listen live across namespaces', () => {
  let star: Star;
  beforeAll(async () => {
    star = await createStar(['ev', 'evse', 'sniffer']);
  });
  afterAll(async () => {
    await star?.destroy();
  });

  it('a sniffer whose modem shows foreign SLAC logs the EVSE, captures the key, joins the AVLN', async () => {
    const sim = await startModemSim(star, ['ev', 'evse', 'sniffer'], ['--restart-ms', '300', '--hears-foreign', 'p2']);
    const sniffer = star.topology.spawnNode(star.hosts.sniffer!, CLI, ['listen', '-i', star.hosts.sniffer!.ifname, '--join', '--json']);
    const listen = lines(sniffer);
    await listen.waitFor((l) => l.includes('"start"'), 20_000);
    const evse = lines(star.topology.spawnNode(star.hosts.evse!, testScript('test/slac/netns-peer.ts'), ['evse', star.hosts.evse!.ifname]));
    await sim.waitFor((l) => l.includes('"up"') && l.includes('"p1"'), 20_000);
    const ev = lines(star.topology.spawnNode(star.hosts.ev!, testScript('test/slac/netns-peer.ts'), ['ev', star.hosts.ev!.ifname]));
    const e = JSON.parse(await ev.waitFor((l) => l.startsWith('{'), 30_000)) as { ok: boolean; slac: { nid: string } };
    await evse.waitFor((l) => l.startsWith('{'), 30_000);
    expect(e.ok).toBe(true);
    const key = JSON.parse(await listen.waitFor((l) => l.includes('"kind":"key"'), 10_000)) as { nid: string; evseMac: string };
    expect(key.nid).toBe(e.slac.nid);
    expect(key.evseMac).toBe(star.hosts.evse!.mac);
    const mac = JSON.parse(await listen.waitFor((l) => l.includes('"kind":"maclog"'), 1000)) as { evseMac: string; evMac: string };
    expect([mac.evseMac, mac.evMac]).toEqual([star.hosts.evse!.mac, star.hosts.ev!.mac]);
    // The listener's SET_KEY went into its (emulated) modem with the captured NID.
    await sim.waitFor((l) => l.includes('"set-key"') && l.includes('"p2"') && l.includes(e.slac.nid), 10_000);
    await listen.waitFor((l) => l.includes('"state":"Joined"'), 10_000);
    sniffer.kill('SIGTERM');
    const summary = JSON.parse(await listen.waitFor((l) => l.includes('"kind":"summary"'), 10_000)) as { joined: boolean; sessions: number };
    expect(summary).toMatchObject({ joined: true, sessions: 1 });
    sim.child.kill('SIGTERM');
  });
});
