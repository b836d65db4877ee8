// A two-port IPv6 frame forwarder for the checksum-offload test: runs in the
// middle namespace, reads IPv6 frames (EtherType 0x86DD, NDP included) from
// each interface and re-sends them unchanged on the other, like modem-sim.
//   default: through openAfPacketPort (the driver completes offloaded checksums)
//   --raw:   straight through the addon's PacketSocket, frames as the kernel gave them
// stdout: {"event":"ready"} | {"event":"frame","from":"p0","status":8,"hex":"..."} | {"event":"stats",...}
// stdin:  {"cmd":"stats"}
// Usage: forwarder.ts <ifA> <ifB> [--raw]
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openAfPacketPort } from '../../drivers/ethernet/index.js';
import { loadNative } from '../../drivers/ethernet/native.js';
import { toHex } from '../../src/bytes.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { raw: { type: 'boolean', default: false } } });
const [ifA, ifB] = positionals as [string, string];
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const ETHERTYPE_IPV6 = 0x86dd;

interface Side {
  send(frame: Uint8Array): void;
  stats(): object;
}

const sides = new Map<string, Side>();
const forward = (from: string, data: Uint8Array, status: number | undefined) => {
  out({ event: 'frame', from, ...(status !== undefined ? { status } : {}), hex: toHex(data) });
  const to = sides.get(from === ifA ? ifB : ifA);
  to?.send(data);
};

for (const ifname of [ifA, ifB]) {
  if (values.raw) {
    const { PacketSocket } = loadNative();
    const s = new PacketSocket(ifname, [ETHERTYPE_IPV6], (data, _type, _ts, status) => forward(ifname, data, status), (e) => out({ event: 'error', ifname, code: e.code }));
    sides.set(ifname, { send: (f) => s.send(f), stats: () => s.stats() });
  } else {
    // dropForeign off: the host sends unicast to the far host's MAC, foreign to this interface.
    const p = openAfPacketPort(ifname, { etherTypes: [ETHERTYPE_IPV6], dropForeign: false });
    p.frames$.subscribe((f) => forward(ifname, f.data, undefined));
    p.errors$.subscribe((e) => out({ event: 'error', ifname, code: e.code }));
    sides.set(ifname, p);
  }
}
out({ event: 'ready' });
createInterface({ input: process.stdin }).on('line', (line) => {
  if ((JSON.parse(line) as { cmd: string }).cmd === 'stats') out({ event: 'stats', ...Object.fromEntries([...sides].map(([k, v]) => [k, v.stats()])) });
});
