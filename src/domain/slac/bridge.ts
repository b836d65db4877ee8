// Bridge between an EthernetPort and the SLAC / modem machines: frames are
// decoded with the src/codecs/homeplug codec into the machines' messages and sent to
// the actor as { type: 'MME', msg, from, to }; the machines' `send` is turned
// into encoded frames with our MAC as source. Bad frames never reach a
// machine: they are counted and logged with the codec's typed error.
import type { Subscription } from 'rxjs';
import { formatMac } from '../../bytes.js';
import * as hp from '../../codecs/homeplug/index.js';
import type { Mme } from '../../codecs/homeplug/index.js';
import type { EthernetFrame, EthernetPort } from '../../ports/ethernet.js';
import { nullLogger, type Logger } from '../../ports/log.js';
import type { CodecError } from '../../result.js';
import type { HomePlugMessage, Mac, MmeEvent, OutgoingMme } from './messages.js';
import { errorMessage } from '../../errors.js';

/** Machine message → MME (header fields as real stacks send them). */
export function toMme(msg: HomePlugMessage, src: Mac, dst: Mac): Mme {
  switch (msg.type) {
    case 'CM_SLAC_PARM.REQ':
      return hp.cmSlacParmReq({ ...msg, src, dst });
    case 'CM_SLAC_PARM.CNF':
      return hp.cmSlacParmCnf({ ...msg, src, dst });
    case 'CM_START_ATTEN_CHAR.IND':
      return hp.cmStartAttenCharInd({ ...msg, src, dst });
    case 'CM_MNBC_SOUND.IND':
      return hp.cmMnbcSoundInd({ ...msg, src, dst });
    case 'CM_ATTEN_PROFILE.IND':
      return hp.cmAttenProfileInd({ ...msg, aag: Array.from(msg.aag), src, dst });
    case 'CM_ATTEN_CHAR.IND':
      return hp.cmAttenCharInd({ ...msg, aag: Array.from(msg.aag), src, dst });
    case 'CM_ATTEN_CHAR.RSP':
      return hp.cmAttenCharRsp({ ...msg, src, dst });
    case 'CM_VALIDATE.REQ':
      return hp.cmValidateReq({ ...msg, src, dst });
    case 'CM_VALIDATE.CNF':
      return hp.cmValidateCnf({ ...msg, src, dst });
    case 'CM_SLAC_MATCH.REQ':
      return hp.cmSlacMatchReq({ ...msg, src, dst });
    case 'CM_SLAC_MATCH.CNF':
      return hp.cmSlacMatchCnf({ ...msg, src, dst });
    case 'CM_SET_KEY.REQ':
      return hp.cmSetKeyReq({ ...msg, src, dst });
    case 'CM_SET_KEY.CNF':
      return hp.cmSetKeyCnf({ ...msg, src, dst });
    case 'CM_GET_KEY.REQ':
      return hp.cmGetKeyReq({ ...msg, src, dst });
    case 'CM_GET_KEY.CNF':
      return hp.cmGetKeyCnf({ ...msg, key: msg.key ?? new Uint8Array(16), src, dst });
    case 'VS_SW_VER.REQ':
      return hp.vsSwVerReq({ src, dst });
    case 'VS_SW_VER.CNF':
      return hp.vsSwVerCnf({ ...msg, src, dst });
    case 'VS_PL_LINK_STATUS.REQ':
      return hp.vsPlLinkStatusReq({ src, dst });
    case 'VS_PL_LINK_STATUS.CNF':
      return hp.vsPlLinkStatusCnf({ ...msg, src, dst });
    case 'VS_RS_DEV.REQ':
      return hp.vsRsDevReq({ src, dst });
    case 'VS_RS_DEV.CNF':
      return hp.vsRsDevCnf({ ...msg, src, dst });
  }
}

/** Machine message → frame bytes. */
export function encodeMessage(msg: HomePlugMessage, src: Mac, dst: Mac): Uint8Array {
  return hp.encodeMme(toMme(msg, src, dst));
}

