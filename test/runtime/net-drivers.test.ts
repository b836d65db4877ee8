// drivers/udp + drivers/tcp on a real veth pair between two namespaces: an
// SDP-shaped exchange (multicast to ff02::1 scoped to the interface, unicast
// answer) and a TCP echo on the link-local addresses. Needs root.
import { describe, expect, it } from 'vitest';
import { createVethPair, netnsAvailable, netnsUnavailableReason } from '../../src/runtime/netns.js';
import { lines } from '../modem-sim/star.js';
import { requireEnv } from '../env.js';
import { testScript } from '../helpers/cli.js';

const skip = !requireEnv('root + network namespaces', netnsAvailable(), netnsUnavailableReason());

describe.skipIf(skip)('node:dgram / node:net drivers across namespaces', () => {
  it('multicast request on the scoped interface, unicast answer, TCP echo on fe80::', async () => {
    const pair = await createVethPair();
    try {
      const server = lines(pair.spawnNode(pair.a, testScript('test/runtime/netns/udp-peer.ts'), ['server', pair.a.ifname]));
      const ready = JSON.parse(await server.waitFor((l) => l.startsWith('{'), 20_000)) as { ready: boolean; address: string; tcpPort: number };
      expect(ready.ready).toBe(true);
      expect(ready.tcpPort).toBeGreaterThanOrEqual(49152);
      const client = lines(pair.spawnNode(pair.b, testScript('test/runtime/netns/udp-peer.ts'), ['client', pair.b.ifname]));
      const out = JSON.parse(await client.waitFor((l) => l.startsWith('{'), 20_000)) as { udp: string; from: string; echo: string; local: string };
      expect(out.udp).toBe(`pong:${ready.tcpPort}`);
      expect(out.from).toBe(ready.address);
      expect(out.echo).toBe('hello over tcp');
      expect(out.local).toBe(pair.b.linkLocal.split('%')[0]);
    } finally {
      await pair.destroy();
    }
  });
});
