// The display actor on XState's SimulatedClock: page rotation, the button,
// redraw only on change and at most max_fps, back-off after failures and
// stalls; the page button on a GPIO board; the real I2C driver failing with a
// typed message on a machine without /dev/i2c.
import { describe, it, expect } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { displayMachine } from '../../machines/display/index.js';
import { initialFacts, type DisplayFacts } from '../../src/outputs/display/facts.js';
import type { PageContent, PageId } from '../../src/outputs/display/pages.js';
import { memoryLogger } from '../../src/ports/log.js';
import { loadGpioBoard } from '../../boards/gpio/profile.js';
import { buildConfig } from '../../src/config/validate.js';
import type { GpioDriver } from '../../boards/gpio/ev.js';
import { openI2cPanel } from '../../drivers/display/i2c-panel.js';
import { existsSync } from 'node:fs';

const settle = () => new Promise<void>((r) => setImmediate(r));

async function step(clock: SimulatedClock, ms: number, by = 10): Promise<void> {
  await settle(); // promise actors settle before virtual time moves on
  for (let t = 0; t < ms; t += by) {
    clock.increment(by);
    await settle();
  }
}

function start(o: { pages?: PageId[]; period?: number; maxFps?: number; draw?: (c: PageContent) => Promise<void>; timeout?: number }) {
  const clock = new SimulatedClock();
  const drawn: Array<{ at: number; page: PageId; first: string }> = [];
  /** Every draw started (successful or not), at its virtual start time. */
  const tries: number[] = [];
  const logs = memoryLogger();
  const draw = o.draw ?? (async () => {});
  const actor = createActor(
    displayMachine.provide({
      actors: {
        draw: fromPromise<void, PageContent>(async ({ input }) => {
          const at = clock.now();
          tries.push(at);
          await draw(input);
          const l = input.lines[0];
          drawn.push({ at, page: input.id, first: l?.kind === 'text' ? l.text : '' });
        }),
      },
    }),
    {
      clock,
      input: {
        pages: o.pages ?? ['stage', 'power', 'energy'],
        facts: initialFacts('EV'),
        maxFps: o.maxFps ?? 4,
        timings: { display_page_period: o.period ?? 5000, display_draw_timeout: o.timeout ?? 1000, display_retry: 1000, display_retry_max: 8000 },
        now: () => clock.now(),
        logger: logs,
      },
    },
  );
  actor.start();
  return { clock, actor, drawn, logs, tries };
}

const facts = (f: Partial<DisplayFacts>): DisplayFacts => ({ ...initialFacts('EV'), ...f });

describe('display actor', () => {
  it('draws the first page at once and rotates every display_page_period', async () => {
    const { clock, drawn } = start({ period: 5000 });
    await step(clock, 16_000, 100);
    expect(drawn.map((d) => [d.at, d.page])).toEqual([
      [0, 'stage'],
      [5000, 'power'],
      [10000, 'energy'],
      [15000, 'stage'],
    ]);
  });

  it('a button press shows the next page at once and restarts the period', async () => {
    const { clock, actor, drawn } = start({ period: 5000 });
    await step(clock, 3000, 100);
    actor.send({ type: 'BUTTON' });
    await step(clock, 7000, 100);
    expect(drawn.map((d) => [d.at, d.page])).toEqual([
      [0, 'stage'],
      [3000, 'power'],
      [8000, 'energy'],
    ]);
  });

  it('redraws only when the composed page changes, and at most max_fps times per second', async () => {
    const { clock, actor, drawn } = start({ pages: ['power'], period: 0, maxFps: 2 });
    await step(clock, 100);
    expect(drawn).toHaveLength(1);
    // 0.01 V steps: the page shows one decimal, so most of these change nothing on screen.
    for (let i = 0; i < 300; i++) {
      actor.send({ type: 'FACTS', facts: facts({ voltage: 398 + i * 0.01, current: 0 }) });
      clock.increment(10);
      await settle();
    }
    await step(clock, 1000);
    const gaps = drawn.slice(1).map((d, i) => d.at - (drawn[i]?.at ?? 0));
    expect(gaps.every((g) => g >= 500)).toBe(true); // 2 fps
    expect(drawn.length).toBeGreaterThan(3);
    expect(drawn.length).toBeLessThanOrEqual(1 + Math.ceil(4000 / 500));
    // Nothing changes any more: no more draws.
    const n = drawn.length;
    await step(clock, 5000, 100);
    expect(drawn.length).toBe(n);
    expect(actor.getSnapshot().context.stats.composed).toBeGreaterThan(n);
  });

  it('a failing display is logged once and retried after 1, 2, 4, 8, 8 s; it recovers with one info line', async () => {
    let failing = true;
    const s = start({ pages: ['stage'], period: 0, draw: async () => {
      if (failing) throw new Error('EREMOTEIO: remote I/O error');
    } });
    await step(s.clock, 24_000, 100);
    expect(s.tries).toEqual([0, 1000, 3000, 7000, 15000, 23000]);
    expect(s.logs.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['display failed (WRITE_FAILED): EREMOTEIO: remote I/O error; retrying with back-off, the session goes on']);
    failing = false;
    await step(s.clock, 9000, 100);
    expect(s.drawn).toHaveLength(1);
    expect(s.logs.lines.filter((l) => l.level === 'info').map((l) => l.message)).toEqual(['display works again after 6 failed draw(s)']);
  });

  it('a draw that does not complete within display_draw_timeout is a stall', async () => {
    const s = start({ pages: ['stage'], period: 0, timeout: 500, draw: () => new Promise<void>(() => {}) }); // never completes: a wedged bus
    await step(s.clock, 4000, 100);
    expect(s.logs.lines.filter((l) => l.level === 'warn').map((l) => l.fields?.code)).toEqual(['STALLED']);
    // 0 → stall at 500 → retry at 1500 → stall at 2000 → retry at 4000
    expect(s.tries).toEqual([0, 1500, 4000]);
    expect(s.actor.getSnapshot().status).toBe('active');
  });
});

describe('page button on a GPIO board', () => {
  it('display.button_pin is an input; a falling edge is a press', async () => {
    const watchers = new Map<number, (h: boolean) => void>();
    const driver: GpioDriver = { output: () => ({ write: () => {} }), input: (pin, w) => (watchers.set(pin, w), { read: () => true }), close: async () => {} };
    // The driver gets the board's GPIO number; only the sysfs driver adds hardware.gpio_chip_offset.
    const cfg = buildConfig([{ raw: { display: { button_pin: 'GPIO17' }, hardware: { gpio_chip_offset: 512 } }, source: 't' }]);
    if (!cfg.ok) throw new Error('config');
    const r = await loadGpioBoard('raspberry-pi', { role: 'pev', config: cfg.value }, { gpio: driver });
    if (!r.ok) throw new Error(r.error.message);
    let presses = 0;
    r.value.ev!.displayButton!.presses$.subscribe(() => presses++);
    watchers.get(17)?.(false);
    watchers.get(17)?.(true); // release
    watchers.get(17)?.(false);
    expect(presses).toBe(2);
  });
});

describe('real I2C panel driver on this machine', () => {
  it.skipIf(existsSync('/dev/i2c-1'))('fails with a typed UNAVAILABLE naming the bus when there is no /dev/i2c-1', async () => {
    const r = await openI2cPanel(1, { controller: 'ssd1306', width: 128, height: 64, contrast: 200, address: 0x3c });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('UNAVAILABLE');
    expect(r.error.detail).toMatch(/i2c-bus|\/dev\/i2c-1/);
  });
});

