// tsplc hw-test: a self-test of the vehicle-side board before the first charge.
//
//   tsplc hw-test [--board <name>] [--config <file>] [--set k=v] [--auto] [--settle-ms 2000]
//
// 1. prints what the board profile says the board has (capabilities);
// 2. reads every input once (CP, PWM, PP, contactor and lock feedback, inlet
//    voltage, current, battery) and prints it with its unit;
// 3. walks each output (CP state-C resistor, contactors, connector lock, display):
//    interactively ("press Enter to switch X on … did it switch? [y/n]"), or with
//    --auto: switch on, read the feedback input back where the board has one,
//    switch off, read it back; exit 1 if any feedback disagrees.
// Like pyPLC's keyboard test messages and celeron55's c55_test_hardware.sh, but on
// the same board profile code a session uses. Safety: it refuses to run while a
// session runs (the tsplc service active, or a tsplc pev/evse/sim process), and
// every output is off (contactors open, CP state B, lock motor still) on exit,
// SIGINT, SIGTERM and error.
import { gpioBoardOf, resolvePin } from '../../domain/hardware/pins.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { parseCommandArgs } from '../args.js';
import { loadBoard, type Board, type BoardDrivers } from '../../../boards/index.js';
import { wallClock } from '../../../drivers/clock/index.js';
import type { TsplcConfig } from '../../config/schema.js';
import { evCapabilitiesOf, type EvCapabilities } from '../../domain/hardware/capabilities.js';
import type { Clock } from '../../ports/clock.js';
import type { BatteryState, EvHardware, LockState } from '../../ports/hardware.js';
import { boardNotNamedMessage, configArgOptions, formatConfigErrors, loadConfig } from '../../runtime/config-file.js';
import { createLogger } from '../../runtime/logger.js';
import { errorMessage } from '../../errors.js';

export const summary = 'self-test of the board: capabilities, inputs, each output (prompt or --auto)';

const usage = `usage: tsplc hw-test [--board <name>] [--config <file>] [--set key=value ...] [options]
  --auto               switch each output on and off by itself, check it against the board's
                       feedback input where there is one; exit 1 if any feedback disagrees
  --settle-ms <ms>     how long an output may take to confirm (default 2000)
  --read-ms <ms>       how long to wait for the first reading of each input (default 1500)
  --log-level <level>  debug|info|warn|error (default warn)
Without --auto each output is switched when you press Enter and you answer y/n.
It refuses to run while tsplc.service or another tsplc pev/evse/sim runs.`;

export interface HwTestIo {
  out(line: string): void;
  /** Shows the question, resolves with the answer line (interactive mode only). */
  ask(question: string): Promise<string>;
}

export interface HwTestOptions {
  readonly auto: boolean;
  readonly io: HwTestIo;
  /** How long an output may take to confirm, ms. */
  readonly settleMs?: number;
  /** How long to wait for the first reading of an input, ms (serial devices report every ~100 ms–1 s). */
  readonly readMs?: number;
  readonly clock?: Clock;
  /** Set when the user interrupted (SIGINT): the walk stops at the next step. */
  readonly abort?: { aborted: boolean };
}

export interface HwInput {
  readonly name: string;
  readonly value: string;
}

export type HwOutputResult = 'pass' | 'fail' | 'unchecked' | 'skipped';

export interface HwOutput {
  readonly output: string;
  readonly result: HwOutputResult;
  readonly detail: string;
}

export interface HwTestReport {
  readonly board: string;
  readonly capabilities: EvCapabilities;
  readonly inputs: readonly HwInput[];
  readonly outputs: readonly HwOutput[];
  /** false when a feedback input (or, interactively, the user) said an output did not switch. */
  readonly ok: boolean;
}

/**
 * Which boards report the CP state they drive (not only echo the command): the celeron55
 * device sends cp_output_state; the GPIO boards and the dieter Arduino have no CP readback
 * (the state is what was written), the sim plant's CP follows the cable (A when unplugged).
 */
const CP_READBACK: ReadonlySet<string> = new Set(['celeron55']);

/** Where the CP PWM is measured: celeron55 reports cp_pwm, sim has a plant, GPIO boards only with a comparator input. */
function pwmMeasured(board: string, config: TsplcConfig): boolean {
  if (board === 'celeron55' || board === 'sim') return true;
  const gpio = gpioBoardOf(board);
  if (gpio) {
    const pin = resolvePin(gpio, config.hardware.pin_cp_pwm);
    return pin.ok && pin.value !== undefined;
  }
  return false;
}

