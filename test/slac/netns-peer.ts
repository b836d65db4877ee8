// One side of a SLAC session on a real interface (AF_PACKET), for the
// network-namespace tests and the benchmark. Prints one JSON line:
//   node --import tsx test/slac/netns-peer.ts <ev|evse> <ifname> [fast]
import { openAfPacketPort } from '../../drivers/ethernet/index.js';
import { formatMac, toHex } from '../../src/bytes.js';
import { runEvSession, runEvseSession } from '../../src/slac/session.js';
import { slacEvFastest } from '../../src/slac/timing.js';
import type { StatusUpdate } from '../../src/status.js';

const [role, ifname, speed] = process.argv.slice(2);
if ((role !== 'ev' && role !== 'evse') || !ifname) {
  process.stderr.write('usage: netns-peer.ts <ev|evse> <ifname> [fast]\n');
  process.exit(2);
}
const fast = speed === 'fast';
const port = openAfPacketPort(ifname, { etherTypes: [0x88e1] });
const marks: Record<number, number> = {};
let cpuAt100: NodeJS.CpuUsage | undefined;
let cpuUs = 0;
const report = (u: StatusUpdate): void => {
  if (u.checkpoint === undefined) return;
  if (marks[u.checkpoint] === undefined) marks[u.checkpoint] = performance.now();
  if (u.checkpoint === 100 && !cpuAt100) cpuAt100 = process.cpuUsage();
  if (u.checkpoint === 160 && cpuAt100) {
    const d = process.cpuUsage(cpuAt100);
    cpuUs = d.user + d.system;
  }
};
const modemTimings = { restartPause: 200, confirmInterval: 200, discoveryWindow: 150 };
const hex = (b: Uint8Array | undefined): string | undefined => (b ? toHex(b) : undefined);
try {
  if (role === 'ev') {
    // Real cars re-send CM_SLAC_PARM.REQ for seconds while the charger's modem starts (EVerest: 100 × 200 ms).
    const r = await runEvSession(port, { report, modemTimings, discover: true, timings: { parmReqRetries: 50, ...(fast ? slacEvFastest : {}) } });
    const s = r.slac;
    process.stdout.write(
      JSON.stringify({
        role,
        ok: s.ok && (r.join?.ok ?? false),
        slac: s.ok ? { evseMac: formatMac(s.evseMac), nid: hex(s.nid), nmk: hex(s.nmk), attenuation: s.attenuation } : s,
        modem: r.modem && (r.modem.ok ? { firmware: r.modem.firmware } : r.modem),
        join: r.join && (r.join.ok ? { modems: r.join.modems, firmware: r.join.firmware } : r.join),
        slacMs: marks[160] !== undefined && marks[100] !== undefined ? marks[160] - marks[100] : null,
        cpuUs,
      }) + '\n',
    );
  } else {
    const r = await runEvseSession(port, { report, modemTimings });
    const s = r.slac;
    process.stdout.write(
      JSON.stringify({ role, ok: r.key.ok && (s?.ok ?? false), nid: hex(r.key.ok ? r.key.nid : undefined), slac: s && (s.ok ? { evMac: formatMac(s.evMac), attenuation: s.attenuation, measured: s.measured } : s) }) + '\n',
    );
  }
} finally {
  port.close();
}
