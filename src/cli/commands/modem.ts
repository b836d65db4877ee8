// tsplc modem: ask the own Green PHY modem what it is and what network it is in.
//
//   tsplc modem -i eth1 info              VS_SW_VER: firmware and device of every modem that answers
//   tsplc modem -i eth1 key               CM_GET_KEY: the NID (and NMK, if the modem tells) in use
//   tsplc modem -i eth1 set-key <nmk|random>   CM_SET_KEY: put the modem into a network (it restarts)
//   tsplc modem -i eth1 status            VS_NW_INFO + VS_PL_LINK_STATUS: network, peers and rates
//   tsplc modem -i eth1 reset             VS_RS_DEV: restart the modem
//
// The same MMEs pyPLC sends at start-up and open-plc-utils' plctool sends for -r/-m/-R:
// the first thing to try when a charge stops at checkpoint 100–180 (docs/raspberry-pi.md).
// The frames are built and read in src/codecs/homeplug/modem-query.ts; this file only does I/O.
import { randomBytes } from 'node:crypto';
import { parseCommandArgs } from '../args.js';
import { fromHex, toHex } from '../../bytes.js';
import * as hp from '../../codecs/homeplug/index.js';
import type { ModemAnswer, ModemQuery } from '../../codecs/homeplug/index.js';
import type { EthernetPort } from '../../ports/ethernet.js';
import { errorMessage } from '../../errors.js';

export const summary = 'ask the own modem: info | key | set-key <nmk|random> | status | reset';

const usage = `usage: tsplc modem -i <if> <command> [options]
commands:
  info                    firmware version and device (VS_SW_VER) of every modem that answers
  key                     NID (and NMK if the modem reveals it) the modem is in (CM_GET_KEY)
  set-key <nmk|random>    put the modem into the network of a 16-byte NMK (32 hex digits) (CM_SET_KEY)
  status                  powerline link, network, peers and PHY rates (VS_PL_LINK_STATUS, VS_NW_INFO)
  reset                   restart the modem (VS_RS_DEV)
options:
  -i, --interface <if>    the Ethernet interface the modem is on (e.g. eth1)
  --nid <hex>             set-key: the NID (14 hex digits; default derived from the NMK)
  --timeout <ms>          how long to wait for the answer (default 1000)
  --json                  one JSON object per answer on stdout`;

type OpenPort = (ifname: string) => Promise<EthernetPort>;

async function openRealPort(ifname: string): Promise<EthernetPort> {
  const { openAfPacketPort } = await import('../../../drivers/ethernet/index.js');
  return openAfPacketPort(ifname, { etherTypes: [hp.ETHERTYPE_HOMEPLUG] });
}

/** Sends `request` and collects the answers for `query` until the first one (or, with `all`, until the timeout). */
export function ask(port: EthernetPort, query: ModemQuery, request: hp.Mme, timeoutMs: number, all: boolean): Promise<{ answers: ModemAnswer[]; errors: string[] }> {
  return new Promise((resolve) => {
    const answers: ModemAnswer[] = [];
    const errors: string[] = [];
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub.unsubscribe();
      resolve({ answers, errors });
    };
    const sub = port.frames$.subscribe({
      next: (f) => {
        const r = hp.readModemAnswer(query, f.data);
        if (!r.ok) {
          errors.push(`${r.error.code}: ${r.error.message}`);
          if (!all) finish();
          return;
        }
        if (!r.value) return;
        answers.push(r.value);
        if (!all) finish();
      },
      error: (e: unknown) => {
        errors.push(`RECEIVE_FAILED: ${errorMessage(e)}`);
        finish();
      },
    });
    const timer = setTimeout(finish, timeoutMs);
    port.send(hp.encodeMme(request));
  });
}

function parseNmk(text: string): Uint8Array | string {
  if (text === 'random') return new Uint8Array(randomBytes(16));
  const b = fromHex(text.replace(/[:\s-]/g, ''));
  if (!b || b.length !== 16) return `the NMK must be 32 hex digits (16 bytes) or 'random', got '${text}'`;
  return b;
}

