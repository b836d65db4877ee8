// Green PHY modem emulator (pure; runs over EthernetPorts).
//
// For each attached host it plays that host's modem; between the modems it
// plays the powerline. What a host sees is what it would see through a real
// QCA7000/AR7420 modem (protocol-facts §1, pyPLC ListenMode observations):
//  - management MMEs addressed to its own modem (QCA localcast 00:B0:52:00:00:01,
//    broadcast, or the modem's MAC) are answered by that modem: CM_SET_KEY,
//    CM_GET_KEY, VS_SW_VER, VS_PL_LINK_STATUS, VS_NW_INFO, VS_RS_DEV;
//  - SLAC MMEs (CM_SLAC_PARM … CM_SLAC_MATCH) cross the powerline whatever the
//    network membership: broadcasts reach every station, unicasts their
//    destination only (a station modelled on the INT6400 hears foreign SLAC
//    unicasts as well: pyPLC's Devolo dLAN 200 saw both directions);
//  - for every CM_MNBC_SOUND.IND heard, the receiving modem reports a
//    CM_ATTEN_PROFILE.IND to its host (unless it models the AR7420, which
//    sends none);
//  - any other traffic crosses only between members of the same AVLN (same
//    NID and NMK, both up): a station that has not joined sees nothing, one
//    that joined sees broadcasts and multicasts but no unicast between the
//    others (as the 2025-01-21 ListenMode captures show);
//  - CM_SET_KEY makes the modem restart: for `restartDelayMs` it answers and
//    forwards nothing (pyPLC checkpoint 180, ≈5 s on real modems).
import { Subject, type Observable, type Subscription } from 'rxjs';
import { bytesEqual, formatMac, toHex } from '../../src/bytes.js';
import { ETHERTYPE_HOMEPLUG } from '../../src/constants.js';
import * as hp from '../../src/codecs/homeplug/index.js';
import type { Mme } from '../../src/codecs/homeplug/index.js';
import type { Clock } from '../../src/ports/clock.js';
import type { EthernetPort } from '../../src/ports/ethernet.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { ATTEN_GROUPS } from '../../src/domain/slac/attenuation.js';
import { randomBytes } from '../../src/domain/slac/messages.js';
import { errorMessage } from '../../src/errors.js';

// Time (the restart delay) comes from the caller's clock port: this folder is pure (no timers of its own).
// Tests give it a SimulatedClock, the CLI the real clock (drivers/clock).

export interface StationOptions {
  /** A name for logs ('ev', 'evse', 'listener'). */
  readonly name: string;
  /** MAC of the emulated modem (answers come from it). Default 00:B0:52:00:xx:yy from a counter. */
  readonly modemMac?: Uint8Array;
  /** VS_SW_VER.CNF version string. */
  readonly firmware?: string;
  /**
   * Attenuation (dB) this modem measures for sounds from the other stations:
   * one value for all 58 groups, or a profile. null: report no
   * CM_ATTEN_PROFILE.IND at all (AR7420). Default 20 dB.
   */
  readonly attenuation?: number | readonly number[] | null;
  /** Modem restart after CM_SET_KEY / VS_RS_DEV, ms (real modems: ≈5 s). Default 500. */
  readonly restartDelayMs?: number;
  /** Result of CM_SET_KEY.CNF. QCA modems answer 1 when they accept the key (default). Values other than 0 and 1 refuse the key. */
  readonly setKeyResult?: number;
  /** false: the modem never answers CM_SET_KEY (a modem that hangs). */
  readonly answerSetKey?: boolean;
  /** false: the modem does not come back after a restart (the "modem never comes back" case). */
  readonly comesBack?: boolean;
  /** Initial NMK (default random: a fresh modem is in a network of its own). */
  readonly nmk?: Uint8Array;
  /** Hear SLAC unicasts between other stations (INT6400-like). Default false. */
  readonly hearsForeignSlac?: boolean;
  /**
   * Average PHY rate (Mbit/s) VS_NW_INFO.CNF reports towards each AVLN peer. Default 9: a
   * Green PHY link (ROBO modulation only) stays near 10 Mbit/s; pyPLC's captures of QCA7000
   * pairs over a charging cable show 9–10.
   */
  readonly phyRateMbps?: number;
}

