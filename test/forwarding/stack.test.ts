// Forwarding wired to a whole EVSE stack exactly as the runtime is meant to do it
// (docs/forwarding.md): the EVSE's status bus and wire records in, stopRequests$ →
// TO_SESSION STOP_REQUEST out. EV ⇄ EVSE in one process on virtual time (test/stack
// harness), the HTTP and MQTT twins for the SOC callback and the stop (the real drivers keep
// their contract in test/ports/{http,mqtt}.contract.test.ts). The forwarding's clock is a
// second SimulatedClock, advanced after the session to let the throttle send its last value.
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { memoryHttpEndpoint } from '../../drivers/http/memory.js';
import { MemoryMqttBroker } from '../../drivers/mqtt/memory.js';
import { validateConfig } from '../../src/config/index.js';
import { memoryLogger } from '../../src/ports/log.js';
import { attachForwarding } from '../../src/runtime/forwarding.js';
import type { WireRecord } from '../../src/runtime/v2g-transport.js';
import { StatusBus } from '../../src/status.js';
import { runStack } from '../stack/harness.js';

const flush = () => new Promise<void>((r) => setImmediate(r));
async function run(clock: SimulatedClock, ms: number, step = 5): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.increment(step);
    await flush();
  }
}

function twins() {
  const clock = new SimulatedClock();
  const endpoint = memoryHttpEndpoint({ clock });
  const broker = new MemoryMqttBroker({ clock });
  return { clock, endpoint, broker, ports: { http: endpoint.post, mqtt: broker.connect, clock } };
}

