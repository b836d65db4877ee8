// The relay's own waits come from the config ([v2g] V2G_SECC_Sequence_Timeout, [relay] the rest),
// validated with their ranges; the end-of-run record drain waits on timers, not on a polling loop.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultConfig, validateConfig } from '../../src/config/index.js';
import { defaultRelayTimings } from '../../src/tools/relay/timing.js';
import { relayTimingsOf } from '../../src/runtime/relay.js';
import { whenQuiet } from '../../src/runtime/quiet.js';

describe('relay timings from the config', () => {
  it('defaults are the relay timing defaults; V2G_SECC_Sequence_Timeout is the [v2g] key', () => {
    expect(relayTimingsOf(defaultConfig())).toEqual(defaultRelayTimings);
    const c = validateConfig({ v2g: { V2G_SECC_Sequence_Timeout: 20_000 }, relay: { charger_response_timeout: 700, stop_response_timeout: 300, car_answer_window: 0, link_timeout: 30_000 } });
    if (!c.ok) throw new Error(JSON.stringify(c.error));
    expect(relayTimingsOf(c.value)).toEqual({ V2G_SECC_Sequence_Timeout: 20_000, chargerResponseTimeout: 700, stopResponseTimeout: 300, carAnswerWindow: 0, linkTimeout: 30_000 });
    expect(c.value.relay.tcp_connect_timeout).toBe(3000);
    expect(c.value.relay.car_slac_retry_pause).toBe(1000);
  });

  it('out-of-range values are refused naming the key and the range', () => {
    const c = validateConfig({ relay: { stop_response_timeout: 50, link_timeout: 'soon' } });
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.error.map((e) => e.key).sort()).toEqual(['relay.link_timeout', 'relay.stop_response_timeout']);
    expect(c.error.find((e) => e.key === 'relay.stop_response_timeout')?.message).toMatch(/100/);
  });
});

describe('whenQuiet (the quiet wait of the session records and of the relay records)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves once nothing happened for the quiet time; each activity restarts it', async () => {
    vi.useFakeTimers();
    const q = whenQuiet(150, 1000);
    let done = false;
    void q.done.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(100);
    q.activity();
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toBe(false); // 200 ms in, but only 100 ms since the last frame
    await vi.advanceTimersByTimeAsync(50);
    await vi.advanceTimersByTimeAsync(1); // the I/O turn that follows the quiet timer
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a tap that never goes quiet ends at the bound, leaving no timer behind', async () => {
    vi.useFakeTimers();
    const q = whenQuiet(150, 1000);
    let done = false;
    void q.done.then(() => (done = true));
    for (let t = 0; t < 990; t += 30) {
      q.activity();
      await vi.advanceTimersByTimeAsync(30);
    }
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(done).toBe(true);
    q.activity(); // after the end: no new timer
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a frame read in the I/O turn after the quiet timer keeps the wait going (a starved process polls its sockets late)', async () => {
    vi.useFakeTimers();
    let turn: (() => void) | undefined;
    const q = whenQuiet(150, 1000, { ioTurn: () => new Promise<void>((r) => (turn = r)) });
    let done = false;
    void q.done.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(150); // quiet timer fired; the I/O turn is pending
    expect(turn).toBeDefined();
    q.activity(); // the late-polled socket delivers a frame in that turn
    turn!();
    turn = undefined;
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(150);
    turn!(); // a turn with no frame: quiet
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancel() ends the wait without resolving it and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const q = whenQuiet(150, 1000);
    let done = false;
    void q.done.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(100);
    q.cancel();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(2000);
    q.activity();
    expect(done).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('hold: false — its timers do not keep an exiting process alive; hold (the default) does', () => {
    const loose = whenQuiet(150, 1000, { hold: false });
    const held = whenQuiet(150, 1000);
    const handles = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    loose.cancel();
    const afterLoose = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    held.cancel();
    const afterHeld = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(handles - afterLoose).toBe(0); // unref'd timers are not active resources
    expect(afterLoose - afterHeld).toBe(2); // the cap and the quiet timer
  });
});