/**
 * The value each input has after `ms`: every input is watched at once, and the last value
 * counts, because a serial device's first report arrives after the board's initial
 * "nothing yet" value (celeron55 every ~100 ms, the dieter A0 line every ~450 ms).
 */
async function latestOf(inputs: Record<string, Observable<unknown> | undefined>, clock: Clock, ms: number): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  const subs = Object.entries(inputs).flatMap(([k, obs]) => (obs ? [obs.subscribe({ next: (v) => void (values[k] = v), error: () => undefined })] : []));
  await sleep(clock, ms);
  for (const sub of subs) sub.unsubscribe();
  return values;
}

/** Resolves true as soon as obs gives a value that satisfies pred, false after ms. */
function becomes<T>(obs: Observable<T>, pred: (v: T) => boolean, clock: Clock, ms: number): Promise<{ ok: boolean; last: T | undefined }> {
  return new Promise((resolve) => {
    let last: T | undefined;
    let done = false;
    const ref: { sub?: { unsubscribe(): void } } = {};
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      ref.sub?.unsubscribe();
      clock.clearTimeout(timer);
      resolve({ ok, last });
    };
    const timer = clock.setTimeout(() => finish(false), ms);
    const sub = (ref.sub = obs.subscribe({
      next: (v) => {
        last = v;
        if (pred(v)) finish(true);
      },
      error: () => finish(false),
      complete: () => finish(false),
    }));
    if (done) sub.unsubscribe();
  });
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

const fmt = (v: number | undefined, unit: string, digits = 1): string => (v === undefined || Number.isNaN(v) ? 'no reading' : `${v.toFixed(digits)} ${unit}`);

/** Every output in its safe state: contactors open, CP state B. (The lock is left as the walk left it; see runHwTest.) */
export function allOutputsOff(ev: EvHardware): void {
  try {
    ev.contactors.open();
  } finally {
    ev.controlPilot.setState('B');
  }
}

interface OutputSpec {
  readonly name: string;
  on(): void;
  off(): void;
  /** Feedback: the stream and what on / off look like; absent = the board cannot tell. */
  readonly feedback?: { readonly input: string; readonly $: Observable<unknown>; isOn(v: unknown): boolean; isOff(v: unknown): boolean };
  /** Extra settle time (the lock motor pulse). */
  readonly extraMs?: number;
}

function outputsOf(board: Board, config: TsplcConfig, ev: EvHardware): OutputSpec[] {
  const list: OutputSpec[] = [];
  list.push({
    name: 'CP state-C resistor',
    on: () => ev.controlPilot.setState('C'),
    off: () => ev.controlPilot.setState('B'),
    ...(CP_READBACK.has(board.name) ? { feedback: { input: 'CP state', $: ev.controlPilot.state$, isOn: (v: unknown) => v === 'C', isOff: (v: unknown) => v !== 'C' } } : {}),
  });
  const c = ev.contactors;
  list.push({
    name: 'contactors',
    on: () => c.close(),
    off: () => c.open(),
    ...(c.hasFeedback ? { feedback: { input: 'contactor feedback', $: c.closed$, isOn: (v: unknown) => v === true, isOff: (v: unknown) => v === false } } : {}),
  });
  const lock = ev.connectorLock;
  if (lock) {
    list.push({
      name: 'connector lock',
      on: () => lock.lock(),
      off: () => lock.unlock(),
      extraMs: config.hardware.lock_pulse,
      // Without a lock switch the board reports the goal after the pulse: that is no check.
      ...(lock.hasFeedback ? { feedback: { input: 'lock feedback', $: lock.state$, isOn: (v: unknown) => (v as LockState) === 'locked', isOff: (v: unknown) => (v as LockState) === 'unlocked' } } : {}),
    });
  }
  const display = ev.display;
  if (display) {
    list.push({ name: 'display', on: () => display.show(['tsplc hw-test', 'display test', '########'].slice(0, display.lines)), off: () => display.show(new Array<string>(display.lines).fill('')) });
  }
  return list;
}

