// tsplc hw-test on the board profiles' production code over their port twins
// (sim plant, GPIO twin, serial twin with a device emulator): --auto passes on
// healthy twins, fails naming the output whose feedback is stuck, and every
// output is off at the end — also when the walk is interrupted or fails.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBoard, type Board, type BoardDrivers } from '../../boards/index.js';
import { memoryGpio, type MemoryGpio } from '../../boards/gpio/memory.js';
import type { SimBoardProfile } from '../../boards/sim/profile.js';
import type { SimPlantOptions } from '../../boards/sim/plant.js';
import { runHwTest, sessionRunning, type HwTestIo } from '../../src/cli/commands/hw-test.js';
import { buildConfig, type TsplcConfig } from '../../src/config/index.js';
import { asciiBytes, LineSplitter } from '../../src/domain/hardware/celeron55.js';
import type { SerialLink } from '../../src/ports/serial.js';
import { memorySerialPair } from '../../drivers/serial/memory.js';
import { runTsplc } from '../helpers/run.js';
import { needPython } from '../env.js';
import { startCeleron55Pty } from '../helpers/celeron55-pty.js';

const hasPython = needPython();

function config(raw: Record<string, Record<string, unknown>>): TsplcConfig {
  const c = buildConfig([{ raw, source: 'hw-test' }]);
  if (!c.ok) throw new Error(JSON.stringify(c.error));
  return c.value;
}

function io(answers: string[] = []): HwTestIo & { lines: string[]; questions: string[] } {
  const lines: string[] = [];
  const questions: string[] = [];
  return {
    lines,
    questions,
    out: (l) => void lines.push(l),
    ask: async (q) => {
      questions.push(q);
      return answers.shift() ?? 'n';
    },
  };
}

async function board(name: string, c: TsplcConfig, drivers?: BoardDrivers, sim?: SimPlantOptions): Promise<Board> {
  const b = await loadBoard(name, { role: 'pev', config: c, ...(sim ? { sim } : {}) }, drivers);
  if (!b.ok) throw new Error(b.error.message);
  return b.value;
}

// Raspberry Pi pins as a user writes them (BCM), with contactor and lock feedback.
const PI = { pin_cp_state_c: 17, pin_contactor: 27, pin_contactor2: 26, pin_contactor_feedback: 6, pin_lock: 22, pin_unlock: 23, pin_lock_feedback: 25, pin_pp: 24, pp_active_low: true, lock_pulse: 50 };

/** The wiring of a healthy Pi: the contactor's auxiliary contact follows the coil, the lock switch follows the motor. */
function healthyPi(gpio: MemoryGpio, stuck: { contactor?: boolean } = {}): void {
  gpio.onWrite((pin, high) => {
    if (pin === PI.pin_contactor && !stuck.contactor) gpio.drive(PI.pin_contactor_feedback, high);
    if (pin === PI.pin_lock && high) gpio.drive(PI.pin_lock_feedback, true);
    if (pin === PI.pin_unlock && high) gpio.drive(PI.pin_lock_feedback, false);
  });
}

const allLow = (gpio: MemoryGpio): Record<number, boolean | undefined> => Object.fromEntries([...gpio.outputs].filter((p) => gpio.level(p) !== false).map((p) => [p, gpio.level(p)]));

/** celeron55's device on the serial twin: reports what it is told (contactor_confirmed can be stuck at 0). */
function celeron55Device(dev: SerialLink, stuckContactor: boolean): { received: string[]; stop(): void } {
  const split = new LineSplitter();
  const received: string[] = [];
  const say = (l: string): void => dev.write(asciiBytes(l + '\n'));
  dev.data$.subscribe((b) => {
    for (const line of split.push(b).lines) {
      received.push(line);
      if (line === 'cp=1') say('cp_output_state=1');
      if (line === 'cp=0') say('cp_output_state=0');
      if (line === 'contactor=1' && !stuckContactor) say('contactor_confirmed=1');
      if (line === 'contactor=0') say('contactor_confirmed=0');
    }
  });
  // The device's periodic report (every ~100 ms on the real board).
  const t = setInterval(() => ['plugged_in=1', 'inlet_v=3', 'cp_pwm=5', 'dc_link_v=352', 'soc_percent=41', 'max_charge_a=120'].forEach(say), 50);
  return { received, stop: () => clearInterval(t) };
}

