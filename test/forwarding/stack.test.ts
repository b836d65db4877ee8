// Forwarding wired to a whole EVSE stack exactly as the runtime is meant to do it
// (docs/forwarding.md): the EVSE's status bus and wire records in, stopRequests$ →
// TO_SESSION STOP_REQUEST out. EV ⇄ EVSE in one process on virtual time (test/stack
// harness), a real HTTP server for the SOC callback, a real mosquitto for the stop.
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/index.js';
import { memoryLogger } from '../../src/ports/log.js';
import { attachForwarding } from '../../src/runtime/forwarding.js';
import type { WireRecord } from '../../src/runtime/v2g-transport.js';
import { StatusBus } from '../../src/status.js';
import { runStack } from '../stack/harness.js';
import { Broker, hasMosquitto, missingMosquittoMessage, sleep, until } from './mosquitto.js';
import { requireEnv } from '../env.js';

const brokerHere = requireEnv('mosquitto', hasMosquitto, missingMosquittoMessage);

describe('forwarding on a whole EVSE stack', () => {
  it('DIN DC session: the SOC callback carries the sim car\'s SOC, FullSOC, energies and EVCCID', async () => {
    const urls: string[] = [];
    const server = createHttpServer((req, res) => {
      urls.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const c = validateConfig({ soc_callback: { enabled: true, endpoint: `http://127.0.0.1:${port}/ev_state`, fallback_energy_capacity_wh: 50000 } });
      if (!c.ok) throw new Error('config');
      const bus = new StatusBus();
      const fw = attachForwarding({ config: c.value, status: bus, logger: memoryLogger(), socCallbackIntervalMs: 20 });
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
      await until(() => fw.stats().socCallback.sent > 0 && fw.stats().socCallback.sent === fw.stats().socCallback.ok, 5000, 'callback');
      await sleep(100);
      await fw.close();
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
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it.skipIf(!brokerHere)('MQTT charger/enabled = 0 (retained before the car comes) → STOP_REQUEST → EVSE_Shutdown, the car stops before charging', async () => {
    const broker = await Broker.create();
    const port = broker.port;
    const prefix = `stack${Date.now()}`;
    try {
      await broker.start();
      const operator = connect(`mqtt://127.0.0.1:${port}`);
      await new Promise<void>((r) => operator.once('connect', () => r()));
      await new Promise<void>((r) => operator.publish(`${prefix}/charger/enabled`, '0', { retain: true, qos: 1 }, () => r()));
      operator.end(true);

      const c = validateConfig({ mqtt: { enabled: true, broker: `127.0.0.1:${port}`, topic: prefix } });
      if (!c.ok) throw new Error('config');
      const bus = new StatusBus();
      const fw = attachForwarding({ config: c.value, status: bus, logger: memoryLogger(), mqttIntervalMs: 20 });
      // The retained 0 arrives at subscription: one stop request with no session to stop (dropped by the manager).
      await until(() => fw.stats().stopRequests === 1, 5000, 'retained enabled=0');
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
    } finally {
      await broker.dispose();
    }
  });

  it.skipIf(!brokerHere)('MQTT charger/enabled = 0 during CurrentDemand → EVSE_Shutdown (790) in the next CurrentDemandRes', async () => {
    const broker = await Broker.create();
    const port = broker.port;
    const prefix = `stack${Date.now()}live`;
    try {
      await broker.start();
      const c = validateConfig({ mqtt: { enabled: true, broker: `127.0.0.1:${port}`, topic: prefix } });
      if (!c.ok) throw new Error('config');
      const bus = new StatusBus();
      const fw = attachForwarding({ config: c.value, status: bus, logger: memoryLogger(), mqttIntervalMs: 20 });
      await until(() => (fw.stats().mqtt?.connects ?? 0) >= 1, 5000, 'connect');
      const operator = connect(`mqtt://127.0.0.1:${port}`);
      await new Promise<void>((r) => operator.once('connect', () => r()));
      await sleep(100); // fw's subscription is acknowledged
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
              operator.publish(`${prefix}/charger/enabled`, '0');
            }
          });
          // The command travels through the broker in real time while virtual time runs on;
          // the sim car's charging loop (20 → 90 %) lasts long enough for it to arrive.
          fw.stopRequests$.subscribe((s) => sim.evse.actor.send({ type: 'TO_SESSION', event: { type: 'STOP_REQUEST', reason: s.reason } }));
        },
      });
      operator.end(true);
      const ev = r.sim.ev.actor.getSnapshot().output as { end: string; session?: { reason?: string; chargeLoopCount?: number } };
      r.sim.dispose();
      await fw.close();
      expect(fw.stats().stopRequests).toBe(1);
      expect(r.checkpoints.evse).toContain(790);
      expect(ev.session?.reason).toBe('EVSE_Shutdown');
      expect(ev.session?.chargeLoopCount ?? 0).toBeGreaterThan(0);
    } finally {
      await broker.dispose();
    }
  });
});