/** Runs the self-test on a loaded board (the CLI and the tests share this). Leaves every output off. */
export async function runHwTest(board: Board, config: TsplcConfig, o: HwTestOptions): Promise<HwTestReport> {
  const ev = board.ev;
  if (!ev) throw new Error(`board '${board.name}' has no vehicle side`);
  const clock = o.clock ?? wallClock;
  const settleMs = o.settleMs ?? 2000;
  const readMs = o.readMs ?? 1500;
  const out = o.io.out;
  const caps = evCapabilitiesOf(ev);
  out(`board ${board.name} (as its profile sees it):`);
  out(`  CP: drives the state-C resistor; CP state ${CP_READBACK.has(board.name) ? 'read back from the board' : 'not read back (the command is taken as done)'}; PWM ${pwmMeasured(board.name, config) ? 'measured' : 'not measured (assumed 5 %)'}`);
  out(`  plug detection: ${caps.plugDetection}${caps.plugDetection === 'pp' ? ' (proximity pilot)' : caps.plugDetection === 'none' ? ' (the cable is assumed in; one session per start)' : ''}`);
  out(`  lock: ${caps.lock}`);
  out(`  contactor feedback: ${caps.contactorFeedback ? 'yes (auxiliary contact)' : 'no (the command is taken as done)'}`);
  out(`  inlet voltage: ${caps.inletVoltage ? (board.name === 'raspberry-pi' || board.name === 'beaglebone' || board.name === 'raspberry-pi-can' ? `ADC ${config.hardware.inlet_adc}, scale ${config.hardware.inlet_voltage_scale}` : 'yes') : 'no sensor (the safe shutdown uses its fixed waits)'}`);
  out(`  current sensor: ${caps.currentSensor ? 'yes' : 'no'}`);
  out(`  display: ${ev.display ? `${ev.display.lines} lines` : 'none'}`);
  out(`  CAN: ${board.chademo ? `yes (${config.chademo.can_interface}, CHAdeMO)` : 'none'}`);
  out(`  serial: ${board.name === 'celeron55' || board.name === 'dieter' ? `${config.hardware.serial_port} at ${config.hardware.serial_baud} baud` : config.hardware.display === 'serial' ? `display on ${config.hardware.display_serial_port || config.hardware.serial_port}` : 'none'}`);
  out('  relays and LEDs: none beyond the outputs below in this board profile');

  const reportCaps = caps;
  const inputs: HwInput[] = [];
  const outputs: HwOutput[] = [];
  let lockedByUs = false;
  try {
    // Safe start: a previous crash may have left something on.
    allOutputsOff(ev);
    out('inputs (read once):');
    const add = (name: string, value: string): void => {
      inputs.push({ name, value });
      out(`  ${name.padEnd(22)} ${value}`);
    };
    const v = await latestOf(
      {
        cp: ev.controlPilot.state$,
        pwm: ev.controlPilot.dutyCycle$,
        plug: ev.plug?.plugged$,
        contactors: ev.contactors.closed$,
        lock: ev.connectorLock?.state$,
        inlet: ev.inletVoltage?.volts$,
        current: ev.current?.amps$,
        battery: ev.battery.state$,
      },
      clock,
      readMs,
    );
    const cp = v.cp as string | undefined;
    add('CP state', cp === undefined ? 'no reading' : `${cp}${CP_READBACK.has(board.name) ? '' : ' (commanded)'}`);
    add('CP PWM duty', fmt(v.pwm as number | undefined, '%', 0) + (pwmMeasured(board.name, config) ? '' : ' (not measured)'));
    if (ev.plug) add('plug (PP)', v.plug === undefined ? 'no reading' : v.plug ? 'plugged' : 'not plugged');
    add('contactors', `${v.contactors === undefined ? 'no reading' : v.contactors ? 'closed' : 'open'}${ev.contactors.hasFeedback ? ' (feedback input)' : ' (commanded)'}`);
    if (ev.connectorLock) add('connector lock', `${(v.lock as string | undefined) ?? 'no reading'}${ev.connectorLock.hasFeedback ? ' (lock switch)' : ' (commanded)'}`);
    if (ev.inletVoltage) add('inlet voltage', fmt(v.inlet as number | undefined, 'V'));
    if (ev.current) add('current', fmt(v.current as number | undefined, 'A'));
    const b = v.battery as BatteryState | undefined;
    add('battery (board)', b === undefined ? 'no reading' : `SOC ${b.socPercent.toFixed(0)} %, ${b.voltage.toFixed(1)} V, max ${b.maxCurrent.toFixed(0)} A, up to ${b.maxVoltage.toFixed(0)} V`);

    out(o.auto ? 'outputs (--auto: on, read back, off, read back):' : 'outputs (one at a time; answer y or n):');
    for (const spec of outputsOf(board, config, ev)) {
      if (o.abort?.aborted) {
        outputs.push({ output: spec.name, result: 'skipped', detail: 'interrupted' });
        continue;
      }
      const wait = settleMs + (spec.extraMs ?? 0);
      let result: HwOutputResult;
      let detail: string;
      if (o.auto) {
        spec.on();
        if (spec.name === 'connector lock') lockedByUs = true;
        if (spec.feedback) {
          const on = await becomes(spec.feedback.$, spec.feedback.isOn, clock, wait);
          spec.off();
          const off = await becomes(spec.feedback.$, spec.feedback.isOff, clock, wait);
          // A lock switch changes before the motor pulse ends: let the pulse finish (motor outputs low).
          await sleep(clock, spec.extraMs ?? 0);
          if (spec.name === 'connector lock' && off.ok) lockedByUs = false;
          result = on.ok && off.ok ? 'pass' : 'fail';
          detail = on.ok && off.ok
            ? `${spec.feedback.input} followed on and off`
            : !on.ok
              ? `${spec.feedback.input} did not confirm ON within ${wait} ms (last: ${String(on.last)})`
              : `${spec.feedback.input} did not confirm OFF within ${wait} ms (last: ${String(off.last)})`;
        } else {
          await sleep(clock, Math.min(wait, 300 + (spec.extraMs ?? 0)));
          spec.off();
          await sleep(clock, spec.extraMs ?? 0);
          if (spec.name === 'connector lock') lockedByUs = false;
          result = 'unchecked';
          detail = 'switched on and off; this board has no feedback input for it (check by eye or with a meter)';
        }
      } else {
        await o.io.ask(`press Enter to switch ${spec.name} on `);
        spec.on();
        if (spec.name === 'connector lock') lockedByUs = true;
        const fb = spec.feedback ? await becomes(spec.feedback.$, spec.feedback.isOn, clock, wait) : undefined;
        const said = (await o.io.ask(`${spec.name} on${fb ? ` (${spec.feedback?.input}: ${fb.ok ? 'confirms' : 'does NOT confirm'})` : ''}: did it switch? [y/n] `)).trim().toLowerCase();
        spec.off();
        const fbOff = spec.feedback ? await becomes(spec.feedback.$, spec.feedback.isOff, clock, wait) : undefined;
        await sleep(clock, spec.extraMs ?? 0);
        if (spec.name === 'connector lock' && (fbOff?.ok ?? true)) lockedByUs = false;
        const yes = said.startsWith('y');
        const feedbackOk = (fb?.ok ?? true) && (fbOff?.ok ?? true);
        result = yes && feedbackOk ? 'pass' : 'fail';
        detail = `you said ${yes ? 'yes' : 'no'}${fb ? `; ${spec.feedback?.input} ${fb.ok ? 'confirmed on' : 'did not confirm on'}, ${fbOff?.ok ? 'confirmed off' : 'did not confirm off'}` : ''}`;
        out(`  ${spec.name} off`);
      }
      outputs.push({ output: spec.name, result, detail });
      out(`  ${spec.name.padEnd(22)} ${result.toUpperCase()}: ${detail}`);
    }
  } finally {
    allOutputsOff(ev);
    if (lockedByUs && ev.connectorLock) {
      // Interrupted between lock and unlock: give the motor its unlock pulse before the board lets go.
      ev.connectorLock.unlock();
      await sleep(clock, config.hardware.lock_pulse + 50);
    }
  }
  const ok = outputs.every((x) => x.result !== 'fail');
  const failed = outputs.filter((x) => x.result === 'fail').map((x) => x.output);
  out(ok ? `hw-test: no output disagreed (${outputs.filter((x) => x.result === 'pass').length} confirmed, ${outputs.filter((x) => x.result === 'unchecked').length} without feedback)` : `hw-test: FAILED: ${failed.join(', ')}`);
  return { board: board.name, capabilities: reportCaps, inputs, outputs, ok };
}