const u8 = (a: readonly number[]): Uint8Array => Uint8Array.from(a);

/** MME → machine message; null for MMEs the machines do not use (VS_NW_INFO, unknown, ...). */
export function fromMme(m: Mme): HomePlugMessage | null {
  switch (m.type) {
    case 'CM_SLAC_PARM.REQ':
      return { type: m.type, applicationType: m.applicationType, securityType: m.securityType, runId: m.runId };
    case 'CM_SLAC_PARM.CNF':
      return { type: m.type, msoundTarget: m.msoundTarget, numSounds: m.numSounds, timeOut: m.timeOut, respType: m.respType, forwardingSta: m.forwardingSta, applicationType: m.applicationType, securityType: m.securityType, runId: m.runId };
    case 'CM_START_ATTEN_CHAR.IND':
      return { type: m.type, applicationType: m.applicationType, securityType: m.securityType, numSounds: m.numSounds, timeOut: m.timeOut, respType: m.respType, forwardingSta: m.forwardingSta, runId: m.runId };
    case 'CM_MNBC_SOUND.IND':
      return { type: m.type, applicationType: m.applicationType, securityType: m.securityType, senderId: m.senderId, cnt: m.cnt, runId: m.runId, rnd: m.rnd };
    case 'CM_ATTEN_PROFILE.IND':
      return { type: m.type, pevMac: m.pevMac, aag: u8(m.aag) };
    case 'CM_ATTEN_CHAR.IND':
      return { type: m.type, applicationType: m.applicationType, securityType: m.securityType, sourceAddress: m.sourceAddress, runId: m.runId, sourceId: m.sourceId, respId: m.respId, numSounds: m.numSounds, aag: u8(m.aag) };
    case 'CM_ATTEN_CHAR.RSP':
      return { type: m.type, applicationType: m.applicationType, securityType: m.securityType, sourceAddress: m.sourceAddress, runId: m.runId, sourceId: m.sourceId, respId: m.respId, result: m.result };
    case 'CM_VALIDATE.REQ':
      return { type: m.type, signalType: m.signalType, timer: m.timer, result: m.result };
    case 'CM_VALIDATE.CNF':
      return { type: m.type, signalType: m.signalType, toggleNum: m.toggleNum, result: m.result };
    case 'CM_SLAC_MATCH.REQ':
      return { type: m.type, applicationType: m.applicationType, securityType: m.securityType, pevId: m.pevId, pevMac: m.pevMac, evseId: m.evseId, evseMac: m.evseMac, runId: m.runId };
    case 'CM_SLAC_MATCH.CNF':
      return { type: m.type, applicationType: m.applicationType, securityType: m.securityType, pevId: m.pevId, pevMac: m.pevMac, evseId: m.evseId, evseMac: m.evseMac, runId: m.runId, nid: m.nid, nmk: m.nmk };
    case 'CM_SET_KEY.REQ':
      return { type: m.type, keyType: m.keyType, myNonce: m.myNonce, yourNonce: m.yourNonce, pid: m.pid, prn: m.prn, pmn: m.pmn, ccoCapability: m.ccoCapability, nid: m.nid, newEks: m.newEks, newKey: m.newKey };
    case 'CM_SET_KEY.CNF':
      return { type: m.type, result: m.result, myNonce: m.myNonce, yourNonce: m.yourNonce, pid: m.pid, prn: m.prn, pmn: m.pmn, ccoCapability: m.ccoCapability };
    case 'CM_GET_KEY.REQ':
      return { type: m.type, requestType: m.requestType, requestedKeyType: m.requestedKeyType, nid: m.nid, myNonce: m.myNonce, pid: m.pid, prn: m.prn, pmn: m.pmn };
    case 'CM_GET_KEY.CNF':
      return { type: m.type, result: m.result, requestedKeyType: m.requestedKeyType, myNonce: m.myNonce, yourNonce: m.yourNonce, nid: m.nid, eks: m.eks, pid: m.pid, prn: m.prn, pmn: m.pmn, key: m.key };
    case 'VS_SW_VER.REQ':
    case 'VS_PL_LINK_STATUS.REQ':
    case 'VS_RS_DEV.REQ':
      return { type: m.type };
    case 'VS_SW_VER.CNF':
      return { type: m.type, mstatus: m.mstatus, deviceId: m.deviceId, version: hp.swVersionText(m) };
    case 'VS_PL_LINK_STATUS.CNF':
      return { type: m.type, mstatus: m.mstatus, linkStatus: m.linkStatus };
    case 'VS_RS_DEV.CNF':
      return { type: m.type, mstatus: m.mstatus };
    default:
      return null;
  }
}

