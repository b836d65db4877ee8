// The relay runs each layer (modem, SLAC, SDP) through runLogic: its own ends are layer failures with
// codes, as every layer's are, so the legs log and decide on codes, never on text.
import { describe, expect, it } from 'vitest';
import { fromPromise } from 'xstate';
import { runLogic } from '../../src/runtime/relay.js';
import { failureOf } from '../../src/domain/connection/failure.js';

describe('runLogic (a layer of a relay leg)', () => {
  it('gives the layer output when it finishes', async () => {
    const out = await runLogic<{ ok: true; n: number }>(fromPromise(async () => ({ ok: true as const, n: 7 })), new AbortController().signal);
    expect(out).toEqual({ ok: true, n: 7 });
    expect(failureOf(out)).toBeUndefined();
  });

  it('an actor that throws: ACTOR_CRASHED with its message, retryable', async () => {
    const out = await runLogic(
      fromPromise(async () => {
        throw new Error('socket exploded');
      }),
      new AbortController().signal,
    );
    expect(failureOf(out)).toEqual({ code: 'ACTOR_CRASHED', retryable: true, detail: 'socket exploded' });
  });

  it('aborted while it runs: LAYER_STOPPED, and the actor is stopped (its signal aborted)', async () => {
    const ac = new AbortController();
    let inner: AbortSignal | undefined;
    const p = runLogic(
      fromPromise(({ signal }) => {
        inner = signal;
        return new Promise(() => {});
      }),
      ac.signal,
    );
    await Promise.resolve();
    ac.abort();
    expect(failureOf(await p)).toMatchObject({ code: 'LAYER_STOPPED', retryable: true });
    expect(inner?.aborted).toBe(true);
  });
});
