// The SOC callback values from real cars' requests, as pyPLC's EVSE saw them
// (../shared/captures): the EV→EVSE messages go through attachForwarding.onWire
// exactly as the EVSE transport hands them over.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { memoryHttpEndpoint } from '../../drivers/http/memory.js';
import { MemoryMqttBroker } from '../../drivers/mqtt/memory.js';
import { analyzeCapture } from '../../src/tools/analysis/index.js';
import { fromHex } from '../../src/bytes.js';
import { validateConfig } from '../../src/config/index.js';
import { socCallbackQuery, type EvFacts } from '../../src/outputs/forwarding/index.js';
import { nullLogger } from '../../src/ports/log.js';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { attachForwarding } from '../../src/runtime/forwarding.js';
import { StatusBus } from '../../src/status.js';
import { capturesDir, hasCaptures, missingSharedMessage } from '../shared.js';
import { needCaptures } from '../env.js';

if (!hasCaptures) console.warn(missingSharedMessage);

async function factsOf(file: string): Promise<EvFacts> {
  const a = analyzeCapture(new Uint8Array(readFileSync(join(capturesDir, file))));
  const c = validateConfig({});
  if (!c.ok) throw new Error('config');
  // Both outputs are off in the default config: the twins only satisfy the ports.
  const clock = new SimulatedClock();
  const fw = attachForwarding({ config: c.value, status: new StatusBus(), logger: nullLogger, ports: { http: memoryHttpEndpoint({ clock }).post, mqtt: new MemoryMqttBroker().connect, clock } });
  let last: EvFacts | undefined;
  fw.facts$.subscribe((f) => (last = f));
  let fed = 0;
  for (const e of a.events) {
    if (e.kind !== 'v2g' || e.direction !== 'EV→EVSE' || (e.schema !== 'din' && e.schema !== 'iso2')) continue;
    const doc = exiCodec.decode(e.schema, fromHex(e.exiHex) ?? new Uint8Array());
    if (!doc.ok) continue;
    fw.onWire({ direction: 'rx', schema: e.schema, bytes: new Uint8Array(0), doc: doc.value });
    fed++;
  }
  expect(fed).toBeGreaterThan(3);
  await fw.close();
  if (!last) throw new Error('no facts');
  return last;
}

describe.skipIf(!needCaptures())('SOC callback values from real cars', () => {
  it('Hyundai Ioniq at pyPLC (EVEnergyCapacity 28000 Wh with Multiplier 0)', async () => {
    const f = await factsOf('2023-05-24_pyPlc_with_Ioniq93prcSoc.pcapng');
    expect(socCallbackQuery(f, 0)).toEqual({ current_soc: 93, full_soc: 94, energy_capacity: 28000, energy_request: 1820, evccid: '0465650064c3' });
  });

  it('Polestar 2 (Value 7850 with Multiplier 1 = 78500 Wh; pyPLC read only the Value)', async () => {
    const f = await factsOf('2024-06-11_Griffigroen_polestar2_stop_in_precharge.pcapng');
    expect(socCallbackQuery(f, 0)).toEqual({ current_soc: 77, full_soc: 100, energy_capacity: 78500, energy_request: 17800, evccid: '48c58db1e43e' });
  });

  it('Tesla Model Y sends neither capacity nor request: -1, or the fallback capacity', async () => {
    const f = await factsOf('2024-04-20_ModelY_pyPLC_stop_in_precharge.pcapng');
    expect(socCallbackQuery(f, 0)).toEqual({ current_soc: 55, full_soc: -1, energy_capacity: -1, energy_request: -1, evccid: '98ed5cdad998' });
    expect(socCallbackQuery(f, 75000)?.energy_capacity).toBe(75000);
  });
});