export interface StationState {
  readonly name: string;
  readonly modemMac: Uint8Array;
  readonly nid: Uint8Array;
  readonly nmk: Uint8Array;
  readonly up: boolean;
  /** Host MACs learnt from the frames the host sent. */
  readonly hostMacs: readonly Uint8Array[];
}

export type ModemSimEvent =
  | { readonly kind: 'set-key'; readonly station: string; readonly nid: string; readonly accepted: boolean }
  | { readonly kind: 'restart'; readonly station: string; readonly ms: number }
  | { readonly kind: 'up'; readonly station: string; readonly nid: string; readonly avlnMembers: number }
  | { readonly kind: 'answered'; readonly station: string; readonly request: string; readonly by: string }
  | { readonly kind: 'forwarded'; readonly from: string; readonly to: string; readonly what: string }
  | { readonly kind: 'profile'; readonly station: string; readonly pevMac: string }
  | { readonly kind: 'malformed'; readonly station: string; readonly code: string; readonly message: string };

interface Station {
  readonly name: string;
  readonly port: EthernetPort;
  readonly modemMac: Uint8Array;
  readonly firmware: string;
  readonly attenuation: readonly number[] | null;
  readonly restartDelayMs: number;
  readonly setKeyResult: number;
  readonly answerSetKey: boolean;
  readonly comesBack: boolean;
  readonly hearsForeignSlac: boolean;
  readonly phyRateMbps: number;
  readonly tei: number;
  nmk: Uint8Array;
  nid: Uint8Array;
  up: boolean;
  cancelRestart: (() => void) | null;
  readonly hostMacs: Uint8Array[];
  sub: Subscription | null;
}

/** MACs remembered per host port (a bridge behind a modem has a handful; real modems keep a small table). */
const MAX_HOST_MACS = 16;

function isGroup(mac: Uint8Array): boolean {
  return ((mac[0] ?? 0) & 1) === 1;
}

/** SLAC MMEs (CM_SLAC_PARM … CM_SLAC_MATCH, 0x6064–0x607F) cross the powerline before, and regardless of, network membership. */
function isSlacMmtype(mmtype: number): boolean {
  return mmtype >= 0x6064 && mmtype <= 0x607f;
}

export class ModemSim {
  private readonly stations: Station[] = [];
  private readonly events = new Subject<ModemSimEvent>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private counter = 0;
  private closed = false;

  /** What the emulated modems do (for logs, the CLI and tests). */
  readonly events$: Observable<ModemSimEvent> = this.events.asObservable();

  constructor(options: { clock: Clock; logger?: Logger }) {
    this.clock = options.clock;
    this.log = (options.logger ?? nullLogger).child('modem-sim');
  }

  /**
   * Attaches a host: `port` is the modem's side of the host's Ethernet link
   * (a memory segment shared with the host, or the far end of a veth pair).
   * It must deliver every frame the host sends (promiscuous, all EtherTypes).
   */
  addStation(port: EthernetPort, options: StationOptions): StationState {
    const n = ++this.counter;
    const nmk = options.nmk ?? randomBytes(16);
    const st: Station = {
      name: options.name,
      port,
      modemMac: options.modemMac ?? new Uint8Array([0x00, 0xb0, 0x52, 0x00, 0x10 + ((n >> 8) & 0xff), n & 0xff]),
      firmware: options.firmware ?? 'MAC-QCA7000-1.2.5.3207-00-20190621-CS (tsplc modem-sim)',
      attenuation: options.attenuation === null ? null : typeof options.attenuation === 'object' ? options.attenuation : new Array<number>(ATTEN_GROUPS).fill(options.attenuation ?? 20),
      restartDelayMs: options.restartDelayMs ?? 500,
      setKeyResult: options.setKeyResult ?? 1,
      answerSetKey: options.answerSetKey ?? true,
      comesBack: options.comesBack ?? true,
      hearsForeignSlac: options.hearsForeignSlac ?? false,
      phyRateMbps: options.phyRateMbps ?? 9,
      // TEIs are handed out by the CCo; a per-station number is stable enough for the emulator.
      tei: Math.min(n, 254),
      nmk,
      nid: hp.nidFromNmk(nmk),
      up: true,
      cancelRestart: null,
      hostMacs: [],
      sub: null,
    };
    port.setPromiscuous(true);
    st.sub = port.frames$.subscribe({
      next: (f) => this.fromHost(st, f.data),
      // A port that fails takes its station off the powerline, not the process down.
      error: (e: unknown) => {
        st.up = false;
        this.log.log('error', `port of ${st.name} failed: ${errorMessage(e)}`);
      },
    });
    this.stations.push(st);
    this.log.log('info', `station ${st.name}: modem ${formatMac(st.modemMac)} on ${port.name}`, { nid: toHex(st.nid) });
    return this.state(st);
  }

