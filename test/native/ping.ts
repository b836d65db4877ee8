// Round-trip timer for the Ethernet benchmark: runs inside a namespace, sends
// one 60-byte 0x88E1 frame at a time to an echo station (peer.ts --echo) and
// times send -> reply. Prints one JSON line with the figures.
// Usage: ping.ts <ifname> <peer-mac> <count>
import { openAfPacketPort } from '../../drivers/ethernet/index.js';
import { parseMac } from '../../src/bytes.js';
import { firstValueFrom, filter, timeout, take } from 'rxjs';

const [ifname = 'veth0', peer = '', countText = '10000'] = process.argv.slice(2);
const count = Number(countText);
const port = openAfPacketPort(ifname, { etherTypes: [0x88e1] });
const frame = new Uint8Array(60);
frame.set(parseMac(peer)!, 0);
frame.set(port.mac, 6);
frame[12] = 0x88;
frame[13] = 0xe1;

const rtts: number[] = [];
let lost = 0;
const started = process.hrtime.bigint();
for (let i = 0; i < count + 200; i++) {
  frame[20] = i & 0xff;
  frame[21] = (i >> 8) & 0xff;
  const seq = i;
  const reply = firstValueFrom(
    port.frames$.pipe(
      filter((f) => f.data[20] === (seq & 0xff) && f.data[21] === ((seq >> 8) & 0xff)),
      take(1),
      timeout(200),
    ),
  ).then(
    () => true,
    () => false,
  );
  const t0 = process.hrtime.bigint();
  port.send(frame);
  const okReply = await reply;
  const us = Number(process.hrtime.bigint() - t0) / 1000;
  if (i < 200) continue; // warm-up (JIT, caches)
  if (okReply) rtts.push(us);
  else lost++;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
rtts.sort((a, b) => a - b);
const pct = (p: number) => rtts[Math.min(rtts.length - 1, Math.max(0, Math.ceil((p / 100) * rtts.length) - 1))] ?? NaN;
process.stdout.write(JSON.stringify({ count, lost, p50_us: pct(50), p99_us: pct(99), max_us: rtts[rtts.length - 1], seconds, stats: port.stats() }) + '\n');
port.close();
