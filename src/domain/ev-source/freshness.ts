// Stale data: a BMS source that sent nothing within timeoutMs is stale until the
// next update. pyPLC's CHAdeMO backend sets the current to 0 after 1 s without an
// update; tsplc does that for every live source and then stops gracefully.
import { BehaviorSubject, distinctUntilChanged, type Observable, type Subscription } from 'rxjs';
import type { Clock } from '../../ports/clock.js';

export interface Freshness {
  readonly stale$: Observable<boolean>;
  stop(): void;
}

/** Stale from the start until the first update, and whenever no update came within timeoutMs. */
export function watchFreshness(updates$: Observable<unknown>, timeoutMs: number, sched: Clock): Freshness {
  const stale = new BehaviorSubject(true);
  let timer: unknown;
  let stopped = false;
  const arm = (): void => {
    if (timer !== undefined) sched.clearTimeout(timer);
    timer = sched.setTimeout(() => {
      timer = undefined;
      if (!stopped) stale.next(true);
    }, timeoutMs);
  };
  const sub: Subscription = updates$.subscribe(() => {
    if (stopped) return;
    stale.next(false);
    arm();
  });
  return {
    stale$: stale.pipe(distinctUntilChanged()),
    stop() {
      stopped = true;
      sub.unsubscribe();
      if (timer !== undefined) sched.clearTimeout(timer);
      stale.complete();
    },
  };
}
