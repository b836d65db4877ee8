// Starts the status display for `tsplc pev|evse|sim` (docs/display.md): folds
// the status stream, the hardware readings and the decoded V2G messages into
// DisplayFacts, feeds them to the display actor (machines/display) on change,
// and gives the actor a draw that renders the page for the chosen backend
// (SSD1306/SH1106 over I2C, the serial text displays, or the in-memory twin).
// Nothing here can hold up the session: the draw is a promise the actor
// watches with a timeout, and every failure stays inside the actor.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActor, fromPromise, type Actor } from 'xstate';
import { formatMac } from '../bytes.js';
import { halfBlocks } from '../outputs/display/terminal.js';
import { encodePng } from '../../drivers/display/png.js';
import type { Observable, Subscription } from 'rxjs';
import { displayMachine, type DisplayTimings } from '../../machines/display/index.js';
import type { TsplcConfig } from '../config/schema.js';
import { oneAtATime } from '../outputs/display/errors.js';
import { protocolName, foldMeasurement, foldRequest, foldResponse, foldStatus, initialFacts, type DisplayFacts } from '../outputs/display/facts.js';
import type { Framebuffer } from '../outputs/display/framebuffer.js';
import { isPageId, type PageContent, type PageId } from '../outputs/display/pages.js';
import { renderPage, type PanelSize } from '../outputs/display/render.js';
import { chooseDisplayBackend, type DisplayBackend } from '../outputs/display/select.js';
import { Ssd1306Twin } from '../outputs/display/ssd1306-twin.js';
import { renderTextLines } from '../outputs/display/text.js';
import type { PixelPanel } from '../ports/display.js';
import type { Display, EvHardware, EvseHardware } from '../ports/hardware.js';
import type { Logger } from '../ports/log.js';
import type { StatusBus } from '../status.js';
import { dialectFor } from '../domain/v2g/dialects/index.js';
import type { Clock } from '../ports/clock.js';
import { wallClock } from '../../drivers/clock/index.js';
// Static: neither module loads a package at import time (i2c-bus is imported inside openI2cBus).
import { memoryI2cBus } from '../../drivers/i2c/memory.js';
import { createI2cPanel, openI2cPanel } from '../../drivers/display/i2c-panel.js';
import type { WireRecord } from './v2g-transport.js';
import { errorMessage } from '../errors.js';

export interface DisplayAttachOptions {
  readonly role: 'EV' | 'EVSE';
  readonly config: TsplcConfig;
  readonly board: string;
  readonly status: StatusBus;
  readonly hw?: EvHardware | EvseHardware;
  readonly link?: { readonly interface?: string; readonly mac?: string; readonly ipv6?: string };
  readonly logger: Logger;
  /** The actor clock (SimulatedClock in tests and `tsplc sim`); default wall clock. */
  readonly clock?: Clock;
  /** Instead of the configured backend (tests: a stalling or failing panel). */
  readonly panel?: PixelPanel;
  readonly textDisplay?: Display;
  /** Page button presses (default: the board's hw.displayButton). */
  readonly button$?: Observable<void>;
  /** After every completed draw of a pixel panel: what the panel shows now (terminal view, PNGs). */
  readonly onFrame?: (frame: Framebuffer) => void;
}

export interface AttachedDisplay {
  readonly backend: DisplayBackend;
  readonly actor: Actor<typeof displayMachine>;
  /** The in-memory panel when the backend is the twin. */
  readonly twin?: Ssd1306Twin;
  readonly panel?: PixelPanel;
  /** Feed every V2G wire record here (the charger's limits, the car's request). */
  onWire(r: WireRecord): void;
  facts(): DisplayFacts;
  close(): Promise<void>;
}

type Opened = { panel: PixelPanel; twin?: Ssd1306Twin; size: PanelSize } | { text: Display & { close?(): Promise<void> } } | undefined;

