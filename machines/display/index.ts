// The status display actor (docs/display.md). Fed by FACTS events (the
// runtime folds the status stream, the hardware readings and the decoded V2G
// messages into DisplayFacts and sends them on change), it picks the page,
// rotates pages every display_page_period, steps on BUTTON (a GPIO input),
// and draws through the provided `draw` actor:
//  - only when the page's content changed (the composed page is compared, not
//    the raw facts: a voltage that moves by 0.01 V redraws nothing),
//  - at most max_fps times per second (display_min_interval),
//  - never blocking anything: the draw is a promise actor; a draw that fails
//    or takes longer than display_draw_timeout (a stalled I2C bus) is logged
//    once, retried after display_retry (doubling up to retry_max), and the
//    charging actors never wait for it.
import { and, assign, enqueueActions, fromPromise, setup } from 'xstate';
import type { Logger } from '../../src/ports/log.js';
import { composePage, type PageContent, type PageId } from '../../src/outputs/display/pages.js';
import type { DisplayFacts } from '../../src/outputs/display/facts.js';
import { DisplayError, displayErrorOf } from '../../src/outputs/display/errors.js';

// The timings live in src/outputs/display/timing.ts so src/config can read their defaults without importing machines/.
export { defaultDisplayTimings, type DisplayTimings } from '../../src/outputs/display/timing.js';
import { defaultDisplayTimings, type DisplayTimings } from '../../src/outputs/display/timing.js';

export interface DisplayMachineInput {
  readonly pages: readonly PageId[];
  readonly facts: DisplayFacts;
  /** At most this many draws per second. */
  readonly maxFps: number;
  readonly timings?: Partial<DisplayTimings>;
  /** The actor clock's time (elapsed time on the pages, draw spacing). */
  readonly now: () => number;
  readonly logger: Logger;
}

export type DisplayEvent =
  | { readonly type: 'FACTS'; readonly facts: DisplayFacts }
  | { readonly type: 'BUTTON' }
  | { readonly type: 'SHOW_PAGE'; readonly page: PageId };

export interface DisplayStats {
  readonly draws: number;
  readonly failures: number;
  readonly composed: number;
}

interface Ctx {
  readonly pages: readonly PageId[];
  readonly t: DisplayTimings;
  readonly minIntervalMs: number;
  readonly now: () => number;
  readonly logger: Logger;
  facts: DisplayFacts;
  pageIndex: number;
  wanted: PageContent;
  wantedKey: string;
  drawingKey?: string;
  drawnKey?: string;
  lastDrawAt?: number;
  /** Consecutive failed draws (0 = the display works). */
  failures: number;
  stats: DisplayStats;
}

const keyOf = (c: PageContent): string => JSON.stringify(c);

function compose(ctx: Pick<Ctx, 'pages' | 'pageIndex' | 'facts' | 'now'>): { wanted: PageContent; wantedKey: string } {
  const id = ctx.pages[ctx.pageIndex % ctx.pages.length] ?? 'stage';
  const wanted = composePage(id, ctx.facts, ctx.now());
  return { wanted, wantedKey: keyOf(wanted) };
}

