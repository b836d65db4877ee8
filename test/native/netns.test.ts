// The namespace kit itself: names, indexes, link-local readiness (the DAD recipe),
// the flooding hub, and teardown.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { netnsAvailable, netnsUnavailableReason, createVethPair, createHub } from '../helpers/netns.js';
import { PeerProcess } from './peer-process.js';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';

class PeerLines {
  private readonly lines: string[] = [];
  constructor(child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => this.lines.push(l));
  }
  async line(i: number): Promise<string> {
    const deadline = Date.now() + 10_000;
    while (this.lines.length <= i) {
      if (Date.now() > deadline) throw new Error(`no line ${i}: ${JSON.stringify(this.lines)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.lines[i]!;
  }
}
import { toHex, parseMac } from '../../src/bytes.js';
import { requireEnv } from '../env.js';
import { testScript } from '../helpers/cli.js';

const canNetns = requireEnv('root + network namespaces', netnsAvailable(), netnsUnavailableReason());

const listNetns = () => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;

describe.skipIf(!canNetns)('netns kit', () => {
  it('creates a veth pair with unique names, distinct indexes and usable link-local addresses; destroy removes it', async () => {
    const pair = await createVethPair({ roles: ['ev', 'evse'], macs: ['02:00:00:00:0e:01', '02:00:00:00:0e:02'] });
    try {
      expect(pair.a.netns).toMatch(new RegExp(`^tsplc-${process.pid}-\\d+-ev$`));
      expect(pair.a.ifindex).not.toBe(pair.b.ifindex);
      expect(pair.a.mac).toBe('02:00:00:00:0e:01');
      expect(pair.a.linkLocal).toMatch(/^fe80:/);
      // Bound at once, no DAD stall: the address is usable as soon as the kit returns,
      // and a datagram crosses the pair (scope = the sender's interface index).
      const recv = `import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(('${pair.b.linkLocal}', 15118, 0, ${pair.b.ifindex})); print('bound', flush=True); print(s.recv(100).decode(), flush=True)`;
      const rx = new PeerLines(pair.spawn(pair.b, 'python3', ['-c', recv]));
      await rx.line(0);
      const send = `import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendto(b'hello', ('${pair.b.linkLocal}', 15118, 0, ${pair.a.ifindex}))`;
      const r = await pair.exec(pair.a, 'python3', ['-c', send]);
      expect(r.code, r.stderr).toBe(0);
      expect(await rx.line(1)).toBe('hello');
      expect(listNetns()).toContain(pair.a.netns);
    } finally {
      await pair.destroy();
      await pair.destroy();
    }
    expect(listNetns()).not.toContain(pair.a.netns);
    expect(listNetns()).not.toContain(pair.b.netns);
  });

  it('a hub floods unicast to every namespace, so a sniffer sees EV-EVSE traffic', async () => {
    const hub = await createHub({ roles: ['ev', 'evse', 'sniffer'] });
    try {
      const [ev, evse, sniffer] = hub.ends as [(typeof hub.ends)[0], (typeof hub.ends)[0], (typeof hub.ends)[0]];
      const tx = new PeerProcess(hub.spawnNode(ev, testScript('test/native/peer.ts'), [ev.ifname]));
      const rx = new PeerProcess(hub.spawnNode(evse, testScript('test/native/peer.ts'), [evse.ifname]));
      const sn = new PeerProcess(hub.spawnNode(sniffer, testScript('test/native/peer.ts'), [sniffer.ifname, '--keep-foreign']));
      await Promise.all([tx, rx, sn].map((p) => p.waitFor((e) => e.event === 'open', 20_000, 'open')));
      const f = new Uint8Array(60);
      f.set(parseMac(evse.mac)!, 0);
      f.set(parseMac(ev.mac)!, 6);
      f[12] = 0x88;
      f[13] = 0xe1;
      f[20] = 0x42;
      tx.send({ cmd: 'send', hex: toHex(f) });
      const atEvse = await rx.waitFor((e) => e.event === 'frame', 10_000, 'frame at evse');
      const atSniffer = await sn.waitFor((e) => e.event === 'frame', 10_000, 'frame at sniffer');
      expect(atEvse.packetType).toBe('host');
      expect(atSniffer.packetType).toBe('otherhost');
      expect(atSniffer.hex).toBe(toHex(f));
    } finally {
      await hub.destroy();
    }
    expect(listNetns()).not.toMatch(new RegExp(`tsplc-${process.pid}-\\d+-hub`));
  });
});