export async function run(argv: string[], openPort: OpenPort = openRealPort): Promise<number> {
  const parsed = parseCommandArgs('modem', usage, {
    args: argv,
    options: {
      interface: { type: 'string', short: 'i' },
      nid: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const fail = (msg: string): number => {
    process.stderr.write(`tsplc modem: ${msg}\n${usage}\n`);
    return 2;
  };
  const ifname = values.interface;
  if (!ifname) return fail('give the interface the modem is on (-i eth1)');
  const [command, arg, ...extra] = positionals;
  const queries: Record<string, ModemQuery[]> = { info: ['info'], key: ['key'], 'set-key': ['set-key'], status: ['link', 'status'], reset: ['reset'] };
  if (!command || !queries[command]) return fail(`unknown or missing command '${command ?? ''}' (info, key, set-key, status, reset)`);
  if (extra.length > 0 || (arg !== undefined && command !== 'set-key')) return fail(`unexpected argument '${[arg, ...extra].filter(Boolean).join(' ')}'`);
  const timeoutMs = values.timeout === undefined ? 1000 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 50 || timeoutMs > 60_000) return fail(`--timeout must be an integer in 50..60000 ms, got '${values.timeout}'`);
  let setKey: hp.ModemSetKey | undefined;
  if (command === 'set-key') {
    if (arg === undefined) return fail('set-key needs an NMK (32 hex digits) or random');
    const nmk = parseNmk(arg);
    if (typeof nmk === 'string') return fail(nmk);
    let nid: Uint8Array | undefined;
    if (values.nid !== undefined) {
      nid = fromHex(values.nid.replace(/[:\s-]/g, ''));
      if (!nid || nid.length !== 7) return fail(`--nid must be 14 hex digits (7 bytes), got '${values.nid}'`);
    }
    setKey = { nmk, ...(nid ? { nid } : {}) };
  } else if (values.nid !== undefined) return fail('--nid belongs to set-key');

  let port: EthernetPort;
  try {
    port = await openPort(ifname);
  } catch (e) {
    process.stderr.write(`tsplc modem: cannot open ${ifname}: ${errorMessage(e)}\n`);
    return 1;
  }
  const seconds = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`;
  let code = 0;
  try {
    for (const query of queries[command] as ModemQuery[]) {
      const request = hp.modemRequest(query, port.mac, setKey);
      // info goes to broadcast: every modem on the segment (and of its AVLN) answers, as pyPLC counts them.
      let { answers, errors } = await ask(port, query, request, timeoutMs, query === 'info');
      // The first CM_GET_KEY names no NID: the modem withholds the key but tells its NID; asked with it, it grants the NMK.
      const first = answers[0];
      if (query === 'key' && first?.kind === 'key' && first.nmk === undefined && errors.length === 0) {
        const nid = fromHex(first.nid) as Uint8Array;
        const again = await ask(port, query, hp.modemRequest('key', port.mac, undefined, nid), timeoutMs, false);
        if (again.answers.length > 0 || again.errors.length > 0) ({ answers, errors } = again);
      }
      for (const e of errors) process.stderr.write(`tsplc modem: ${e}\n`);
      if (errors.length > 0) code = 1;
      if (answers.length === 0) {
        if (errors.length === 0) {
          process.stderr.write(`tsplc modem: no modem answered ${hp.CONFIRMATION_OF[query].replace('.CNF', '.REQ')} on ${ifname} within ${seconds}: is it powered, is it the right interface?\n`);
        }
        code = 1;
        break;
      }
      for (const a of answers) {
        if (values.json) process.stdout.write(JSON.stringify(a) + '\n');
        else for (const l of hp.formatModemAnswer(a)) process.stdout.write(l + '\n');
      }
      if (query === 'set-key' && setKey && !values.json) {
        process.stdout.write(`  NMK ${toHex(setKey.nmk)} NID ${toHex(setKey.nid ?? hp.nidFromNmk(setKey.nmk))}\n`);
      }
    }
  } finally {
    port.close();
  }
  return code;
}