export const displayMachine = setup({
  types: {
    context: {} as Ctx,
    events: {} as DisplayEvent,
    input: {} as DisplayMachineInput,
  },
  actors: {
    /** Draws one page; provided by the runtime (SSD1306, SH1106, serial, twin). */
    draw: fromPromise<void, PageContent>(async () => {}),
  },
  actions: {
    recompose: assign(({ context }) => {
      const c = compose(context);
      return c.wantedKey === context.wantedKey ? {} : { ...c, stats: { ...context.stats, composed: context.stats.composed + 1 } };
    }),
  },
  guards: {
    changed: ({ context }) => context.wantedKey !== context.drawnKey,
    spaced: ({ context }) => context.lastDrawAt === undefined || context.now() - context.lastDrawAt >= context.minIntervalMs,
    rotates: ({ context }) => context.t.display_page_period > 0 && context.pages.length > 1,
  },
  delays: {
    display_page_period: ({ context }) => Math.max(1, context.t.display_page_period),
    display_refresh: ({ context }) => context.t.display_refresh,
    display_draw_timeout: ({ context }) => context.t.display_draw_timeout,
    // Spacing between draws (max_fps); what already passed since the last draw counts.
    display_min_interval: ({ context }) => (context.lastDrawAt === undefined ? 0 : Math.max(0, context.lastDrawAt + context.minIntervalMs - context.now())),
    display_retry: ({ context }) => Math.min(context.t.display_retry_max, context.t.display_retry * 2 ** Math.max(0, context.failures - 1)),
  },
}).createMachine({
  id: 'display',
  type: 'parallel',
  context: ({ input }) => {
    const t = { ...defaultDisplayTimings, ...input.timings };
    const pages = input.pages.length > 0 ? input.pages : (['stage'] as const);
    const base = { pages, pageIndex: 0, facts: input.facts, now: input.now };
    return {
      ...base,
      t,
      minIntervalMs: 1000 / Math.max(0.01, input.maxFps),
      logger: input.logger,
      failures: 0,
      stats: { draws: 0, failures: 0, composed: 1 },
      ...compose(base),
    };
  },
  on: {
    FACTS: { actions: [assign({ facts: ({ event }) => event.facts }), 'recompose'] },
  },
  states: {
    pager: {
      initial: 'showing',
      states: {
        showing: {
          after: {
            display_page_period: {
              guard: 'rotates',
              target: 'showing',
              reenter: true,
              actions: [assign({ pageIndex: ({ context }) => (context.pageIndex + 1) % context.pages.length }), 'recompose'],
            },
          },
          on: {
            // A press shows the next page and restarts the rotation period, so it stays a while.
            BUTTON: { target: 'showing', reenter: true, actions: [assign({ pageIndex: ({ context }) => (context.pageIndex + 1) % context.pages.length }), 'recompose'] },
            SHOW_PAGE: {
              target: 'showing',
              reenter: true,
              actions: [assign({ pageIndex: ({ context, event }) => Math.max(0, context.pages.indexOf(event.page)) }), 'recompose'],
            },
          },
        },
      },
    },
    clock: {
      initial: 'ticking',
      states: {
        ticking: { after: { display_refresh: { target: 'ticking', reenter: true, actions: 'recompose' } } },
      },
    },
    output: {
      initial: 'idle',
      states: {
        idle: {
          always: [
            // Drawn long enough ago (or never): at once, not on the next clock tick.
            { guard: and(['changed', 'spaced']), target: 'drawing' },
            { guard: 'changed', target: 'spacing' },
          ],
        },
        spacing: { after: { display_min_interval: 'drawing' } },
        drawing: {
          entry: assign({ drawingKey: ({ context }) => context.wantedKey }),
          invoke: {
            src: 'draw',
            input: ({ context }) => context.wanted,
            onDone: {
              target: 'idle',
              actions: enqueueActions(({ context, enqueue }) => {
                if (context.failures > 0) context.logger.log('info', `display works again after ${context.failures} failed draw(s)`);
                enqueue.assign({ drawnKey: context.drawingKey, lastDrawAt: context.now(), failures: 0, stats: { ...context.stats, draws: context.stats.draws + 1 } });
              }),
            },
            onError: { target: 'failed', actions: enqueueActions(({ context, event, enqueue }) => enqueue.assign(failure(context, event.error))) },
          },
          after: {
            display_draw_timeout: {
              target: 'failed',
              actions: enqueueActions(({ context, enqueue }) => enqueue.assign(failure(context, new DisplayError('STALLED', `draw took longer than ${context.t.display_draw_timeout} ms`)))),
            },
          },
        },
        failed: {
          after: {
            // After a failure the panel's content is unknown: draw again even if nothing changed.
            display_retry: { target: 'drawing' },
          },
        },
      },
    },
  },
});

/** Logged once per outage (the first failure); later ones only count. */
function failure(context: Ctx, error: unknown): Partial<Ctx> {
  const e = displayErrorOf(error);
  if (context.failures === 0) context.logger.log('warn', `display failed (${e.code}): ${e.detail}; retrying with back-off, the session goes on`, { code: e.code });
  else context.logger.log('debug', `display still failing (${e.code})`, { code: e.code, failures: context.failures + 1 });
  return { failures: context.failures + 1, drawnKey: undefined, stats: { ...context.stats, failures: context.stats.failures + 1 } };
}