/**
 * Why a session is running, or undefined: the tsplc service is active, or a tsplc
 * pev/evse/sim process runs (found in `procDir`, /proc unless TSPLC_PROC_DIR says
 * otherwise). Both would drive the same pins: two owners of a contactor is how a
 * contactor closes under load.
 */
export function sessionRunning(procDir = process.env.TSPLC_PROC_DIR ?? '/proc', self = process.pid, systemctl = true): string | undefined {
  if (systemctl && existsSync('/run/systemd/system')) {
    const r = spawnSync('systemctl', ['is-active', '--quiet', 'tsplc.service'], { stdio: 'ignore', timeout: 5000 });
    if (r.status === 0) return 'tsplc.service is active (systemctl stop tsplc first)';
  }
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return undefined;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === self) continue;
    let argv: string[];
    try {
      argv = readFileSync(join(procDir, e, 'cmdline'), 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    // `tsplc pev`, `node …/tsplc pev`, `node --import tsx src/cli/main.ts pev`, dist/src/cli/main.js.
    const i = argv.findIndex((a) => /(^|\/)tsplc$/.test(a) || /src\/cli\/main\.(ts|js)$/.test(a));
    const command = i >= 0 ? argv[i + 1] : undefined;
    if (command === 'pev' || command === 'evse' || command === 'sim') return `a tsplc ${command} session runs (pid ${e}); stop it first`;
  }
  return undefined;
}

