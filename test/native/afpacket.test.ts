// The AF_PACKET addon and driver across two network namespaces joined by a veth
// pair: each side is a child process (test/native/peer.ts) in its namespace.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netnsAvailable, netnsUnavailableReason, useVethPair } from '../helpers/netns.js';
import { PeerProcess, type PeerEvent } from './peer-process.js';
import { encodeMme, decodeMme, cmSlacParmReq } from '../../src/codecs/homeplug/index.js';
import { fromHex, parseMac, toHex } from '../../src/bytes.js';
import { openAfPacketPort, interfaceInfo, EthernetOpenError } from '../../drivers/ethernet/index.js';
import { requireEnv, needTshark } from '../env.js';
import { testScript } from '../helpers/cli.js';

const PEER = testScript('test/native/peer.ts');
const canNetns = requireEnv('root + network namespaces', netnsAvailable(), netnsUnavailableReason());
// Asked only where the namespace tests run at all (the tshark test is inside them).
const tsharkHere = canNetns && needTshark();

const FOREIGN_MAC = '02:00:00:00:00:99';

/** A CM_SLAC_PARM.REQ from `src`, with a RunID that marks the frame for the test. */
function slacParmReq(src: string, dst = 'ff:ff:ff:ff:ff:ff', tag = 1): Uint8Array {
  return encodeMme(cmSlacParmReq({ src: parseMac(src)!, dst: parseMac(dst)!, runId: new Uint8Array([0x54, 0x53, 0x50, 0x4c, 0, 0, 0, tag]) }));
}

const frameEvents = (p: PeerProcess, tag: number) => p.frames().filter((e) => typeof e.hex === 'string' && (e.hex as string).slice(21 * 2 + 14, 21 * 2 + 16) === tag.toString(16).padStart(2, '0'));

