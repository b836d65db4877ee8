// One side of a SLAC session on a real interface (AF_PACKET), for the
// network-namespace tests and the benchmark, run by the layer actors that
// `tsplc pev|evse` give the connection manager (src/runtime/slac-layer.ts).
// Prints one JSON line:
//   node --import tsx test/slac/netns-peer.ts <ev|evse> <ifname> [fast]
import { openAfPacketPort } from '../../drivers/ethernet/index.js';
import { formatMac, toHex } from '../../src/bytes.js';
import { createActor, toPromise, type AnyActorLogic } from 'xstate';
import { evModemActor, evSlacActor, evseModemActor, evseSlacActor, type EvseKeyHolder, type LowerLayerOptions } from '../../src/runtime/slac-layer.js';
import { nullLogger } from '../../src/ports/log.js';
import { slacEvFastest } from '../../src/domain/slac/timing.js';
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
const run = <O>(logic: AnyActorLogic): Promise<O> => toPromise(createActor(logic).start()) as Promise<O>;
type Failed = { ok: false; reason: string };
try {
  if (role === 'ev') {
    // Real cars re-send CM_SLAC_PARM.REQ for seconds while the charger's modem starts (EVerest: 100 × 200 ms).
    const opts: LowerLayerOptions = { port, logger: nullLogger, report, modem: { timings: modemTimings }, slac: { timings: { parmReqRetries: 50, ...(fast ? slacEvFastest : {}) } } };
    const modem = await run<{ ok: true; firmware: string } | Failed>(evModemActor(opts));
    const s = modem.ok ? await run<{ ok: true; evseMac: Uint8Array; nid: Uint8Array; nmk: Uint8Array; attenuation: number; modems: number; firmware: string } | Failed>(evSlacActor(opts)) : undefined;
    process.stdout.write(
      JSON.stringify({
        role,
        ok: s?.ok ?? false,
        slac: s && (s.ok ? { evseMac: formatMac(s.evseMac), nid: hex(s.nid), nmk: hex(s.nmk), attenuation: s.attenuation } : s),
        modem: modem.ok ? { firmware: modem.firmware } : modem,
        join: s?.ok ? { modems: s.modems, firmware: s.firmware } : undefined,
        slacMs: marks[160] !== undefined && marks[100] !== undefined ? marks[160] - marks[100] : null,
        cpuUs,
      }) + '\n',
    );
  } else {
    const opts: LowerLayerOptions = { port, logger: nullLogger, report, modem: { timings: modemTimings } };
    const key: EvseKeyHolder = {};
    const modem = await run<{ ok: boolean }>(evseModemActor(opts, key));
    const s = modem.ok ? await run<{ ok: true; evMac: Uint8Array; attenuation: number; measured: boolean } | Failed>(evseSlacActor(opts, key)) : undefined;
    process.stdout.write(
      JSON.stringify({ role, ok: modem.ok && (s?.ok ?? false), nid: hex(key.nid), slac: s ? (s.ok ? { evMac: formatMac(s.evMac), attenuation: s.attenuation, measured: s.measured } : s) : modem }) + '\n',
    );
  }
} finally {
  port.close();
}