function terminalIo(): HwTestIo & { close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const lines: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  let ended = false;
  rl.on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else lines.push(l);
  });
  rl.on('close', () => {
    ended = true;
    // End of input answers every open question with "no": an unattended run fails rather than passes.
    for (const w of waiting.splice(0)) w('n');
  });
  return {
    out: (l) => void process.stdout.write(l + '\n'),
    ask: (q) => {
      process.stdout.write(q);
      const l = lines.shift();
      if (l !== undefined) return Promise.resolve(l);
      if (ended) return Promise.resolve('n');
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () => rl.close(),
  };
}

export async function run(argv: string[], drivers?: BoardDrivers): Promise<number> {
  const parsed = parseCommandArgs('hw-test', usage, {
    args: argv,
    options: {
      ...configArgOptions,
      auto: { type: 'boolean' },
      'settle-ms': { type: 'string' },
      'read-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const num = (name: string, text: string | undefined, def: number): number | string => {
    if (text === undefined) return def;
    const n = Number(text);
    return Number.isInteger(n) && n >= 10 && n <= 60_000 ? n : `--${name} must be an integer in 10..60000 ms, got '${text}'`;
  };
  const settleMs = num('settle-ms', values['settle-ms'], 2000);
  const readMs = num('read-ms', values['read-ms'], 1500);
  for (const v of [settleMs, readMs]) {
    if (typeof v === 'string') {
      process.stderr.write(`tsplc hw-test: ${v}\n`);
      return 2;
    }
  }
  const loaded = loadConfig({ ...values, mode: 'pev', ...(values['log-level'] ? {} : { 'log-level': 'warn' }) });
  if (!loaded.ok) {
    process.stderr.write(formatConfigErrors(loaded.error) + '\n');
    return 2;
  }
  // As tsplc pev: no silent sim board when the config names none.
  if (!loaded.value.boardNamed) {
    process.stderr.write(`tsplc hw-test: ${boardNotNamedMessage}\n`);
    return 2;
  }
  const config = loaded.value.config;
  const busy = sessionRunning();
  if (busy) {
    process.stderr.write(`tsplc hw-test: refusing to run: ${busy}\n`);
    return 1;
  }
  const logger = createLogger({ level: config.logging.level as 'debug' | 'info' | 'warn' | 'error', format: 'human', write: (l) => void process.stderr.write(l + '\n') });
  const b = await loadBoard(config.general.board, { role: 'pev', config, logger }, drivers);
  if (!b.ok) {
    process.stderr.write(`tsplc hw-test: board: ${b.error.message}\n`);
    return 1;
  }
  const board = b.value;
  const abort = { aborted: false };
  const io = values.auto ? { out: (l: string) => void process.stdout.write(l + '\n'), ask: () => Promise.resolve('n'), close: () => undefined } : terminalIo();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    abort.aborted = true;
    process.stderr.write(`tsplc hw-test: ${sig}: switching every output off\n`);
    // The walk stops at its next step; the outputs go off now, not then.
    if (board.ev) allOutputsOff(board.ev);
    io.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The board clock's timers are unref'd (they must not keep a session alive): this one keeps
  // the process up until the walk is over, else node exits mid-test with status 0.
  const keepAlive = setInterval(() => undefined, 60_000);
  let code: number;
  try {
    const report = await runHwTest(board, config, { auto: values.auto === true, io, settleMs: settleMs as number, readMs: readMs as number, abort });
    code = interrupted ? 130 : report.ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`tsplc hw-test: ${errorMessage(e)}\n`);
    code = 1;
  } finally {
    clearInterval(keepAlive);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.close();
    if (board.ev) allOutputsOff(board.ev);
    await board.close();
  }
  return code;
}