describe.skipIf(!canNetns)('AF_PACKET port across a veth pair', () => {
  const net = useVethPair({ roles: ['ev', 'evse'] });
  let a: PeerProcess;
  let b: PeerProcess;
  let bMac: string;
  let aMac: string;

  beforeAll(async () => {
    const { a: endA, b: endB } = net();
    a = new PeerProcess(net().spawnNode(endA, PEER, [endA.ifname]));
    b = new PeerProcess(net().spawnNode(endB, PEER, [endB.ifname]));
    aMac = (await a.waitFor((e) => e.event === 'open', 20_000, 'a open')).mac as string;
    bMac = (await b.waitFor((e) => e.event === 'open', 20_000, 'b open')).mac as string;
    expect(aMac).toBe(endA.mac);
    expect(bMac).toBe(endB.mac);
  });

  it('delivers a broadcast CM_SLAC_PARM.REQ padded to 60 bytes that decodes on the other side', async () => {
    // The MME ends at byte 29 (RunID 21-28, protocol-facts §1.3): send it unpadded.
    const frame = slacParmReq(aMac, 'ff:ff:ff:ff:ff:ff', 1).subarray(0, 29);
    a.send({ cmd: 'send', hex: toHex(frame) });
    const got = await b.waitFor((e) => e.event === 'frame' && e.mme === 'CM_SLAC_PARM.REQ', 10_000, 'SLAC_PARM.REQ at b');
    expect(got.packetType).toBe('broadcast');
    expect(got.length).toBe(60);
    const bytes = fromHex(got.hex as string)!;
    expect(toHex(bytes.subarray(0, frame.length))).toBe(toHex(frame));
    expect(bytes.subarray(frame.length).every((x) => x === 0)).toBe(true);
    expect(Math.abs((got.timestamp as number) - Date.now())).toBeLessThan(60_000);
    // The sender never receives its own frame ('outgoing').
    expect(frameEvents(a, 1)).toHaveLength(0);
  });

  it('delivers unicast to the addressee as packetType host', async () => {
    a.send({ cmd: 'send', hex: toHex(slacParmReq(aMac, bMac, 2)) });
    const got = await b.waitFor((e) => e.event === 'frame' && frameEvents(b, 2).includes(e), 10_000, 'unicast at b');
    expect(got.packetType).toBe('host');
    const decoded = decodeMme(fromHex(got.hex as string)!);
    expect(decoded.ok && decoded.value.type).toBe('CM_SLAC_PARM.REQ');
  });

  it('drops a frame for a foreign MAC by default and shows it with dropForeign: false', async () => {
    const keep = new PeerProcess(net().spawnNode(net().b, PEER, [net().b.ifname, '--keep-foreign']));
    await keep.waitFor((e) => e.event === 'open', 20_000, 'keep-foreign open');
    a.send({ cmd: 'send', hex: toHex(slacParmReq(aMac, FOREIGN_MAC, 3)) });
    // A broadcast marker sent after it: once it arrives, the foreign frame would have too.
    a.send({ cmd: 'send', hex: toHex(slacParmReq(aMac, 'ff:ff:ff:ff:ff:ff', 4)) });
    await b.waitFor((e) => frameEvents(b, 4).includes(e), 10_000, 'marker at b');
    await keep.waitFor((e) => frameEvents(keep, 4).includes(e), 10_000, 'marker at keep');
    expect(frameEvents(b, 3)).toHaveLength(0);
    const foreign = frameEvents(keep, 3);
    expect(foreign).toHaveLength(1);
    expect(foreign[0]!.packetType).toBe('otherhost');
    keep.child.kill();
  });

  it('promiscuous on delivers foreign frames and sets IFF_PROMISC; off restores both', async () => {
    const on = b.next((e) => e.event === 'info');
    b.send({ cmd: 'promisc', on: true });
    expect((await on).promiscuous).toBe(true);
    a.send({ cmd: 'send', hex: toHex(slacParmReq(aMac, FOREIGN_MAC, 5)) });
    await b.waitFor((e) => frameEvents(b, 5).includes(e), 10_000, 'foreign frame while promiscuous');
    expect(frameEvents(b, 5)[0]!.packetType).toBe('otherhost');

    const off = b.next((e) => e.event === 'info');
    b.send({ cmd: 'promisc', on: false });
    expect((await off).promiscuous).toBe(false);
    a.send({ cmd: 'send', hex: toHex(slacParmReq(aMac, FOREIGN_MAC, 6)) });
    a.send({ cmd: 'send', hex: toHex(slacParmReq(aMac, 'ff:ff:ff:ff:ff:ff', 7)) });
    await b.waitFor((e) => frameEvents(b, 7).includes(e), 10_000, 'marker after promisc off');
    expect(frameEvents(b, 6)).toHaveLength(0);
  });

  it('with several EtherTypes receives exactly those (in-kernel BPF filter), never its own frames', async () => {
    const multi = new PeerProcess(net().spawnNode(net().b, PEER, [net().b.ifname, '--types', '0x88e1,0x88e2']));
    await multi.waitFor((e) => e.event === 'open', 20_000, 'multi open');
    const withType = (t: number, tag: number) => {
      const f = slacParmReq(aMac, 'ff:ff:ff:ff:ff:ff', tag);
      f[12] = t >> 8;
      f[13] = t & 0xff;
      return toHex(f);
    };
    a.send({ cmd: 'send', hex: withType(0x88b5, 8) }); // IEEE local experimental: filtered out
    a.send({ cmd: 'send', hex: withType(0x88e2, 9) });
    a.send({ cmd: 'send', hex: withType(0x88e1, 10) });
    await multi.waitFor((e) => frameEvents(multi, 10).includes(e), 10_000, '0x88e1 at multi');
    expect(frameEvents(multi, 9)).toHaveLength(1);
    expect(frameEvents(multi, 8)).toHaveLength(0);
    // Our own transmissions are not looped back to an ETH_P_ALL socket.
    multi.send({ cmd: 'send', hex: withType(0x88e1, 11) });
    await a.waitFor((e) => frameEvents(a, 11).includes(e), 10_000, 'frame from multi at a');
    multi.send({ cmd: 'info' });
    await multi.next((e) => e.event === 'info');
    expect(frameEvents(multi, 11)).toHaveLength(0);
    multi.child.kill();
  });

  // Each run has its own tags: waitFor() also matches frames already seen, so a
  // reused tag would let the second run go on before its frames had arrived.
  for (const [types, t0] of [['all', 20], ['0x88e1', 23]] as const) {
    it(`a capture tap (includeOutgoing, types ${types}) sees the station's own frames as 'outgoing', in order with received ones; the protocol port still does not`, async () => {
      const tap = new PeerProcess(net().spawnNode(net().a, PEER, [net().a.ifname, '--types', types, '--outgoing']));
      await tap.waitFor((e) => e.event === 'open', 20_000, 'tap open');
      const tagOf = (e: PeerEvent): number => parseInt((e.hex as string).slice(21 * 2 + 14, 21 * 2 + 16), 16);
      a.send({ cmd: 'send', hex: toHex(slacParmReq(aMac, bMac, t0)) });
      await b.waitFor((e) => frameEvents(b, t0).includes(e), 10_000, `tag ${t0} at b`);
      b.send({ cmd: 'send', hex: toHex(slacParmReq(bMac, aMac, t0 + 1)) });
      await a.waitFor((e) => frameEvents(a, t0 + 1).includes(e), 10_000, `tag ${t0 + 1} at a`);
      a.send({ cmd: 'send', hex: toHex(slacParmReq(aMac, 'ff:ff:ff:ff:ff:ff', t0 + 2)) });
      await tap.waitFor((e) => frameEvents(tap, t0 + 2).includes(e), 10_000, `tag ${t0 + 2} at the tap`);
      const seen = tap.frames().filter((e) => e.mme === 'CM_SLAC_PARM.REQ' && [t0, t0 + 1, t0 + 2].includes(tagOf(e)));
      expect(seen.map((e) => `${tagOf(e)}:${String(e.packetType)}`)).toEqual([`${t0}:outgoing`, `${t0 + 1}:host`, `${t0 + 2}:outgoing`]);
      const ts = seen.map((e) => e.timestamp as number);
      expect(ts[0]! <= ts[1]! && ts[1]! <= ts[2]!, ts.join(' ')).toBe(true);
      // The station's protocol port (no includeOutgoing) never saw its own two frames.
      expect(frameEvents(a, t0)).toHaveLength(0);
      expect(frameEvents(a, t0 + 2)).toHaveLength(0);
      tap.child.kill();
    });
  }

  it('a frame larger than the MTU is not sent: logged, counted, on errors$, the port stays usable', async () => {
    const big = new Uint8Array(1600);
    big.set(parseMac(bMac)!, 0);
    big.set(parseMac(aMac)!, 6);
    big[12] = 0x88;
    big[13] = 0xe1;
    const error = a.next((e) => e.event === 'runtime-error', 10_000, 'send error');
    a.send({ cmd: 'send', hex: toHex(big) });
    expect((await error).code).toBe('EMSGSIZE');
    const info = a.next((e) => e.event === 'info');
    a.send({ cmd: 'info' });
    expect(((await info).stats as { sendErrors: number }).sendErrors).toBe(1);
    a.send({ cmd: 'send', hex: toHex(slacParmReq(aMac, bMac, 12)) });
    await b.waitFor((e) => frameEvents(b, 12).includes(e), 10_000, 'frame after the failed send');
  });

  it.skipIf(!tsharkHere)('tshark dissects a pcap of the frames that crossed the veth as HomePlug AV SLAC', async () => {
    const frames = b.frames().filter((e) => e.mme === 'CM_SLAC_PARM.REQ');
    expect(frames.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-pcap-'));
    try {
      const file = join(dir, 'veth.pcap');
      writeFileSync(file, pcap(frames));
      const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.protocols', '-e', 'homeplug_av.mmhdr.mmtype'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(frames.length);
      for (const line of lines) {
        expect(line).toContain('homeplug-av');
        // MMTYPE 0x6064 = CM_SLAC_PARM.REQ
        expect(line.split('\t')[1]).toMatch(/^0x0*6064$/i);
      }
      const warnings = spawnSync('tshark', ['-r', file, '-Y', '_ws.expert.severity >= warning || _ws.malformed'], { encoding: 'utf8' });
      expect(warnings.stdout.trim()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close() is idempotent, completes frames$ and later sends are ignored', async () => {
    const extra = new PeerProcess(net().spawnNode(net().a, PEER, [net().a.ifname]));
    await extra.waitFor((e) => e.event === 'open', 20_000, 'extra open');
    extra.send({ cmd: 'close' });
    const closed = await extra.waitFor((e) => e.event === 'closed', 10_000, 'closed');
    expect(closed.isOpen).toBe(false);
    expect(extra.events.some((e) => e.event === 'completed')).toBe(true);
    expect(await extra.exited).toBe(0);
  });

  it('an unref()\'d open socket lets the process exit; a ref\'d one keeps it alive', async () => {
    const unrefd = new PeerProcess(net().spawnNode(net().a, PEER, [net().a.ifname, '--unref-exit']));
    await unrefd.waitFor((e) => e.event === 'open', 20_000, 'unref open');
    expect(await unrefd.exited).toBe(0);

    const held = new PeerProcess(net().spawnNode(net().a, PEER, [net().a.ifname], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await held.waitFor((e) => e.event === 'open', 20_000, 'held open');
    const early = await Promise.race([held.exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('alive'), 800))]);
    expect(early).toBe('alive');
    held.child.kill();
  });

  it('opening an interface that is down gives INTERFACE_DOWN with the command to fix it', async () => {
    const { b: endB } = net();
    // A second veth pair inside the namespace: created down.
    const add = await net().exec(endB, 'ip', ['link', 'add', 'down0', 'type', 'veth', 'peer', 'name', 'down1']);
    expect(add.code, add.stderr).toBe(0);
    const p = new PeerProcess(net().spawnNode(endB, PEER, ['down0']));
    const e: PeerEvent = await p.waitFor((x) => x.event === 'error', 20_000, 'error');
    expect(e.code).toBe('INTERFACE_DOWN');
    expect(e.message).toContain('ip link set down0 up');
    expect(await p.exited).toBe(2);
  });

  it('reports ENETDOWN when the interface goes down and receives again once it is up', async () => {
    const { b: endB } = net();
    // Reuses down0/down1 (created by the previous test) inside namespace b.
    for (const i of ['down0', 'down1']) expect((await net().exec(endB, 'ip', ['link', 'set', i, 'up'])).code).toBe(0);
    const rx = new PeerProcess(net().spawnNode(endB, PEER, ['down1']));
    const tx = new PeerProcess(net().spawnNode(endB, PEER, ['down0']));
    const txMac = (await tx.waitFor((e) => e.event === 'open', 20_000, 'tx open')).mac as string;
    await rx.waitFor((e) => e.event === 'open', 20_000, 'rx open');
    tx.send({ cmd: 'send', hex: toHex(slacParmReq(txMac, 'ff:ff:ff:ff:ff:ff', 20)) });
    await rx.waitFor((e) => frameEvents(rx, 20).includes(e), 10_000, 'frame before down');

    expect((await net().exec(endB, 'ip', ['link', 'set', 'down1', 'down'])).code).toBe(0);
    const down = await rx.waitFor((e) => e.event === 'runtime-error', 10_000, 'ENETDOWN');
    expect(down.code).toBe('ENETDOWN');

    expect((await net().exec(endB, 'ip', ['link', 'set', 'down1', 'up'])).code).toBe(0);
    // The veth needs a moment to get its carrier back: resend until one arrives.
    let seen = false;
    for (let i = 0; i < 50 && !seen; i++) {
      tx.send({ cmd: 'send', hex: toHex(slacParmReq(txMac, 'ff:ff:ff:ff:ff:ff', 21)) });
      await new Promise((r) => setTimeout(r, 100));
      seen = frameEvents(rx, 21).length > 0;
    }
    expect(seen).toBe(true);
    rx.child.kill();
    tx.child.kill();
  });
});

describe('AF_PACKET open errors', () => {
  it('an unknown interface gives NO_SUCH_INTERFACE naming it and `ip link`', () => {
    // The interface is looked up before the socket is created: no privilege needed.
    let caught: unknown;
    try {
      openAfPacketPort('nosuch-if0', { etherTypes: [0x88e1] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EthernetOpenError);
    expect((caught as EthernetOpenError).code).toBe('NO_SUCH_INTERFACE');
    expect((caught as EthernetOpenError).message).toContain("'nosuch-if0'");
    expect((caught as EthernetOpenError).message).toContain('ip link');
    expect(() => interfaceInfo('nosuch-if0')).toThrow(EthernetOpenError);
  });

  it('interfaceInfo reads index, MAC, MTU and flags of lo', () => {
    const lo = interfaceInfo('lo');
    expect(lo.index).toBe(1);
    expect(lo.mac).toHaveLength(6);
    expect(lo.up).toBe(true);
    expect(lo.mtu).toBeGreaterThan(0);
  });

  const capsh = canNetns && requireEnv('capsh (apt-get install libcap2-bin)', spawnSync('capsh', ['--help']).status === 0, 'capsh not found');
  it.skipIf(!capsh)('without CAP_NET_RAW gives EPERM_RAW with setcap/AmbientCapabilities advice', () => {
    const r = spawnSync('capsh', ['--drop=cap_net_raw', '--', '-c', `exec ${process.execPath} ${PEER} lo`], { encoding: 'utf8', timeout: 30_000 });
    const line = r.stdout.split('\n').find((l) => l.includes('"event"'));
    expect(line, r.stderr).toBeDefined();
    const e = JSON.parse(line!) as PeerEvent;
    expect(e.code).toBe('EPERM_RAW');
    expect(e.message).toContain('setcap cap_net_raw+ep');
    expect(e.message).toContain('AmbientCapabilities');
    expect(r.status).toBe(2);
  });
});

/** Classic pcap (LINKTYPE_ETHERNET) of the received frames. */
function pcap(frames: PeerEvent[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, 0xa1b2c3d4, true);
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, 65535, true);
  header.setUint32(20, 1, true);
  parts.push(new Uint8Array(header.buffer));
  for (const f of frames) {
    const data = fromHex(f.hex as string)!;
    const ts = f.timestamp as number;
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(0, Math.floor(ts / 1000), true);
    rec.setUint32(4, Math.floor((ts % 1000) * 1000), true);
    rec.setUint32(8, data.length, true);
    rec.setUint32(12, data.length, true);
    parts.push(new Uint8Array(rec.buffer), data);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
