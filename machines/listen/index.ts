// listen: pyPLC's ListenMode as an XState v5 machine. Watches SLAC on the
// wire (promiscuous port, or a capture file), keeps a MAC log of the EVSEs
// seen (time, EVSE MAC, EV MAC, RunID), takes NID/NMK from CM_SLAC_MATCH.CNF
// and, if asked, sets that key into its own modem to join the AVLN. What
// then becomes visible is reported as it arrives (VISIBLE events from the
// runtime for non-HomePlug frames).
//
// Reality (pyPLC, 2025-01-21 ListenMode captures): a joined AR7420 shows the
// broadcasts/multicasts of the session only (SDP, neighbour discovery), not
// the unicast TCP between car and charger; a Devolo dLAN 200 (INT6400) sees
// both SLAC directions. The machine reports what it sees, and nothing more.
import { assign, setup } from 'xstate';
import { bytesEqual, formatMac, toHex } from '../../src/bytes.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import type { Clock } from '../../src/ports/clock.js';
import type { StatusUpdate } from '../../src/status.js';
import { reportAndLog } from '../../src/domain/slac/report.js';
import { meanAttenuation } from '../../src/domain/slac/attenuation.js';
import { QCA_LOCALCAST, type HomePlugMessage, type Mac, type MmeEvent, type OutgoingMme } from '../../src/domain/slac/messages.js';
import { Checkpoint } from '../../src/checkpoints.js';

export interface MacLogEntry {
  /** ms since epoch (frame timestamp when known). */
  readonly time: number;
  readonly evseMac: string;
  readonly evMac: string;
  readonly runId: string;
  /** Mean attenuation the EVSE reported in CM_ATTEN_CHAR.IND, once seen. */
  readonly attenuation?: number;
}

export interface CapturedKey {
  readonly time: number;
  readonly nid: Uint8Array;
  readonly nmk: Uint8Array;
  readonly evMac: string;
  readonly evseMac: string;
}

export interface ListenInput {
  /** SET_KEY the captured NMK/NID into the own modem to join the AVLN. */
  readonly join?: boolean;
  readonly send?: (out: OutgoingMme) => void;
  readonly report?: (u: StatusUpdate) => void;
  readonly logger?: Logger;
  /** Called for each new MAC log entry (pyPLC MacLog.txt). */
  readonly onMacLog?: (e: MacLogEntry) => void;
  /** Time of entries from frames without a timestamp (the clock the actor runs on; the wall clock in `tsplc listen`). */
  readonly clock: Pick<Clock, 'now'>;
  /** Wait for CM_SET_KEY.CNF, ms. */
  readonly setKeyTimeout?: number;
}

/** A non-HomePlug frame the runtime saw after (or without) joining. */
export interface VisibleEvent {
  readonly type: 'VISIBLE';
  readonly src: Mac;
  readonly dst: Mac;
  readonly etherType: number;
  readonly timestamp?: number;
}

export type ListenEvent = MmeEvent | VisibleEvent | { readonly type: 'STOP' };

export interface ListenOutput {
  readonly macLog: readonly MacLogEntry[];
  readonly keys: readonly CapturedKey[];
  readonly joined: boolean;
  /** Frames seen by kind after SLAC: 'broadcast' | 'multicast' | 'unicast'. */
  readonly visible: Readonly<Record<string, number>>;
  /** Sessions seen (CM_SLAC_PARM.REQ with a new RunID). */
  readonly sessions: number;
}

interface Ctx {
  readonly join: boolean;
  readonly send: (out: OutgoingMme) => void;
  readonly report: (u: StatusUpdate) => void;
  readonly logger: Logger;
  readonly onMacLog: (e: MacLogEntry) => void;
  readonly now: () => number;
  readonly setKeyTimeout: number;
  macLog: MacLogEntry[];
  keys: CapturedKey[];
  runIds: string[];
  joined: boolean;
  visible: Record<string, number>;
  pendingKey: CapturedKey | null;
  attempt: number;
}