  station(name: string): StationState | undefined {
    const st = this.stations.find((s) => s.name === name);
    return st ? this.state(st) : undefined;
  }

  /** Cut power to a station's modem (it goes silent) or give it back. */
  setUp(name: string, up: boolean): void {
    const st = this.stations.find((s) => s.name === name);
    if (st) st.up = up;
  }

  close(): void {
    this.closed = true;
    for (const st of this.stations) {
      st.sub?.unsubscribe();
      st.cancelRestart?.();
    }
    this.events.complete();
  }

  private state(st: Station): StationState {
    return { name: st.name, modemMac: st.modemMac, nid: st.nid, nmk: st.nmk, up: st.up, hostMacs: [...st.hostMacs] };
  }

  private emit(e: ModemSimEvent): void {
    if (!this.closed) this.events.next(e);
  }

  private sameAvln(a: Station, b: Station): boolean {
    return a !== b && a.up && b.up && bytesEqual(a.nid, b.nid) && bytesEqual(a.nmk, b.nmk);
  }

  private linked(st: Station): boolean {
    return this.stations.some((o) => this.sameAvln(st, o));
  }

  private owns(st: Station, mac: Uint8Array): boolean {
    return st.hostMacs.some((m) => bytesEqual(m, mac));
  }

  private toHost(st: Station, frame: Uint8Array): void {
    if (!st.up || this.closed) return;
    try {
      st.port.send(frame);
    } catch (e) {
      this.log.log('warn', `send to host of ${st.name} failed: ${errorMessage(e)}`);
    }
  }

  private answer(st: Station, to: Uint8Array, msg: Mme, from = st.modemMac): void {
    this.toHost(st, hp.encodeMme({ ...msg, src: from, dst: to } as Mme));
  }

  private fromHost(st: Station, data: Uint8Array): void {
    if (this.closed || data.length < 14) return;
    const src = data.subarray(6, 12);
    const dst = data.subarray(0, 6);
    // A restarting or powerless modem takes nothing from its host.
    if (!st.up) return;
    if (!isGroup(src) && !this.owns(st, src) && !bytesEqual(st.modemMac, src)) {
      // Bounded: a host that spoofs MACs (ListenMode experiments) must not grow this forever.
      if (st.hostMacs.length >= MAX_HOST_MACS) st.hostMacs.shift();
      st.hostMacs.push(Uint8Array.from(src));
    }
    const etherType = ((data[12] ?? 0) << 8) | (data[13] ?? 0);
    if (etherType !== ETHERTYPE_HOMEPLUG) {
      this.forwardData(st, data, dst, 'data');
      return;
    }
    // A modem routes by envelope (MMTYPE, addresses), not by payload: a SLAC
    // frame whose payload we cannot decode still crosses the powerline (the
    // open-plc-utils `pev` sends CM_MNBC_SOUND.IND 7 bytes short of ISO 15118-3).
    const env = hp.decodeEnvelope(data);
    if (!env.ok) {
      this.emit({ kind: 'malformed', station: st.name, code: env.error.code, message: env.error.message });
      return;
    }
    const mmtype = env.value.mmtype;
    const r = hp.decodeMme(data);
    const m = r.ok ? r.value : null;
    if (!r.ok) {
      this.emit({ kind: 'malformed', station: st.name, code: r.error.code, message: r.error.message });
      this.log.log('debug', `undecodable MME from host of ${st.name}: ${r.error.code} ${r.error.message}`);
    }
    const toLocal = bytesEqual(dst, hp.QCA_LOCAL_MAC) || bytesEqual(dst, st.modemMac) || isGroup(dst);
    switch (m?.type) {
      case 'CM_SET_KEY.REQ':
        if (toLocal) this.setKey(st, src, m);
        return;
      case 'VS_SW_VER.REQ':
      case 'CM_GET_KEY.REQ':
      case 'VS_PL_LINK_STATUS.REQ':
      case 'VS_RS_DEV.REQ':
      case 'VS_NW_INFO.REQ':
        this.management(st, src, dst, m);
        return;
      default:
        break;
    }
    // Host-to-modem requests a modem could not parse are dropped, not forwarded.
    if (mmtype === 0x6008 || mmtype === 0x600c || (mmtype >= 0xa000 && mmtype < 0xc000 && (mmtype & 3) === 0)) return;
    if (isSlacMmtype(mmtype)) {
      this.forwardSlac(st, data, dst, mmtype, m?.type ?? `MMTYPE 0x${mmtype.toString(16)}`);
      return;
    }
    this.forwardData(st, data, dst, m ? (m.type === 'unknown' ? (m.name ?? `MMTYPE 0x${m.mmtype.toString(16)}`) : m.type) : `MMTYPE 0x${mmtype.toString(16)}`);
  }