export type DecodedFrame =
  | { readonly ok: true; readonly event: MmeEvent; readonly mme: Mme }
  | { readonly ok: false; readonly error: CodecError }
  | { readonly ok: true; readonly event: null; readonly mme: Mme };

/** Frame → MME event for a machine (event null: a valid MME the machines do not use). */
export function decodeFrame(data: Uint8Array, timestamp?: number): DecodedFrame {
  const r = hp.decodeMme(data);
  if (!r.ok) return r;
  const msg = fromMme(r.value);
  if (!msg) return { ok: true, event: null, mme: r.value };
  return { ok: true, mme: r.value, event: { type: 'MME', msg, from: r.value.src, to: r.value.dst, ...(timestamp !== undefined ? { timestamp } : {}) } };
}

/** Anything that takes events: an XState actor, or a test double. */
export interface EventSink {
  send(event: MmeEvent): void;
}

export interface MmeBridge {
  /** Pass as the machines' `send` input. */
  readonly send: (out: OutgoingMme) => void;
  /** Frames that did not decode (logged at debug level). */
  readonly stats: () => { received: number; delivered: number; malformed: number; ignored: number; sent: number };
  close(): void;
}

/**
 * Connects `port` to `sink`. Frames from our own MAC are dropped (a promiscuous
 * or looped-back port may show them). Only frames addressed to us, broadcast,
 * or — when `acceptForeign` (ListenMode) — anything, reach the sink.
 */
export function bridgePort(port: EthernetPort, sink: EventSink | (() => EventSink | undefined), options: { logger?: Logger; acceptForeign?: boolean } = {}): MmeBridge {
  const log = (options.logger ?? nullLogger).child('mme');
  const counters = { received: 0, delivered: 0, malformed: 0, ignored: 0, sent: 0 };
  const target = typeof sink === 'function' ? sink : () => sink;
  const onFrame = (frame: EthernetFrame): void => {
    counters.received++;
    const d = decodeFrame(frame.data, frame.timestamp);
    if (!d.ok) {
      counters.malformed++;
      log.log('debug', `malformed frame: ${d.error.code} ${d.error.message}`, { offset: d.error.offset });
      return;
    }
    if (!d.event) {
      counters.ignored++;
      return;
    }
    const ev = d.event;
    if (isSame(ev.from, port.mac)) return;
    if (!options.acceptForeign && frame.packetType === 'otherhost') {
      counters.ignored++;
      return;
    }
    counters.delivered++;
    try {
      target()?.send(ev);
    } catch (e) {
      // A machine must not take the port down with it.
      log.log('error', `machine rejected ${ev.msg.type} from ${formatMac(ev.from)}: ${errorMessage(e)}`);
    }
  };
  const sub: Subscription = port.frames$.subscribe({
    next: onFrame,
    // The port's own failure is logged; rxjs would otherwise rethrow it outside any handler.
    error: (e: unknown) => log.log('error', `port ${port.name} failed: ${errorMessage(e)}`),
  });
  return {
    send: (out) => {
      try {
        port.send(encodeMessage(out.msg, port.mac, out.dst));
        counters.sent++;
      } catch (e) {
        // A frame that cannot be built or sent is a lost frame: the machines' timers retry.
        log.log('error', `cannot send ${out.msg.type}: ${errorMessage(e)}`);
      }
    },
    stats: () => ({ ...counters }),
    close: () => sub.unsubscribe(),
  };
}

function isSame(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