function isMsg<T extends HomePlugMessage['type']>(e: ListenEvent, type: T): e is MmeEvent & { msg: Extract<HomePlugMessage, { type: T }> } {
  return e.type === 'MME' && e.msg.type === type;
}

const timeOf = (c: Ctx, e: { timestamp?: number }): number => e.timestamp ?? c.now();

export const listenMachine = setup({
  types: { context: {} as Ctx, events: {} as ListenEvent, input: {} as ListenInput, output: {} as ListenOutput },
  delays: { setKeyTimeout: ({ context }) => context.setKeyTimeout },
  actions: {
    observe: assign(({ context, event }) => {
      if (event.type !== 'MME') return {};
      const m = event.msg;
      const t = timeOf(context, event);
      switch (m.type) {
        case 'CM_SLAC_PARM.REQ': {
          const id = toHex(m.runId);
          if (context.runIds.includes(id)) return {};
          context.report({ layer: 'listen', state: 'SlacSeen', checkpoint: Checkpoint.SlacParmReq, details: { evMac: formatMac(event.from), runId: id } });
          return { runIds: [...context.runIds, id] };
        }
        case 'CM_SLAC_PARM.CNF': {
          // pyPLC logs "<time> SECC MAC ..." here (MacLog.txt); the CNF is unicast EVSE → EV, seen by modems that show foreign SLAC.
          const entry: MacLogEntry = { time: t, evseMac: formatMac(event.from), evMac: formatMac(event.to ?? m.forwardingSta), runId: toHex(m.runId) };
          if (context.macLog.some((x) => x.evseMac === entry.evseMac && x.runId === entry.runId)) return {};
          context.onMacLog(entry);
          context.report({ layer: 'listen', state: 'EvseSeen', checkpoint: Checkpoint.SlacParmCnf, details: { evseMac: entry.evseMac, evMac: entry.evMac } });
          return { macLog: [...context.macLog, entry] };
        }
        case 'CM_ATTEN_CHAR.IND': {
          const att = Math.round(meanAttenuation(m.aag) * 10) / 10;
          const runId = toHex(m.runId);
          const evseMac = formatMac(event.from);
          context.report({ layer: 'listen', state: 'AttenuationSeen', checkpoint: Checkpoint.AttenCharInd, details: { evseMac, attenuation: att } });
          const known = context.macLog.some((x) => x.evseMac === evseMac && x.runId === runId);
          if (!known) {
            const entry: MacLogEntry = { time: t, evseMac, evMac: formatMac(m.sourceAddress), runId, attenuation: att };
            context.onMacLog(entry);
            return { macLog: [...context.macLog, entry] };
          }
          return { macLog: context.macLog.map((x) => (x.evseMac === evseMac && x.runId === runId ? { ...x, attenuation: att } : x)) };
        }
        case 'CM_SLAC_MATCH.CNF': {
          const key: CapturedKey = { time: t, nid: m.nid, nmk: m.nmk, evMac: formatMac(m.pevMac), evseMac: formatMac(m.evseMac) };
          if (context.keys.some((k) => bytesEqual(k.nmk, key.nmk) && bytesEqual(k.nid, key.nid))) return {};
          context.report({ layer: 'listen', state: 'KeyCaptured', checkpoint: Checkpoint.SlacMatchCnf, details: { nid: toHex(m.nid), nmk: toHex(m.nmk), evseMac: key.evseMac, evMac: key.evMac } });
          context.logger.log('info', `captured NID ${toHex(m.nid)} NMK ${toHex(m.nmk)} (EV ${key.evMac}, EVSE ${key.evseMac})`);
          return { keys: [...context.keys, key], pendingKey: key };
        }
        default:
          return {};
      }
    }),
    countVisible: assign(({ context, event }) => {
      if (event.type !== 'VISIBLE') return {};
      const kind = event.dst.every((b) => b === 0xff) ? 'broadcast' : (event.dst[0] ?? 0) & 1 ? 'multicast' : 'unicast';
      const n = (context.visible[kind] ?? 0) + 1;
      // Report the first of each kind, then every 100th (a session can carry thousands of frames).
      if (n === 1 || n % 100 === 0) context.report({ layer: 'listen', state: context.joined ? 'Joined' : 'Listening', details: { kind, count: n, src: formatMac(event.src), dst: formatMac(event.dst) } });
      return { visible: { ...context.visible, [kind]: n } };
    }),
    sendSetKey: assign(({ context }) => {
      const k = context.pendingKey;
      if (!k) return {};
      context.send({
        dst: QCA_LOCALCAST,
        msg: { type: 'CM_SET_KEY.REQ', keyType: 1, myNonce: 0, yourNonce: 0, pid: 4, prn: 0, pmn: 0, ccoCapability: 0, nid: k.nid, newEks: 1, newKey: k.nmk },
      });
      context.report({ layer: 'listen', state: 'Joining', checkpoint: Checkpoint.SetKeyReq, details: { nid: toHex(k.nid) } });
      return { attempt: context.attempt + 1 };
    }),
    joined: assign(({ context }) => {
      context.report({ layer: 'listen', state: 'Joined', checkpoint: Checkpoint.ModemRestart, details: { nid: context.pendingKey ? toHex(context.pendingKey.nid) : '' } });
      return { joined: true, pendingKey: null, attempt: 0 };
    }),
    joinFailed: assign(({ context }, p: { reason: string }) => {
      context.report({ layer: 'listen', state: 'JoinFailed', details: { reason: p.reason } });
      context.logger.log('warn', `listen: joining failed: ${p.reason}`);
      return { pendingKey: null, attempt: 0 };
    }),
  },
  guards: {
    wantJoin: ({ context }) => context.join && context.pendingKey !== null,
    retryLeft: ({ context }) => context.attempt < 3,
  },
}).createMachine({
  id: 'listen',
  context: ({ input }) => ({
    join: input.join ?? false,
    send: input.send ?? (() => {}),
    report: reportAndLog(input.report, input.logger ?? nullLogger, 'listen'),
    logger: input.logger ?? nullLogger,
    onMacLog: input.onMacLog ?? (() => {}),
    now: () => input.clock.now(),
    setKeyTimeout: input.setKeyTimeout ?? 500,
    macLog: [],
    keys: [],
    runIds: [],
    joined: false,
    visible: {},
    pendingKey: null,
    attempt: 0,
  }),
  initial: 'Listening',
  entry: ({ context }) => context.report({ layer: 'listen', state: 'Listening' }),
  on: {
    STOP: '.Stopped',
    VISIBLE: { actions: 'countVisible' },
  },
  states: {
    Listening: {
      on: { MME: { actions: 'observe', target: 'Deciding' } },
    },
    Deciding: {
      always: [{ guard: 'wantJoin', target: 'Joining' }, { target: 'Listening' }],
    },
    Joining: {
      entry: 'sendSetKey',
      on: {
        MME: [
          // QCA modems answer 1 when they accept the key (and restart); 0 is the standard's success.
          { guard: ({ event }) => isMsg(event, 'CM_SET_KEY.CNF') && (event.msg.result === 0 || event.msg.result === 1), target: 'Listening', actions: 'joined' },
          { guard: ({ event }) => isMsg(event, 'CM_SET_KEY.CNF'), target: 'Listening', actions: { type: 'joinFailed', params: { reason: 'CM_SET_KEY refused' } } },
          { actions: 'observe' },
        ],
      },
      after: {
        setKeyTimeout: [
          { guard: 'retryLeft', target: 'Joining', reenter: true },
          { target: 'Listening', actions: { type: 'joinFailed', params: { reason: 'no CM_SET_KEY.CNF' } } },
        ],
      },
    },
    Stopped: { type: 'final' },
  },
  output: ({ context }) => ({ macLog: context.macLog, keys: context.keys, joined: context.joined, visible: context.visible, sessions: context.runIds.length }),
});