  private management(st: Station, host: Uint8Array, dst: Uint8Array, m: Mme): void {
    const toLocal = bytesEqual(dst, hp.QCA_LOCAL_MAC) || bytesEqual(dst, st.modemMac) || isGroup(dst);
    // Which modems answer: our own, plus — for VS_SW_VER / CM_GET_KEY sent to
    // all or to a remote modem — the members of our AVLN (pyPLC and ccs32clara
    // count these answers to know that the network formed).
    const answering: Station[] = [];
    if (toLocal) answering.push(st);
    if (m.type === 'VS_SW_VER.REQ' || m.type === 'CM_GET_KEY.REQ') {
      for (const o of this.stations) if (this.sameAvln(st, o) && (isGroup(dst) || bytesEqual(dst, o.modemMac))) answering.push(o);
    }
    for (const a of answering) {
      this.emit({ kind: 'answered', station: st.name, request: m.type, by: a.name });
      switch (m.type) {
        case 'VS_SW_VER.REQ':
          this.answer(st, host, hp.vsSwVerCnf({ src: a.modemMac, dst: host, version: a.firmware }), a.modemMac);
          break;
        case 'CM_GET_KEY.REQ':
        {
          // As the QCA7420 of pyPLC's ABB capture (frames 124–147): the own modem grants its NMK (result 0)
          // to a request naming its NID, else answers result 1 with its NID and a zeroed key; other AVLN
          // members always answer result 1 with zeros (WP4 capture, frames 21–23).
          const grant = a === st && bytesEqual(m.nid, a.nid);
          const cnf = hp.cmGetKeyCnf({ src: a.modemMac, dst: host, result: grant ? 0 : 1, nid: a.nid, key: grant ? a.nmk : new Uint8Array(16), myNonce: m.myNonce, pid: m.pid, prn: m.prn, pmn: m.pmn });
          this.answer(st, host, cnf, a.modemMac);
          break;
        }
        case 'VS_PL_LINK_STATUS.REQ':
          this.answer(st, host, hp.vsPlLinkStatusCnf({ src: a.modemMac, dst: host, linkStatus: this.linked(a) ? 1 : 0 }));
          break;
        case 'VS_NW_INFO.REQ':
          this.answer(st, host, this.networkInfo(a, host, m.mmv));
          break;
        case 'VS_RS_DEV.REQ':
          this.answer(st, host, hp.vsRsDevCnf({ src: a.modemMac, dst: host }));
          this.restart(a, null);
          break;
        default:
          break;
      }
    }
  }

  /**
   * VS_NW_INFO.CNF in the layout the request asked for (MMV 0: open-plc-utils' AV 1.0
   * layout; MMV 1: the QCA7420 firmware 1.4 layout of the pyPLC ABB capture). The AVLN
   * is listed only when another member is up: a modem alone on its NMK is in no network.
   * The CCo is the member that was attached first (the first one powered up, as on a line).
   */
  private networkInfo(st: Station, host: Uint8Array, mmv: number): Mme {
    const peers = this.stations.filter((o) => this.sameAvln(st, o));
    const members = [st, ...peers].sort((x, y) => x.tei - y.tei);
    const cco = members[0] as Station;
    const snid = (st.nid[0] ?? 0) & 0x0f;
    const base = { nid: st.nid, snid, tei: st.tei, role: cco === st ? 2 : 0, ccoMac: cco.modemMac, ccoTei: cco.tei };
    const bridged = (o: Station): Uint8Array => o.hostMacs[0] ?? new Uint8Array(6);
    if (mmv === 0) {
      const stations = peers.map((o) => ({ mac: o.modemMac, tei: o.tei, bridgedMac: bridged(o), avgPhyRateTx: st.phyRateMbps, avgPhyRateRx: o.phyRateMbps }));
      return hp.vsNwInfoCnf({ src: st.modemMac, dst: host, networks: peers.length > 0 ? [{ ...base, stations }] : [] });
    }
    const stations = peers.map((o) => ({
      mac: o.modemMac,
      tei: o.tei,
      reserved: new Uint8Array(3),
      bridgedMac: bridged(o),
      avgPhyRateTx: st.phyRateMbps,
      coupling: 0,
      reserved1: new Uint8Array(2),
      avgPhyRateRx: o.phyRateMbps,
      reserved2: new Uint8Array(3),
    }));
    const networks = peers.length > 0 ? [{ ...base, reserved: new Uint8Array(2), reserved1: new Uint8Array(4), reserved2: new Uint8Array(3) }] : [];
    return hp.vsNwInfoCnf1({ src: st.modemMac, dst: host, networks, stations });
  }

