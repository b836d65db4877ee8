import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, toPromise } from 'xstate';
import { MemoryIpv6Link } from '../../drivers/udp/memory-link.js';
import { sdpClientMachine } from '../../machines/sdp-client/index.js';
import { sdpServerMachine } from '../../machines/sdp-server/index.js';
import { udpLinkActor } from '../../src/runtime/net-actors.js';
import { nullLogger } from '../../src/ports/log.js';
import { encodeV2gtp } from '../../src/codecs/v2gtp/header.js';

const evMac = new Uint8Array([0x02, 0, 0, 0, 0, 0x01]);
const evseMac = new Uint8Array([0x02, 0, 0, 0, 0, 0x02]);

function setupLink() {
  const clock = new SimulatedClock();
  const link = new MemoryIpv6Link({ clock });
  const ev = link.addHost('sim-ev', evMac);
  const evse = link.addHost('sim-evse', evseMac);
  return { clock, link, ev, evse };
}

/** Advances virtual time in small steps so microtask deliveries interleave with timers. */
async function advance(clock: SimulatedClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.increment(step);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

describe('SDP over the in-memory link (virtual time)', () => {
  it('EV discovers the SECC address and TCP port', async () => {
    const { clock, ev, evse } = setupLink();
    const server = createActor(sdpServerMachine.provide({ actors: { udp: udpLinkActor({ net: evse, port: 15118, multicast: 'ff02::1', logger: nullLogger }) } }), {
      input: { address: evse.address, tcpPort: 51111 },
      clock,
    }).start();
    const client = createActor(sdpClientMachine.provide({ actors: { udp: udpLinkActor({ net: ev, port: 0, logger: nullLogger }) } }), { input: {}, clock }).start();
    await advance(clock, 300);
    const out = await toPromise(client);
    expect(out).toMatchObject({ ok: true, address: evse.address, port: 51111, security: 0x10, transport: 0 });
    server.stop();
  });

  it('gives up after SDP_max_requests when nobody answers, one request per SDP_retry_interval', async () => {
    const { clock, ev, link } = setupLink();
    const client = createActor(sdpClientMachine.provide({ actors: { udp: udpLinkActor({ net: ev, port: 0, logger: nullLogger }) } }), {
      input: { timings: { SDP_retry_interval: 250, SDP_max_requests: 50 } },
      clock,
    }).start();
    await advance(clock, 249 * 50, 50);
    expect(client.getSnapshot().status).toBe('active');
    await advance(clock, 300, 50);
    const out = await toPromise(client);
    expect(out).toEqual({ ok: false, failure: { code: 'SDP_NO_RESPONSE', retryable: true, detail: 'no valid SDP response to 50 requests' }, requests: 50 });
    expect(link.stats.udpSent).toBe(50);
  });

  it('ignores garbage and a wrong payload type, then accepts the real answer', async () => {
    const { clock, ev, evse } = setupLink();
    const rogue = await evse.openUdp(0);
    if (!rogue.ok) throw new Error(rogue.error.message);
    let seen = 0;
    rogue.value.datagrams$.subscribe(() => seen++);
    // Play the SECC by hand: learn the client's ephemeral port from its request.
    const sdpSock = await evse.openUdp(15118, { multicast: 'ff02::1' });
    if (!sdpSock.ok) throw new Error(sdpSock.error.message);
    let clientPort = 0;
    sdpSock.value.datagrams$.subscribe((d) => (clientPort = d.port));
    const client = createActor(sdpClientMachine.provide({ actors: { udp: udpLinkActor({ net: ev, port: 0, logger: nullLogger }) } }), { input: {}, clock }).start();
    await advance(clock, 20);
    expect(clientPort).toBeGreaterThan(0);
    await advance(clock, 260);
    rogue.value.send(new Uint8Array([1, 2, 3]), ev.address, clientPort);
    rogue.value.send(encodeV2gtp(0x9000, new Uint8Array([0x10, 0])), ev.address, clientPort);
    await advance(clock, 20);
    expect(client.getSnapshot().status).toBe('active');
    const good = encodeV2gtp(0x9001, new Uint8Array([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0xc7, 0xa7, 0x10, 0x00]));
    rogue.value.send(good, ev.address, clientPort);
    await advance(clock, 20);
    expect(await toPromise(client)).toMatchObject({ ok: true, address: 'fe80::2', port: 0xc7a7 });
    expect(seen).toBe(0);
  });

  it('server fault injection: wrong announced port, and silence', async () => {
    const { clock, ev, evse } = setupLink();
    const server = createActor(sdpServerMachine.provide({ actors: { udp: udpLinkActor({ net: evse, port: 15118, multicast: 'ff02::1', logger: nullLogger }) } }), {
      input: { address: evse.address, tcpPort: 51111, announcePort: 50000 },
      clock,
    }).start();
    const client = createActor(sdpClientMachine.provide({ actors: { udp: udpLinkActor({ net: ev, port: 0, logger: nullLogger }) } }), { input: {}, clock }).start();
    await advance(clock, 100);
    expect(await toPromise(client)).toMatchObject({ ok: true, port: 50000 });
    server.stop();
  });
});
