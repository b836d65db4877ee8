// "Invoke a layer; go on when it is done, back off (or give up) when it fails
// or crashes" — the one pattern both connection managers repeat for every
// layer (modem, SLAC, SDP, TCP, listen). One helper builds the state, so the
// rule is the same everywhere:
//
//  - output { ok: true, ... }        → `next`, with the caller's `onOk` actions;
//  - output { ok: false, failure }   → `onFail` with the failure (its layer added);
//  - any other output                → `onFail` with NO_OUTPUT (a mis-wired layer never passes for success);
//  - the child crashed (onError)     → `onFail` with ACTOR_CRASHED.
//
// The failure is handed to the machine's own `layerFailed` action (each
// manager's setup declares it: it records the failure in the context); the
// `onFail` state decides back-off versus give-up by the failure's code through
// RETRYABLE (src/domain/connection/failure.ts), not here.
import { crashFailure, failureOf, layerFailure, type LayerFailure, type LayerName } from '../../src/domain/connection/failure.js';

/** The params of the `layerFailed` action both managers declare. */
export interface LayerFailedParams {
  readonly failure: LayerFailure;
}

/** The failure of a layer's output, with the layer named; undefined for success. */
export function outputFailure(layer: LayerName, output: unknown): LayerFailure | undefined {
  const f = failureOf(output);
  return f ? { ...f, layer } : undefined;
}

export interface LayerStateOptions<TSrc extends string, TInput, TEntry, TOk> {
  /** The layer, for the failure and the log line. */
  readonly layer: LayerName;
  /** The child actor's name in the machine's setup. */
  readonly src: TSrc;
  /** The child's input, read when it starts. */
  readonly input?: TInput;
  readonly entry?: TEntry;
  /** Target after success. */
  readonly next: string;
  /** Actions on success (take the layer's facts into the context, report). */
  readonly onOk?: TOk;
  /** Target after a failure or a crash (the manager's back-off state, which applies RETRYABLE). */
  readonly onFail: string;
}

/** The state node of one layer (see the file comment). */
export function layerState<TSrc extends string, TInput = undefined, TEntry = undefined, TOk = undefined>(o: LayerStateOptions<TSrc, TInput, TEntry, TOk>) {
  const failedOutput = ({ event }: { event: { output: unknown } }): boolean => outputFailure(o.layer, event.output) !== undefined;
  return {
    ...(o.entry !== undefined ? { entry: o.entry } : {}),
    invoke: {
      src: o.src,
      ...(o.input !== undefined ? { input: o.input } : {}),
      onDone: [
        {
          guard: failedOutput,
          target: o.onFail,
          actions: {
            type: 'layerFailed' as const,
            params: ({ event }: { event: { output: unknown } }): LayerFailedParams => ({
              failure: outputFailure(o.layer, event.output) ?? { ...layerFailure('NO_OUTPUT', 'layer output without a failure'), layer: o.layer },
            }),
          },
        },
        { target: o.next, ...(o.onOk !== undefined ? { actions: o.onOk } : {}) },
      ],
      onError: {
        target: o.onFail,
        actions: { type: 'layerFailed' as const, params: ({ event }: { event: { error: unknown } }): LayerFailedParams => ({ failure: { ...crashFailure(event.error), layer: o.layer } }) },
      },
    },
  };
}