  private setKey(st: Station, host: Uint8Array, m: Extract<Mme, { type: 'CM_SET_KEY.REQ' }>): void {
    if (!st.answerSetKey) return;
    const accepted = st.setKeyResult === 0 || st.setKeyResult === 1;
    this.emit({ kind: 'set-key', station: st.name, nid: toHex(m.nid), accepted });
    this.answer(st, host, hp.cmSetKeyCnf({ src: st.modemMac, dst: host, result: st.setKeyResult, myNonce: 0, yourNonce: m.myNonce, pid: m.pid, prn: m.prn, pmn: m.pmn }));
    if (accepted) this.restart(st, { nmk: Uint8Array.from(m.newKey), nid: Uint8Array.from(m.nid) });
  }

  private restart(st: Station, key: { nmk: Uint8Array; nid: Uint8Array } | null): void {
    st.cancelRestart?.();
    // The CNF leaves before the modem goes dark.
    st.up = false;
    this.emit({ kind: 'restart', station: st.name, ms: st.restartDelayMs });
    this.log.log('info', `${st.name}: modem restarts (${st.restartDelayMs} ms)`);
    if (key) {
      st.nmk = key.nmk;
      // The NID is sent alongside the NMK; a modem takes it as given.
      st.nid = key.nid;
    }
    if (!st.comesBack) return;
    const timer = this.clock.setTimeout(() => {
      st.cancelRestart = null;
      st.up = true;
      const members = this.stations.filter((o) => o === st || this.sameAvln(st, o)).length;
      this.emit({ kind: 'up', station: st.name, nid: toHex(st.nid), avlnMembers: members });
      this.log.log('info', `${st.name}: modem up, AVLN ${toHex(st.nid)} with ${members} member(s)`);
    }, st.restartDelayMs);
    st.cancelRestart = () => this.clock.clearTimeout(timer);
  }

  private forwardSlac(st: Station, data: Uint8Array, dst: Uint8Array, mmtype: number, what: string): void {
    for (const o of this.stations) {
      if (o === st || !o.up) continue;
      const addressed = isGroup(dst) || this.owns(o, dst);
      if (!addressed && !o.hearsForeignSlac) continue;
      this.toHost(o, data);
      this.emit({ kind: 'forwarded', from: st.name, to: o.name, what });
      if (mmtype === 0x6076 && o.attenuation) {
        // The receiving modem measures the sound and reports it to its host (one CM_ATTEN_PROFILE.IND per sound).
        const hostMac = o.hostMacs[0] ?? hp.BROADCAST_MAC;
        this.answer(o, hostMac, hp.cmAttenProfileInd({ src: o.modemMac, dst: hostMac, pevMac: Uint8Array.from(data.subarray(6, 12)), aag: [...o.attenuation] }));
        this.emit({ kind: 'profile', station: o.name, pevMac: formatMac(data.subarray(6, 12)) });
      }
    }
  }

  private forwardData(st: Station, data: Uint8Array, dst: Uint8Array, what: string): void {
    const group = isGroup(dst);
    const members = this.stations.filter((o) => this.sameAvln(st, o));
    // Unicast goes to the station that owns the destination; a destination
    // nobody announced yet is flooded inside the AVLN, like a learning bridge.
    const owner = group ? undefined : members.find((o) => this.owns(o, dst));
    const targets = group ? members : owner ? [owner] : members;
    for (const o of targets) {
      this.toHost(o, data);
      this.emit({ kind: 'forwarded', from: st.name, to: o.name, what });
    }
  }
}