const last = (lines: string[], prefix: string): string | undefined => lines.filter((l) => l.startsWith(prefix)).at(-1);

describe('tsplc hw-test --auto on the board twins', () => {
  it('sim: prints the capabilities and inputs with units; contactors and lock confirm; everything off at the end', async () => {
    const b = (await board('sim', config({ general: { board: 'sim' } }))) as SimBoardProfile;
    const t = io();
    const r = await runHwTest(b, config({ general: { board: 'sim' } }), { auto: true, io: t, settleMs: 1000, readMs: 200 });
    expect(r.ok, t.lines.join('\n')).toBe(true);
    expect(r.capabilities).toMatchObject({ lock: 'feedback', contactorFeedback: true, inletVoltage: true });
    expect(t.lines).toContain('  lock: feedback');
    expect(r.inputs.find((i) => i.name === 'inlet voltage')?.value).toMatch(/^\d+\.\d V$/);
    expect(r.inputs.find((i) => i.name === 'CP PWM duty')?.value).toMatch(/ %$/);
    expect(Object.fromEntries(r.outputs.map((o) => [o.output, o.result]))).toEqual({ 'CP state-C resistor': 'unchecked', contactors: 'pass', 'connector lock': 'pass', display: 'unchecked' });
    const plant = b.sim.plant;
    expect(plant.contactorsFeedback.value).toBe(false);
    expect(plant.lockState.value).toBe('unlocked');
    await b.close();
  });

  it('sim with a contactor that never confirms: FAIL naming the contactors, and they are commanded open at the end', async () => {
    const c = config({ general: { board: 'sim' } });
    const b = (await board('sim', c, undefined, { faults: { contactors: 'never-confirms' } })) as SimBoardProfile;
    const t = io();
    const r = await runHwTest(b, c, { auto: true, io: t, settleMs: 300, readMs: 100 });
    expect(r.ok).toBe(false);
    expect(r.outputs.find((o) => o.output === 'contactors')).toMatchObject({ result: 'fail', detail: expect.stringContaining('did not confirm ON') });
    expect(t.lines.at(-1)).toBe('hw-test: FAILED: contactors');
    await b.close();
  });

  it('raspberry-pi with feedback pins: contactors and lock pass; every output pin is low at the end', async () => {
    const gpio = memoryGpio();
    healthyPi(gpio);
    const c = config({ general: { board: 'raspberry-pi' }, hardware: PI });
    const b = await board('raspberry-pi', c, { gpio });
    const t = io();
    const r = await runHwTest(b, c, { auto: true, io: t, settleMs: 500, readMs: 100 });
    expect(r.ok, t.lines.join('\n')).toBe(true);
    expect(r.outputs.filter((o) => o.result === 'pass').map((o) => o.output)).toEqual(['contactors', 'connector lock']);
    expect(allLow(gpio)).toEqual({});
    // Both contactor outputs were driven (pyPLC's relay2).
    await b.close();
    expect(gpio.closed).toBe(true);
  });

  it('raspberry-pi whose contactor feedback is stuck low: FAIL naming the contactors; outputs low', async () => {
    const gpio = memoryGpio();
    healthyPi(gpio, { contactor: true });
    const c = config({ general: { board: 'raspberry-pi' }, hardware: PI });
    const b = await board('raspberry-pi', c, { gpio });
    const t = io();
    const r = await runHwTest(b, c, { auto: true, io: t, settleMs: 200, readMs: 50 });
    expect(r.ok).toBe(false);
    expect(r.outputs.filter((o) => o.result === 'fail').map((o) => o.output)).toEqual(['contactors']);
    expect(t.lines.at(-1)).toBe('hw-test: FAILED: contactors');
    expect(allLow(gpio)).toEqual({});
    await b.close();
  });

  it('beaglebone (pyPLC wiring: CP and one relay, no feedback): passes with both outputs unchecked; pins low', async () => {
    const gpio = memoryGpio();
    const c = config({ general: { board: 'beaglebone' } });
    const b = await board('beaglebone', c, { gpio });
    const t = io();
    const r = await runHwTest(b, c, { auto: true, io: t, settleMs: 200, readMs: 50 });
    expect(r.ok).toBe(true);
    expect(r.capabilities).toMatchObject({ lock: 'none', contactorFeedback: false, plugDetection: 'none' });
    expect(r.outputs.map((o) => [o.output, o.result])).toEqual([['CP state-C resistor', 'unchecked'], ['contactors', 'unchecked']]);
    // P9_41 (20) and P9_17 (5) were switched on during the walk and are low now.
    expect([...gpio.outputs].sort((x, y) => x - y)).toEqual([5, 20]);
    expect(allLow(gpio)).toEqual({});
    await b.close();
  });

  it('celeron55 over the serial twin: CP and contactor read back pass; device readings printed; last commands are off', async () => {
    const pair = memorySerialPair();
    const dev = celeron55Device(pair.device, false);
    const c = config({ general: { board: 'celeron55' }, hardware: { lock_pulse: 50 } });
    const b = await board('celeron55', c, { serial: pair.host });
    const t = io();
    const r = await runHwTest(b, c, { auto: true, io: t, settleMs: 500, readMs: 300 });
    expect(r.ok, t.lines.join('\n')).toBe(true);
    expect(Object.fromEntries(r.outputs.map((o) => [o.output, o.result]))).toMatchObject({ 'CP state-C resistor': 'pass', contactors: 'pass', 'connector lock': 'unchecked' });
    expect(r.inputs.find((i) => i.name === 'battery (board)')?.value).toBe('SOC 41 %, 352.0 V, max 120 A, up to 398 V');
    expect(r.inputs.find((i) => i.name === 'plug (PP)')?.value).toBe('plugged');
    expect(last(dev.received, 'contactor=')).toBe('contactor=0');
    expect(last(dev.received, 'cp=')).toBe('cp=0');
    expect(dev.received).toEqual(expect.arrayContaining(['lock', 'unlock']));
    dev.stop();
    await b.close();
  });

  it('celeron55 whose device never confirms the contactor: FAIL naming the contactors; contactor=0 sent last', async () => {
    const pair = memorySerialPair();
    const dev = celeron55Device(pair.device, true);
    const c = config({ general: { board: 'celeron55' }, hardware: { lock_pulse: 50 } });
    const b = await board('celeron55', c, { serial: pair.host });
    const r = await runHwTest(b, c, { auto: true, io: io(), settleMs: 200, readMs: 300 });
    expect(r.outputs.filter((o) => o.result === 'fail').map((o) => o.output)).toEqual(['contactors']);
    expect(last(dev.received, 'contactor=')).toBe('contactor=0');
    dev.stop();
    await b.close();
  });

  it('dieter (no feedback at all): every output unchecked, the output bits are 0 at the end', async () => {
    const pair = memorySerialPair();
    const split = new LineSplitter();
    const bits: string[] = [];
    pair.device.data$.subscribe((d) => bits.push(...split.push(d).lines.filter((l) => l.startsWith('do'))));
    // The Arduino reports A0 periodically (pyPLC: every ~450 ms).
    const adc = setInterval(() => pair.device.write(asciiBytes('A0=0512\n')), 50);
    const c = config({ general: { board: 'dieter' } });
    const b = await board('dieter', c, { serial: pair.host });
    const t = io();
    const r = await runHwTest(b, c, { auto: true, io: t, settleMs: 200, readMs: 300 });
    expect(r.ok).toBe(true);
    expect(r.outputs.every((o) => o.result === 'unchecked')).toBe(true);
    // A0 = 512 counts through pyPLC's divider.
    expect(r.inputs.find((i) => i.name === 'inlet voltage')?.value).toMatch(/^\d+\.\d V$/);
    expect(bits).toContain('do0001');
    expect(bits).toContain('do0006');
    expect(bits.at(-1)).toBe('do0000');
    clearInterval(adc);
    await b.close();
  });
});