async function openBackend(backend: DisplayBackend, o: DisplayAttachOptions, log: Logger): Promise<Opened> {
  const d = o.config.display;
  const size = d.size as PanelSize;
  const height = size === '128x64' ? 64 : 32;
  if (o.panel) return { panel: o.panel, size: o.panel.height === 32 ? '128x32' : '128x64' };
  if (o.textDisplay) return { text: o.textDisplay };
  switch (backend) {
    case 'none':
      return undefined;
    case 'twin': {
      // The twin is driven by the real panel driver over the I2C bus twin: what it shows is what the bytes say.
      const twin = new Ssd1306Twin({ controller: 'ssd1306', height, address: d.address });
      const panel = await createI2cPanel(memoryI2cBus([twin]), { controller: 'ssd1306', width: 128, height, contrast: d.contrast, flip: d.flip, address: d.address });
      return { panel, twin, size };
    }
    case 'ssd1306':
    case 'sh1106': {
      if (backend === 'sh1106' && height !== 64) log.log('warn', 'SH1106 panels are 128x64: display.size ignored');
      const h = backend === 'sh1106' ? 64 : height;
      const r = await openI2cPanel(d.i2c_bus, { controller: backend, width: 128, height: h, contrast: d.contrast, flip: d.flip, address: d.address });
      if (!r.ok) {
        log.log('error', `display unavailable (${r.error.code}): ${r.error.detail}; charging goes on without it`, { code: r.error.code });
        return undefined;
      }
      return { panel: r.value, size: h === 64 ? '128x64' : '128x32' };
    }
    case 'board': {
      if (o.hw?.display) return { text: o.hw.display };
      log.log('warn', `display.backend = "board" but board '${o.board}' has no display of its own; no display`);
      return undefined;
    }
    case 'serial': {
      if (o.hw?.display) return { text: o.hw.display }; // the board opened it (GPIO profiles with hardware.display = "serial")
      const port = o.config.hardware.display_serial_port || o.config.hardware.serial_port;
      const { openSerialPort } = await import('../../drivers/serial/serialport.js');
      const link = await openSerialPort(port, o.config.hardware.serial_baud);
      if (!link.ok) {
        log.log('error', `display unavailable (UNAVAILABLE): serial display on ${port}: ${link.error}; charging goes on without it`, { code: 'UNAVAILABLE' });
        return undefined;
      }
      const { createSerialOledDisplay } = await import('../domain/hardware/serial-oled.js');
      return { text: createSerialOledDisplay(link.value) };
    }
  }
}

function isEvHardware(hw: EvHardware | EvseHardware): hw is EvHardware {
  return 'battery' in hw;
}

