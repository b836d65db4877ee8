'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS so the tap starts in a few ms, without tsx */
/* global require, process */
// Frame tap for test/bench/footprint.bench.ts: prints one JSON line per HomePlug frame
// (EtherType 0x88E1) seen on the interface given as argv[2], with the kernel's receive
// timestamp (CLOCK_REALTIME, ms, SO_TIMESTAMPNS): {"src":"02..","mmtype":24676,"t":1764...}.
// The bench compares `t` with the wall time at which it spawned the process under test.
const { PacketSocket } = require('../../native/index.cjs');

const ifname = process.argv[2];
if (!ifname) {
  process.stderr.write('usage: frame-tap.cjs <ifname>\n');
  process.exit(2);
}
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
const socket = new PacketSocket(
  ifname,
  [0x88e1],
  (data, _packetType, t) => {
    if (data.length < 17) return;
    // dst(6) src(6) EtherType(2) MMV(1) MMTYPE(2, little-endian)
    const mmtype = data[15] | (data[16] << 8);
    process.stdout.write(JSON.stringify({ src: hex(data.subarray(6, 12)), mmtype, t }) + '\n');
  },
  (e) => {
    process.stderr.write(`frame-tap: ${e && e.message}\n`);
    process.exitCode = 1;
  },
);
process.once('SIGTERM', () => socket.close());
process.stdout.write('ready\n');
