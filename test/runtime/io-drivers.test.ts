// The forwarding drivers are loaded on demand (issue 13 goal 2): composing `tsplc evse` without
// [soc_callback]/[mqtt] must not import the `mqtt` package or the node:http driver.
import { describe, expect, it, vi } from 'vitest';

const loaded = vi.hoisted(() => ({ mqtt: 0, http: 0 }));

vi.mock('mqtt', async (original) => {
  loaded.mqtt++;
  return original();
});
vi.mock('../../drivers/http/post.js', async (original) => {
  loaded.http++;
  return original();
});

describe('io-drivers: HTTP and MQTT drivers on demand', () => {
  it('importing the EVSE composition (role.ts, role-evse.ts, io-drivers.ts) loads neither the mqtt package nor the HTTP driver', async () => {
    await import('../../src/runtime/role.js');
    await import('../../src/runtime/role-evse.js');
    await import('../../src/runtime/io-drivers.js');
    expect(loaded).toEqual({ mqtt: 0, http: 0 });
  });

  it('loadForwardingPorts() imports both once and returns the real drivers', async () => {
    const { loadForwardingPorts, monotonicClock } = await import('../../src/runtime/io-drivers.js');
    const ports = await loadForwardingPorts();
    const again = await loadForwardingPorts();
    expect(loaded).toEqual({ mqtt: 1, http: 1 });
    expect(again).toBe(ports);
    const { openMqttLink } = await import('../../drivers/mqtt/client.js');
    const { httpPost } = await import('../../drivers/http/post.js');
    expect(ports.mqtt).toBe(openMqttLink);
    expect(ports.http).toBe(httpPost);
    expect(ports.clock).toBe(monotonicClock);
  });
});
