// Test helpers: a tiny in-memory "powerline" for machine tests on
// SimulatedClock. Frames travel with 1 ms latency through the clock; the
// EVSE's modem is modelled by an optional CM_ATTEN_PROFILE.IND per sound.
import { createActor, SimulatedClock, type AnyActorRef } from 'xstate';
import { bytesEqual, formatMac } from '../../src/bytes.js';
import type { HomePlugMessage, Mac, OutgoingMme } from '../../src/domain/slac/messages.js';
import type { StatusUpdate } from '../../src/status.js';

export const EV_MAC = new Uint8Array([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]);
export const EVSE_MAC = new Uint8Array([0x02, 0x00, 0x00, 0x00, 0x00, 0x02]);
export const EVSE2_MAC = new Uint8Array([0x02, 0x00, 0x00, 0x00, 0x00, 0x03]);
export const NMK = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
export const NID = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
export const RUN_ID = new Uint8Array([0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8]);

export interface Sent {
  readonly at: number;
  readonly from: Mac;
  readonly dst: Mac;
  readonly msg: HomePlugMessage;
}

export class Wire {
  readonly clock = new SimulatedClock();
  readonly sent: Sent[] = [];
  readonly status: (StatusUpdate & { station: string })[] = [];
  private readonly stations: { mac: Mac; actor: () => AnyActorRef | undefined; profile?: number[] | undefined; name: string }[] = [];
  /** Drop frames for which this returns true (silent peer, lost frames). */
  drop: (s: Sent) => boolean = () => false;

  sender(mac: Mac): (out: OutgoingMme) => void {
    return (out) => {
      const s: Sent = { at: this.clock.now(), from: mac, dst: out.dst, msg: out.msg };
      this.sent.push(s);
      if (this.drop(s)) return;
      const bcast = out.dst.every((b) => b === 0xff);
      for (const st of this.stations) {
        if (bytesEqual(st.mac, mac)) continue;
        if (!bcast && !bytesEqual(st.mac, out.dst)) continue;
        this.clock.setTimeout(() => {
          st.actor()?.send({ type: 'MME', msg: out.msg, from: mac });
          // The station's modem reports the attenuation of every sound it heard.
          if (out.msg.type === 'CM_MNBC_SOUND.IND' && st.profile) {
            st.actor()?.send({ type: 'MME', msg: { type: 'CM_ATTEN_PROFILE.IND', pevMac: mac, aag: Uint8Array.from(st.profile) }, from: st.mac });
          }
        }, 1);
      }
    };
  }

  reporter(name: string): (u: StatusUpdate) => void {
    return (u) => this.status.push({ ...u, time: this.clock.now(), station: name });
  }

  attach(name: string, mac: Mac, actor: () => AnyActorRef | undefined, profile?: number[]): void {
    this.stations.push({ name, mac, actor, profile });
  }

  /** Injects a message as if `from` had sent it. */
  inject(to: AnyActorRef, from: Mac, msg: HomePlugMessage, delay = 1): void {
    this.clock.setTimeout(() => to.send({ type: 'MME', msg, from }), delay);
  }

  count(type: HomePlugMessage['type'], from?: Mac): number {
    return this.sent.filter((s) => s.msg.type === type && (!from || bytesEqual(s.from, from))).length;
  }

  /** Advances simulated time in small steps so that timers and deliveries interleave. */
  run(ms: number, step = 1): void {
    for (let t = 0; t < ms; t += step) this.clock.increment(step);
  }

  checkpoints(name: string): number[] {
    return this.status.filter((u) => u.station === name && u.checkpoint !== undefined).map((u) => u.checkpoint as number);
  }
}

export function macText(m: Mac): string {
  return formatMac(m);
}

export { createActor };