describe('forwarding on a whole EVSE stack', () => {
  it('DIN DC session: the SOC callback carries the sim car\'s SOC, FullSOC, energies and EVCCID', async () => {
    const { clock, endpoint, ports } = twins();
    {
      const c = validateConfig({ soc_callback: { enabled: true, endpoint: 'http://smartevse.invalid/ev_state', fallback_energy_capacity_wh: 50000 } });
      if (!c.ok) throw new Error('config');
      const bus = new StatusBus();
      const fw = attachForwarding({ config: c.value, status: bus, logger: memoryLogger(), socCallbackIntervalMs: 20, ports });
      let evccFromWire = '';
      const r = await runStack({
        protocol: 'din',
        mode: 'dc',
        onStart: (sim) => sim.evseStatus.updates$.subscribe((u) => bus.report(u)),
        onWire: (role: 'ev' | 'evse', w: WireRecord) => {
          if (role !== 'evse') return;
          fw.onWire(w);
          const body = w.doc && 'V2G_Message' in w.doc ? (w.doc.V2G_Message.Body as { SessionSetupReq?: { EVCCID: Uint8Array } }) : undefined;
          if (body?.SessionSetupReq) evccFromWire = Buffer.from(body.SessionSetupReq.EVCCID).toString('hex');
        },
      });
      r.sim.dispose();
      await run(clock, 100);
      expect(fw.stats().socCallback.sent).toBeGreaterThan(0);
      expect(fw.stats().socCallback.ok).toBe(fw.stats().socCallback.sent);
      await fw.close();
      const urls = endpoint.requests.map((q) => q.url);
      expect(evccFromWire).toMatch(/^[0-9a-f]{12}$/);
      const last = new URL(urls[urls.length - 1] ?? '', 'http://x').searchParams;
      const soc = Number(last.get('current_soc'));
      // The sim car starts at 20 % and stops at the harness's SOC target (22 %).
      expect(soc).toBeGreaterThanOrEqual(20);
      expect(soc).toBeLessThanOrEqual(23);
      expect(last.get('evccid')).toBe(evccFromWire);
      expect(Number(last.get('full_soc'))).toBeGreaterThan(0);
      expect(Number(last.get('energy_capacity'))).toBeGreaterThan(0);
      expect([...last.keys()]).toEqual(['current_soc', 'full_soc', 'energy_capacity', 'energy_request', 'evccid']);
    }
  });

  it('MQTT charger/enabled = 0 (retained before the car comes) → STOP_REQUEST → EVSE_Shutdown, the car stops before charging', async () => {
    const { broker, ports } = twins();
    const prefix = 'stack';
    {
      // The operator's retained 0, before the charger starts.
      broker.publish(`${prefix}/charger/enabled`, '0');
      const c = validateConfig({ mqtt: { enabled: true, broker: 'broker.invalid:1883', topic: prefix } });
      if (!c.ok) throw new Error('config');
      const bus = new StatusBus();
      const fw = attachForwarding({ config: c.value, status: bus, logger: memoryLogger(), mqttIntervalMs: 20, ports });
      // The retained 0 arrives at subscription: one stop request with no session to stop (dropped by the manager).
      await flush();
      expect(fw.stats().stopRequests).toBe(1);
      const r = await runStack({
        protocol: 'din',
        mode: 'dc',
        socTarget: 90,
        onStart: (sim) => {
          sim.evseStatus.updates$.subscribe((u) => bus.report(u));
          // The runtime's wiring (role.ts): a stop request goes to the EVSE session.
          fw.stopRequests$.subscribe((s) => sim.evse.actor.send({ type: 'TO_SESSION', event: { type: 'STOP_REQUEST', reason: s.reason } }));
        },
        onWire: (role: 'ev' | 'evse', w: WireRecord) => role === 'evse' && fw.onWire(w),
      });
      const ev = r.sim.ev.actor.getSnapshot().output as { end: string; session?: { reason?: string; chargeLoopCount?: number } };
      r.sim.dispose();
      await fw.close();
      expect(fw.stats().stopRequests).toBe(2);
      expect(r.tookMs).toBeGreaterThan(0);
      // The held stop reaches the session at SessionSetupRes: the next DC_EVSEStatus (here in
      // ChargeParameterDiscoveryRes) says EVSE_Shutdown, the car stops before any energy flows.
      expect(ev.session?.reason).toBe('EVSE_Shutdown');
      expect(ev.session?.chargeLoopCount).toBe(0);
      expect(r.checkpoints.evse).toContain(505);
      expect(r.checkpoints.evse).toContain(905);
      expect(r.checkpoints.evse.filter((cp) => cp >= 560 && cp < 900)).toEqual([]);
    }
  });

  it('MQTT charger/enabled = 0 during CurrentDemand → EVSE_Shutdown (790) in the next CurrentDemandRes', async () => {
    const { broker, ports } = twins();
    const prefix = 'stacklive';
    {
      const c = validateConfig({ mqtt: { enabled: true, broker: 'broker.invalid:1883', topic: prefix } });
      if (!c.ok) throw new Error('config');
      const bus = new StatusBus();
      const fw = attachForwarding({ config: c.value, status: bus, logger: memoryLogger(), mqttIntervalMs: 20, ports });
      expect(fw.stats().mqtt?.connects).toBe(1);
      let sent = false;
      const r = await runStack({
        protocol: 'din',
        mode: 'dc',
        socTarget: 90,
        onStart: (sim) => {
          sim.evseStatus.updates$.subscribe((u) => {
            bus.report(u);
            // The operator switches the charger off in the middle of the charging loop.
            if (u.checkpoint === 705 && !sent) {
              sent = true;
              broker.publish(`${prefix}/charger/enabled`, '0', { retain: false });
            }
          });
          // The command reaches the forwarding in a later microtask, as from a socket.
          fw.stopRequests$.subscribe((s) => sim.evse.actor.send({ type: 'TO_SESSION', event: { type: 'STOP_REQUEST', reason: s.reason } }));
        },
      });
      const ev = r.sim.ev.actor.getSnapshot().output as { end: string; session?: { reason?: string; chargeLoopCount?: number } };
      r.sim.dispose();
      await fw.close();
      expect(fw.stats().stopRequests).toBe(1);
      expect(r.checkpoints.evse).toContain(790);
      expect(ev.session?.reason).toBe('EVSE_Shutdown');
      expect(ev.session?.chargeLoopCount ?? 0).toBeGreaterThan(0);
    }
  });
});
