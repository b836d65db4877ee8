// The dieter board (pyPLC's Arduino output/ADC device) over the in-memory serial twin:
// do000N output bits, the A0= inlet ADC with pyPLC's scaling, lc display lines.
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { load } from '../../boards/dieter/index.js';
import { createDieterEv } from '../../boards/dieter/ev.js';
import { memorySerialPair } from '../../drivers/serial/memory.js';
import { asciiBytes } from '../../src/domain/hardware/celeron55.js';
import { dieterDefaultVoltsPerCount, encodeDieterOutputs, parseDieterLine } from '../../src/domain/hardware/dieter.js';
import { evCapabilitiesOf } from '../../src/domain/hardware/capabilities.js';
import { buildConfig } from '../../src/config/index.js';

const battery = { socPercent: 50, voltage: 360, maxCurrent: 100, maxVoltage: 398, capacityWh: 28000 };

function device() {
  const pair = memorySerialPair();
  const rx: string[] = [];
  pair.device.data$.subscribe((b) => rx.push(new TextDecoder().decode(b)));
  return { pair, rx, say: (s: string) => pair.device.write(asciiBytes(s)) };
}

describe('dieter line protocol (pure)', () => {
  it('encodes the output bits and reads A0 with pyPLC scaling', () => {
    expect(encodeDieterOutputs(3)).toBe('do0003\n');
    expect(parseDieterLine('A0=0512')).toEqual({ ok: true, value: 512 });
    expect(parseDieterLine('hello')).toEqual({ ok: true, value: undefined });
    expect(parseDieterLine('A0=12x4').ok).toBe(false);
    expect(parseDieterLine('A0=2000').ok).toBe(false);
    // 1023 counts ≈ 1.08 V × 6250 / 9.4 = 718 V at the inlet.
    expect(1023 * dieterDefaultVoltsPerCount).toBeCloseTo(717.4, 0);
  });
});

describe('dieter EV board', () => {
  it('CP state C = bit 1, relays = bits 2 and 4; outputs refreshed; inlet voltage from A0; display as lc lines', () => {
    const clock = new SimulatedClock();
    const d = device();
    const ev = createDieterEv(d.pair.host, { battery, voltsPerCount: dieterDefaultVoltsPerCount, scheduler: clock });
    expect(d.rx).toEqual(['do0000\n']);
    ev.controlPilot.setState('C');
    ev.contactors.close();
    expect(d.rx.slice(-2)).toEqual(['do0001\n', 'do0007\n']);
    clock.increment(450);
    expect(d.rx.at(-1)).toBe('do0007\n');
    let volts = Number.NaN;
    ev.inletVoltage!.volts$.subscribe((v) => (volts = v));
    expect(volts).toBeNaN(); // unknown until the first reading
    d.say('A0=0512\r\n');
    expect(volts).toBeCloseTo(512 * dieterDefaultVoltsPerCount, 0);
    clock.increment(3000); // the Arduino went silent: unknown again (not safe)
    expect(volts).toBeNaN();
    ev.display!.show(['CurrentDemand', 'SOC 50 %', '350 V']);
    expect(d.rx.at(-1)).toBe('lcCurrentDemand\nlcSOC 50 %\nlc350 V\n');
    expect(evCapabilitiesOf(ev)).toMatchObject({ lock: 'none', contactorFeedback: false, plugDetection: 'none', inletVoltage: true });
    ev.contactors.open();
    expect(d.rx.at(-1)).toBe('do0001\n');
  });

  it('the profile loads on a serial link, EV role only, and leaves the outputs off on close', async () => {
    const cfg = buildConfig([{ raw: { general: { board: 'dieter' } }, source: 't' }]);
    if (!cfg.ok) throw new Error('config');
    const d = device();
    const b = await load({ role: 'pev', config: cfg.value }, { serial: d.pair.host });
    if (!b.ok) throw new Error(b.error.message);
    b.value.ev?.controlPilot.setState('C');
    await b.value.close();
    expect(d.rx.at(-1)).toBe('do0000\n');
    const evse = await load({ role: 'evse' }, { serial: d.pair.host });
    expect(evse.ok ? '' : evse.error.code).toBe('ROLE_NOT_SUPPORTED');
  });
});
