// Helper process for the namespace tests of drivers/udp + drivers/tcp:
//   server <if>: SDP-like server on [ff02::1%if]:15118, answers each datagram with "pong:<text>" and prints lines
//   client <if>: sends "ping" to ff02::1:15118 every 200 ms until an answer comes, prints it as JSON
import { createNodeNetStack } from '../../../drivers/tcp/node-stack.js';
import { nullLogger } from '../../../src/ports/log.js';

const [role, ifname] = process.argv.slice(2);
const net = createNodeNetStack(ifname ?? 'eth0', nullLogger);
if (role === 'server') {
  const r = await net.openUdp(15118, { multicast: 'ff02::1' });
  if (!r.ok) {
    console.log(JSON.stringify({ error: r.error }));
    process.exit(1);
  }
  const tcp = await net.listenTcp(0);
  if (!tcp.ok) {
    console.log(JSON.stringify({ error: tcp.error }));
    process.exit(1);
  }
  tcp.value.connections$.subscribe((c) => c.events$.subscribe((e) => e.type === 'data' && c.write(e.data)));
  r.value.datagrams$.subscribe((d) => {
    r.value.send(new TextEncoder().encode(`pong:${tcp.value.port}`), d.address, d.port);
  });
  console.log(JSON.stringify({ ready: true, address: net.linkLocalAddress(), tcpPort: tcp.value.port }));
} else {
  const r = await net.openUdp(0);
  if (!r.ok) {
    console.log(JSON.stringify({ error: r.error }));
    process.exit(1);
  }
  const timer = setInterval(() => r.value.send(new TextEncoder().encode('ping'), 'ff02::1', 15118), 200);
  r.value.datagrams$.subscribe(async (d) => {
    clearInterval(timer);
    const text = new TextDecoder().decode(d.data);
    const port = Number(text.split(':')[1]);
    const c = await net.connectTcp(d.address, port, 2000);
    if (!c.ok) {
      console.log(JSON.stringify({ udp: text, from: d.address, tcpError: c.error }));
      process.exit(1);
    }
    c.value.events$.subscribe((e) => {
      if (e.type === 'data') {
        console.log(JSON.stringify({ udp: text, from: d.address, echo: new TextDecoder().decode(e.data), local: c.value.localAddress }));
        c.value.close();
        r.value.close();
      }
    });
    c.value.write(new TextEncoder().encode('hello over tcp'));
  });
}
