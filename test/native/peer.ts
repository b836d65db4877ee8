// A station for the namespace tests: runs inside a namespace (spawned with
// `ip netns exec`), opens an AF_PACKET port and talks JSON lines:
//   stdout: {"event":"open",...} | {"event":"frame",...} | {"event":"error",...} | {"event":"info",...} | {"event":"closed",...}
//   stdin:  {"cmd":"send","hex":"..."} | {"cmd":"promisc","on":true} | {"cmd":"info"} | {"cmd":"close"}
// Usage: peer.ts <ifname> [--types 0x88e1,0x88e2] [--keep-foreign] [--outgoing] [--echo] [--unref-exit]
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openAfPacketPort, interfaceInfo, EthernetOpenError } from '../../drivers/ethernet/index.js';
import { decodeMme } from '../../src/codecs/homeplug/index.js';
import { fromHex, toHex, formatMac } from '../../src/bytes.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    types: { type: 'string', default: '0x88e1' },
    'keep-foreign': { type: 'boolean', default: false },
    outgoing: { type: 'boolean', default: false },
    echo: { type: 'boolean', default: false },
    'unref-exit': { type: 'boolean', default: false },
  },
});
const ifname = positionals[0] ?? 'veth0';
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
// IFF_PROMISC as the kernel holds it in dev->flags (counts packet-socket
// memberships; SIOCGIFFLAGS reports only the administrator's setting).
const promiscuity = () => (Number(readFileSync(`/sys/class/net/${ifname}/flags`, 'utf8').trim()) & 0x100) !== 0;
const etherTypes = values.types === 'all' ? [] : values.types.split(',').map((t) => Number(t));

let port;
try {
  port = openAfPacketPort(ifname, { etherTypes, dropForeign: !values['keep-foreign'], includeOutgoing: values.outgoing });
} catch (e) {
  out({ event: 'error', code: e instanceof EthernetOpenError ? e.code : 'UNEXPECTED', message: (e as Error).message });
  process.exit(2);
}
const p = port;
out({ event: 'open', mac: formatMac(p.mac), ifindex: p.ifindex, mtu: p.mtu });

if (values['unref-exit']) {
  // The process must end by itself: an unref()'d socket keeps nothing alive.
  p.unref();
} else {
  p.frames$.subscribe({
    next(f) {
      if (values.echo) {
        // Swap MACs and send back: the benchmark's echo station.
        const reply = f.data.slice();
        reply.set(f.data.subarray(6, 12), 0);
        reply.set(p.mac, 6);
        p.send(reply);
        return;
      }
      const decoded = decodeMme(f.data);
      out({
        event: 'frame',
        hex: toHex(f.data),
        length: f.data.length,
        packetType: f.packetType,
        timestamp: f.timestamp,
        mme: decoded.ok ? decoded.value.type : undefined,
        decodeError: decoded.ok ? undefined : decoded.error.code,
      });
    },
    complete() {
      out({ event: 'completed' });
    },
  });
  p.errors$.subscribe((e) => out({ event: 'runtime-error', ...e }));
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const cmd = JSON.parse(line) as { cmd: string; hex?: string; on?: boolean };
    if (cmd.cmd === 'send') {
      p.send(fromHex(cmd.hex ?? '') ?? new Uint8Array());
      out({ event: 'sent' });
    } else if (cmd.cmd === 'promisc') {
      p.setPromiscuous(cmd.on === true);
      out({ event: 'info', promiscuous: promiscuity() });
    } else if (cmd.cmd === 'info') {
      const i = interfaceInfo(ifname);
      out({ event: 'info', promiscuous: promiscuity(), up: i.up, running: i.running, stats: p.stats() });
    } else if (cmd.cmd === 'close') {
      p.close();
      p.close(); // idempotent
      p.send(new Uint8Array(60)); // ignored with a log line, no throw
      out({ event: 'closed', isOpen: p.isOpen });
      // With stdin gone nothing else is pending: the process exits only if the
      // closed socket released its libuv handle.
      rl.close();
      process.stdin.destroy();
    }
  });
}
