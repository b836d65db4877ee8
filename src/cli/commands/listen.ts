// tsplc listen: ListenMode. Live on an interface (promiscuous) or offline on
// a capture file: MAC log of the EVSEs seen, NID/NMK from CM_SLAC_MATCH.CNF,
// optionally joining the AVLN with the captured key (--join, live only).
//
//   tsplc listen --interface eth0 [--join] [--maclog MacLog.txt] [--json]
//   tsplc listen --file capture.pcapng [--json]
import { parseCommandArgs } from '../args.js';
import { appendFileSync, readFileSync } from 'node:fs';
import { createActor } from 'xstate';
import { listenMachine, type ListenOutput, type MacLogEntry } from '../../../machines/listen/index.js';
import { wallClock } from '../../../drivers/clock/index.js';
import { toHex } from '../../bytes.js';
import { ETHERTYPE_HOMEPLUG, ETHERTYPE_VLAN } from '../../constants.js';
import { LINKTYPE_ETHERNET, readCapture, type CaptureRecord } from '../../codecs/capture/index.js';
import { createV2gAnalyser } from '../../tools/analysis/frame-analyser.js';
import type { EthernetFrame } from '../../ports/ethernet.js';
import { createLogger } from '../../runtime/logger.js';
import { bridgePort, decodeFrame } from '../../domain/slac/bridge.js';
import type { StatusUpdate } from '../../status.js';
import { errorMessage } from '../../errors.js';

export const summary = 'ListenMode: sniff SLAC, take NMK/NID, join, decode (interface or capture file)';

const usage = `usage: tsplc listen (--interface <if> [--join] | --file <capture>) [--maclog <file>] [--json] [--no-decode]
  -i, --interface <if>  listen live (promiscuous, needs CAP_NET_RAW)
  -f, --file <capture>  read a pcap/pcapng file instead
  --join                set the captured NMK/NID into the own modem (live only)
  --maclog <file>       append "<time> SECC MAC <evse> EV <ev>" lines (pyPLC MacLog.txt)
  --json                JSON lines instead of human text
  --no-decode           only count the visible frames (default: decode SDP, ND, TCP and V2G messages)`;