export async function attachDisplay(o: DisplayAttachOptions): Promise<AttachedDisplay | undefined> {
  const log = o.logger.child('display');
  const d = o.config.display;
  const backend = o.panel ? 'ssd1306' : o.textDisplay ? 'serial' : chooseDisplayBackend(o.board, d.backend, o.config.hardware.display);
  const opened = await openBackend(backend, o, log);
  if (!opened) return undefined;
  const clock = o.clock ?? wallClock;
  const now = (): number => clock.now();
  let facts = initialFacts(o.role, o.link ?? {});
  const pages = (d.pages as readonly string[]).filter(isPageId) as PageId[];
  const width = d.text_width;

  const drawContent: (c: PageContent) => Promise<void> =
    'panel' in opened
      ? oneAtATime(async (c: PageContent) => {
          await opened.panel.draw(renderPage(c, opened.size));
          if (o.onFrame) o.onFrame(opened.twin ? opened.twin.snapshot() : renderPage(c, opened.size));
        })
      : oneAtATime(async (c: PageContent) => {
          // The text ports are synchronous writes into a serial buffer; a throwing one becomes a rejected draw.
          opened.text.show(renderTextLines(c, opened.text.lines, width));
        });

  const timings: Partial<DisplayTimings> = {
    display_page_period: d.page_period,
    display_draw_timeout: d.draw_timeout,
    display_retry: d.retry_initial,
    display_retry_max: d.retry_max,
  };
  const machine = displayMachine.provide({
    actors: { draw: fromPromise<void, PageContent>(({ input }) => drawContent(input)) },
  });
  const actor = createActor(machine, {
    input: { pages, facts, maxFps: d.max_fps, timings, now, logger: log },
    ...(o.clock ? { clock: o.clock } : {}),
  });
  const subs: Subscription[] = [];
  let closed = false;
  const update = (next: DisplayFacts): void => {
    if (closed || next === facts) return;
    facts = next;
    actor.send({ type: 'FACTS', facts });
  };
  actor.start();
  subs.push(o.status.updates$.subscribe((u) => update(foldStatus(facts, u))));
  const hw = o.hw;
  if (hw && isEvHardware(hw)) {
    if (hw.inletVoltage) subs.push(hw.inletVoltage.volts$.subscribe((v) => update(foldMeasurement(facts, { voltage: v }, now()))));
    if (hw.current) subs.push(hw.current.amps$.subscribe((a) => update(foldMeasurement(facts, { current: a }, now()))));
    subs.push(hw.battery.state$.subscribe((b) => update(foldMeasurement(facts, { soc: b.socPercent }, now()))));
  } else if (hw) subs.push(hw.powerSupply.reading$.subscribe((r) => update(foldMeasurement(facts, { voltage: r.voltage, current: r.current }, now()))));
  const button = o.button$ ?? hw?.displayButton?.presses$;
  if (button) subs.push(button.subscribe(() => !closed && actor.send({ type: 'BUTTON' })));

  return {
    backend,
    actor,
    ...('panel' in opened ? { panel: opened.panel, ...(opened.twin ? { twin: opened.twin } : {}) } : {}),
    onWire(r) {
      if (closed || !r.doc || (r.schema !== 'din' && r.schema !== 'iso2')) return;
      const dialect = dialectFor(r.schema);
      // The car's messages are requests, the charger's responses; which direction that is depends on the role.
      const isRequest = (o.role === 'EV') === (r.direction === 'tx');
      if (isRequest) {
        const req = dialect.decodeRequest(r.doc);
        if (req.ok) update({ ...foldRequest(facts, req.value.body), protocol: facts.protocol ?? protocolName(r.schema) });
      } else {
        const res = dialect.decodeResponse(r.doc);
        if (res.ok) update({ ...foldResponse(facts, res.value.body), protocol: facts.protocol ?? protocolName(r.schema) });
      }
    },
    facts: () => facts,
    async close() {
      if (closed) return;
      closed = true;
      for (const s of subs) s.unsubscribe();
      actor.stop();
      if ('panel' in opened && !o.panel) await opened.panel.close().catch((e: unknown) => log.log('debug', `display close: ${errorMessage(e)}`));
      else if ('text' in opened && !o.textDisplay && !o.hw?.display) await opened.text.close?.();
    },
  };
}


/** Where `tsplc sim --display` / `--display-png <dir>` send the twin's frames. */
export function simDisplayOutputs(o: { readonly terminal: boolean; readonly pngDir?: string; readonly write: (s: string) => void; readonly tty: boolean; readonly contrast?: number; readonly logger: Logger }): (frame: Framebuffer) => void {
  let printed = 0;
  let n = 0;
  let pngFailed = false;
  return (frame) => {
    if (o.terminal) {
      const lines = halfBlocks(frame);
      // On a terminal the panel is redrawn in place (cursor up to its first line); piped, every frame is printed.
      o.write((o.tty && printed > 0 ? `\x1b[${printed}F` : '') + lines.join('\n') + '\n');
      printed = lines.length;
    }
    if (o.pngDir && !pngFailed) {
      n++;
      try {
        mkdirSync(o.pngDir, { recursive: true });
        writeFileSync(join(o.pngDir, `display-${String(n).padStart(6, '0')}.png`), encodePng(frame, { scale: 4, ...(o.contrast !== undefined ? { contrast: o.contrast } : {}) }));
      } catch (e) {
        // A full disk or a bad path ends the PNGs, not the session.
        pngFailed = true;
        o.logger.log('error', `--display-png: cannot write into ${o.pngDir}: ${errorMessage(e)}; no more PNGs`);
      }
    }
  };
}

/** `tsplc pev|evse`: the display of the role, from the board, the status bus and the interface. */
export function attachRoleDisplay(role: 'pev' | 'evse', c: TsplcConfig, board: { ev?: EvHardware; evse?: EvseHardware }, status: StatusBus, logger: Logger, link: { mac: Uint8Array; ipv6: string | undefined }): Promise<AttachedDisplay | undefined> {
  const hw = role === 'pev' ? board.ev : board.evse;
  return attachDisplay({
    role: role === 'pev' ? 'EV' : 'EVSE',
    config: c,
    board: c.general.board,
    status,
    ...(hw ? { hw } : {}),
    logger,
    link: { interface: c.general.interface, mac: formatMac(link.mac), ...(link.ipv6 ? { ipv6: link.ipv6 } : {}) },
  });
}