describe('tsplc hw-test interactive and its safety', () => {
  it('asks before and after each output; a "n" fails that output', async () => {
    const gpio = memoryGpio();
    healthyPi(gpio);
    const c = config({ general: { board: 'raspberry-pi' }, hardware: PI });
    const b = await board('raspberry-pi', c, { gpio });
    // Enter, y (CP) · Enter, n (contactors) · Enter, y (lock)
    const t = io(['', 'y', '', 'n', '', 'y']);
    const r = await runHwTest(b, c, { auto: false, io: t, settleMs: 300, readMs: 50 });
    expect(t.questions[0]).toBe('press Enter to switch CP state-C resistor on ');
    expect(t.questions[3]).toBe('contactors on (contactor feedback: confirms): did it switch? [y/n] ');
    expect(r.outputs.map((o) => o.result)).toEqual(['pass', 'fail', 'pass']);
    expect(allLow(gpio)).toEqual({});
    await b.close();
  });

  it('interrupted while the contactors are on: the rest is skipped, the contactors open, the lock is left unlocked', async () => {
    const gpio = memoryGpio();
    healthyPi(gpio);
    const c = config({ general: { board: 'raspberry-pi' }, hardware: PI });
    const b = await board('raspberry-pi', c, { gpio });
    const abort = { aborted: false };
    const t: HwTestIo = {
      out: () => undefined,
      ask: async (q) => {
        if (q.startsWith('contactors on')) {
          expect(gpio.level(PI.pin_contactor)).toBe(true);
          abort.aborted = true;
        }
        return 'y';
      },
    };
    const r = await runHwTest(b, c, { auto: false, io: t, settleMs: 200, readMs: 50, abort });
    expect(r.outputs.find((o) => o.output === 'connector lock')?.result).toBe('skipped');
    expect(allLow(gpio)).toEqual({});
    await b.close();
  });

  it('an error in the middle of the walk (the prompt fails with the lock locked): outputs off, the lock gets its unlock pulse', async () => {
    const gpio = memoryGpio();
    healthyPi(gpio);
    const c = config({ general: { board: 'raspberry-pi' }, hardware: PI });
    const b = await board('raspberry-pi', c, { gpio });
    const unlockPulses: boolean[] = [];
    gpio.onWrite((pin, high) => pin === PI.pin_unlock && high && unlockPulses.push(high));
    const t: HwTestIo = {
      out: () => undefined,
      ask: async (q) => {
        if (q.startsWith('connector lock on')) throw new Error('terminal gone');
        return 'y';
      },
    };
    await expect(runHwTest(b, c, { auto: false, io: t, settleMs: 200, readMs: 50 })).rejects.toThrow('terminal gone');
    expect(unlockPulses).toHaveLength(1);
    expect(gpio.level(PI.pin_lock_feedback)).toBe(false);
    expect(allLow(gpio)).toEqual({});
    await b.close();
  });

  const proc = mkdtempSync(join(tmpdir(), 'tsplc-proc-'));
  afterAll(() => rmSync(proc, { recursive: true, force: true }));
  const fakeProcess = (pid: number, argv: string[]): void => {
    mkdirSync(join(proc, String(pid)), { recursive: true });
    writeFileSync(join(proc, String(pid), 'cmdline'), argv.join('\0') + '\0');
  };

  it('finds a running session among the processes (installed and from source), not itself or other tsplc commands', () => {
    fakeProcess(100, ['/usr/bin/node', '/usr/local/bin/tsplc', 'decode', 'x.pcap']);
    fakeProcess(101, ['bash']);
    expect(sessionRunning(proc, 1, false)).toBeUndefined();
    fakeProcess(102, ['node', '--import', 'tsx', 'src/cli/main.ts', 'pev', '--board', 'raspberry-pi']);
    expect(sessionRunning(proc, 1, false)).toBe('a tsplc pev session runs (pid 102); stop it first');
    expect(sessionRunning(proc, 102, false)).toBeUndefined();
  });

  it('the CLI as users run it: --board sim --auto passes and exits 0; with a session running it refuses with exit 1', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tsplc-proc-'));
    try {
      const okRun = await runTsplc(['hw-test', '--board', 'sim', '--auto', '--settle-ms', '1000', '--read-ms', '200'], { env: { ...process.env, TSPLC_PROC_DIR: empty }, timeoutMs: 60_000 });
      expect(okRun.status, okRun.stderr).toBe(0);
      expect(okRun.stdout).toContain('board sim (as its profile sees it):');
      expect(okRun.stdout, okRun.stdout).toMatch(/contactors +PASS/);
      fakeProcess(103, ['/usr/bin/node', '/usr/local/bin/tsplc', 'pev', '--config', '/etc/tsplc/tsplc.toml']);
      const busy = await runTsplc(['hw-test', '--board', 'sim', '--auto'], { env: { ...process.env, TSPLC_PROC_DIR: proc }, timeoutMs: 60_000 });
      expect(busy.status).toBe(1);
      expect(busy.stderr).toContain('refusing to run: a tsplc pev session runs');
      const unnamed = await runTsplc(['hw-test', '--auto'], { env: { ...process.env, TSPLC_PROC_DIR: empty, TSPLC_CONFIG: '' }, timeoutMs: 60_000 });
      expect(unnamed.status).toBe(2);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 90_000);
});

// celeron55's board as users have it: a serial device on a pseudo-terminal played by python3
// (test/helpers/celeron55-pty.ts), reporting plugged_in, inlet_v and the BMS lines.
describe.skipIf(!hasPython)('tsplc hw-test --board celeron55 on a pseudo-terminal (spawned CLI)', () => {
  async function device(mode: 'ok' | 'stuck') {
    const d = await startCeleron55Pty({ stuckContactor: mode === 'stuck', initial: { plugged_in: 1, inlet_v: 2, soc_percent: 63, dc_link_v: 361, max_charge_a: 90 } });
    return { tty: d.tty, stop: () => d.stop(), received: () => d.received.map((r) => r.line) };
  }
  const empty = mkdtempSync(join(tmpdir(), 'tsplc-proc-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  for (const mode of ['ok', 'stuck'] as const) {
    it(mode === 'ok' ? 'healthy device: exit 0, CP and contactors PASS, the device readings printed, contactor=0 and cp=0 sent last' : 'contactor never confirmed: exit 1 naming the contactors; contactor=0 sent last', async () => {
      const d = await device(mode);
      try {
        // --read-ms: hw-test reads each input once after this wait and prints what the board holds by then; the
        // device's first report crosses a pty and two processes, and at load 20 with a CPU-bound process beside
        // it 500 ms was not enough (printed: the driver's initial SOC 0 %, 0 V). The wait is a sleep, not CPU.
        const r = await runTsplc(['hw-test', '--board', 'celeron55', '--set', `hardware.serial_port=${d.tty}`, '--set', 'hardware.lock_pulse=50', '--auto', '--settle-ms', '1000', '--read-ms', '3000'], { env: { ...process.env, TSPLC_PROC_DIR: empty }, timeoutMs: 60_000 });
        if (mode === 'ok') {
          expect(r.status, r.stdout + r.stderr).toBe(0);
          expect(r.stdout).toMatch(/CP state-C resistor +PASS/);
          expect(r.stdout).toMatch(/contactors +PASS/);
          expect(r.stdout).toContain('SOC 63 %, 361.0 V, max 90 A');
          expect(r.stdout).toMatch(/inlet voltage +2\.0 V/);
        } else {
          expect(r.status, r.stdout + r.stderr).toBe(1);
          expect(r.stdout).toContain('hw-test: FAILED: contactors');
        }
        const rx = d.received();
        expect(last(rx, 'contactor=')).toBe('contactor=0');
        expect(last(rx, 'cp=')).toBe('cp=0');
      } finally {
        d.stop();
      }
    }, 60_000);
  }
});