function etherTypeOf(d: Uint8Array): number {
  const t = ((d[12] ?? 0) << 8) | (d[13] ?? 0);
  return t === ETHERTYPE_VLAN ? ((d[16] ?? 0) << 8) | (d[17] ?? 0) : t;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('listen', usage, {
    args: argv,
    options: {
      interface: { type: 'string', short: 'i' },
      file: { type: 'string', short: 'f' },
      join: { type: 'boolean' },
      maclog: { type: 'string' },
      json: { type: 'boolean' },
      'no-decode': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.interface === !values.file) {
    process.stderr.write(`tsplc listen: give exactly one of --interface or --file\n${usage}\n`);
    return 2;
  }
  if (values.join && values.file) {
    process.stderr.write('tsplc listen: --join needs a live --interface\n');
    return 2;
  }
  const json = values.json ?? false;
  const print = (kind: string, text: string, data: Record<string, unknown>): void => {
    process.stdout.write(json ? JSON.stringify({ kind, ...data }) + '\n' : text + '\n');
  };
  const onMacLog = (e: MacLogEntry): void => {
    const line = `${new Date(e.time).toISOString()} SECC MAC ${e.evseMac} EV ${e.evMac} RunID ${e.runId}${e.attenuation !== undefined ? ` attenuation ${e.attenuation} dB` : ''}`;
    print('maclog', line, { ...e });
    if (values.maclog) {
      try {
        appendFileSync(values.maclog, line + '\n');
      } catch (err) {
        process.stderr.write(`tsplc listen: cannot append to ${values.maclog}: ${errorMessage(err)}\n`);
      }
    }
  };
  const report = (u: StatusUpdate): void => {
    if (u.state === 'KeyCaptured' && u.details) print('key', `captured NID ${String(u.details.nid)} NMK ${String(u.details.nmk)} (EV ${String(u.details.evMac)}, EVSE ${String(u.details.evseMac)})`, { ...u.details });
    else if (u.state === 'Joined' || u.state === 'JoinFailed' || u.state === 'Joining') print('join', `${u.state}${u.details ? ' ' + JSON.stringify(u.details) : ''}`, { state: u.state, ...u.details });
    else if (u.details?.kind) print('visible', `visible: ${String(u.details.kind)} frame #${String(u.details.count)} ${String(u.details.src)} → ${String(u.details.dst)}`, { ...u.details });
  };
  // What becomes visible is decoded with the same analyser as `tsplc decode` (SDP, ND, TCP, V2GTP/EXI).
  const analyser = values['no-decode'] ? undefined : createV2gAnalyser();
  let frameNo = 0;
  const decodeVisible = (r: CaptureRecord): void => {
    if (!analyser) return;
    let items;
    try {
      items = analyser.analyse(r);
    } catch (e) {
      process.stderr.write(`tsplc listen: decoder failed on frame ${r.index}: ${errorMessage(e)}\n`);
      return;
    }
    for (const it of items ?? []) {
      print('decoded', `${it.layer}: ${it.name} ${it.src ?? ''} → ${it.dst ?? ''} ${it.summary}`, { layer: it.layer, name: it.name, src: it.src, dst: it.dst, summary: it.summary, frame: r.index });
    }
  };
  const asRecord = (data: Uint8Array, timestamp: number): CaptureRecord => ({ timestamp, linkType: LINKTYPE_ETHERNET, data, originalLength: data.length, interfaceId: 0, index: ++frameNo });
  const summaryOf = (o: ListenOutput): void => {
    print(
      'summary',
      `sessions ${o.sessions}, EVSEs ${new Set(o.macLog.map((m) => m.evseMac)).size}, keys ${o.keys.map((k) => `NID ${toHex(k.nid)} NMK ${toHex(k.nmk)}`).join(', ') || 'none'}, joined ${o.joined}, visible ${JSON.stringify(o.visible)}`,
      { sessions: o.sessions, evses: [...new Set(o.macLog.map((m) => m.evseMac))], keys: o.keys.map((k) => ({ nid: toHex(k.nid), nmk: toHex(k.nmk), evMac: k.evMac, evseMac: k.evseMac })), joined: o.joined, visible: o.visible },
    );
  };

  if (values.file) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(values.file);
    } catch (e) {
      process.stderr.write(`tsplc listen: cannot read ${values.file}: ${errorMessage(e)}\n`);
      return 1;
    }
    const actor = createActor(listenMachine, { input: { onMacLog, report, clock: wallClock } }).start();
    let bad = 0;
    for (const r of readCapture(bytes)) {
      if (!r.ok) {
        bad++;
        if (r.error.code !== 'TRUNCATED') continue;
        break;
      }
      const d = r.value.data;
      if (d.length < 14) continue;
      if (etherTypeOf(d) === ETHERTYPE_HOMEPLUG) {
        const x = decodeFrame(d, r.value.timestamp);
        if (x.ok && x.event) actor.send(x.event);
      } else {
        actor.send({ type: 'VISIBLE', src: d.subarray(6, 12), dst: d.subarray(0, 6), etherType: etherTypeOf(d), timestamp: r.value.timestamp });
        if (r.value.linkType === LINKTYPE_ETHERNET) decodeVisible(r.value);
      }
    }
    actor.send({ type: 'STOP' });
    summaryOf(actor.getSnapshot().output as ListenOutput);
    if (bad > 0) process.stderr.write(`tsplc listen: ${bad} unreadable record(s) in ${values.file}\n`);
    return 0;
  }

  const logger = createLogger({});
  const { openAfPacketPort } = await import('../../../drivers/ethernet/index.js');
  let port;
  try {
    port = openAfPacketPort(values.interface as string, { etherTypes: [], dropForeign: false, logger });
  } catch (e) {
    process.stderr.write(`tsplc listen: ${errorMessage(e)}\n`);
    return 1;
  }
  port.setPromiscuous(true);
  const ref: { a?: ReturnType<typeof createActor<typeof listenMachine>> } = {};
  const bridge = bridgePort(port, () => ref.a, { acceptForeign: true, logger });
  const actor = createActor(listenMachine, { input: { join: values.join ?? false, send: bridge.send, onMacLog, report, logger, clock: wallClock } });
  ref.a = actor;
  actor.start();
  const sub = port.frames$.subscribe((f: EthernetFrame) => {
    if (f.data.length >= 14 && etherTypeOf(f.data) !== ETHERTYPE_HOMEPLUG) {
      actor.send({ type: 'VISIBLE', src: f.data.subarray(6, 12), dst: f.data.subarray(0, 6), etherType: etherTypeOf(f.data), timestamp: f.timestamp });
      decodeVisible(asRecord(f.data, f.timestamp));
    }
  });
  print('start', `listening on ${port.name} (promiscuous)${values.join ? ', joining captured networks' : ''}`, { interface: port.name, join: values.join ?? false });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  actor.send({ type: 'STOP' });
  summaryOf(actor.getSnapshot().output as ListenOutput);
  sub.unsubscribe();
  bridge.close();
  port.close();
  return 0;
}
