import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SimulatedClock } from 'xstate';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LineSplitter, parseCeleron55Line, encodeCeleron55, asciiBytes } from '../../src/domain/hardware/celeron55.js';
import { memorySerialPair } from '../../drivers/serial/memory.js';
import { createCeleron55Ev } from '../../boards/celeron55/ev.js';
import { memoryLogger } from '../../src/ports/log.js';
import { attachSafetyMonitor } from '../../src/domain/safety/index.js';
import { advance } from '../../boards/sim/scheduler.js';
import { openSerialPort } from '../../drivers/serial/serialport.js';
import { hasPython } from '../systemd/receiver.js';
import { requireEnv } from '../env.js';

const text = (b: Uint8Array) => String.fromCharCode(...b);

describe('celeron55 line protocol (pure)', () => {
  it('parses the readings and rejects garbage with typed errors', () => {
    expect(parseCeleron55Line('inlet_v=398')).toEqual({ ok: true, value: { key: 'inlet_v', value: 398 } });
    expect(parseCeleron55Line('contactor_confirmed=1')).toEqual({ ok: true, value: { key: 'contactor_confirmed', value: 1 } });
    const bad = ['hello', 'foo=1', 'soc_percent=abc', 'soc_percent=101', 'plugged_in=2', '=5'].map((l) => {
      const r = parseCeleron55Line(l);
      return r.ok ? 'ok' : r.error.code;
    });
    expect(bad).toEqual(['NO_ASSIGNMENT', 'UNKNOWN_KEY', 'BAD_VALUE', 'OUT_OF_RANGE', 'OUT_OF_RANGE', 'NO_ASSIGNMENT']);
  });

  it('encodes the commands pyPLC sends', () => {
    expect(encodeCeleron55({ kind: 'cp', stateC: true })).toBe('cp=1\n');
    expect(encodeCeleron55({ kind: 'contactor', closed: false })).toBe('contactor=0\n');
    expect(encodeCeleron55({ kind: 'lock' })).toBe('lock\n');
    expect(encodeCeleron55({ kind: 'display', line: 2, text: 'SOC 80%\nx' })).toBe('disp2=SOC 80% x\n');
  });

  it('splits lines the same however the bytes are chunked (property), and resynchronises after a too-long line', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z_]{1,20}=[0-9]{1,4}$/), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), (lines, cuts) => {
        const bytes = asciiBytes(lines.map((l) => `${l}\r\n`).join(''));
        const s = new LineSplitter();
        const got: string[] = [];
        let i = 0;
        let c = 0;
        while (i < bytes.length) {
          const n = cuts[c++ % cuts.length] as number;
          got.push(...s.push(bytes.subarray(i, i + n)).lines);
          i += n;
        }
        expect(got).toEqual(lines);
      }),
    );
    const s = new LineSplitter(16);
    const r = s.push(asciiBytes('x'.repeat(40) + '\ninlet_v=5\n'));
    expect(r.lines).toEqual(['inlet_v=5']);
    expect(r.errors.map((e) => e.code)).toEqual(['LINE_TOO_LONG']);
  });
});

describe('celeron55 board over an in-memory serial line', () => {
  function setup() {
    const clock = new SimulatedClock();
    const { host, device } = memorySerialPair();
    const logger = memoryLogger();
    const ev = createCeleron55Ev(host, { logger, scheduler: clock, maxVoltage: 398, capacityWh: 28000, lockPulseMs: 300 });
    const sent: string[] = [];
    device.data$.subscribe((b) => sent.push(text(b)));
    const say = (s: string) => device.write(asciiBytes(s));
    return { clock, ev, sent, say, logger };
  }

  it('turns device lines into port values and commands into lines', () => {
    const { ev, sent, say, clock } = setup();
    const seen: Record<string, unknown> = {};
    ev.inletVoltage!.volts$.subscribe((v) => (seen.inlet = v));
    ev.contactors.closed$.subscribe((v) => (seen.closed = v));
    ev.battery.state$.subscribe((b) => (seen.battery = b));
    ev.controlPilot.state$.subscribe((s) => (seen.cp = s));
    ev.controlPilot.dutyCycle$.subscribe((d) => (seen.duty = d));
    ev.plug!.plugged$.subscribe((p) => (seen.plugged = p));
    say('plugged_in=1\ncp_pwm=5\ninlet_v=12');
    say('3\r\ndc_link_v=350\nsoc_percent=42\nmax_charge_a=125\ncontactor_confirmed=0\n');
    expect(seen).toMatchObject({ inlet: 123, closed: false, cp: 'B', duty: 5, plugged: true });
    expect(seen.battery).toEqual({ socPercent: 42, voltage: 350, maxCurrent: 125, maxVoltage: 398, capacityWh: 28000 });
    ev.controlPilot.setState('C');
    ev.contactors.close();
    ev.connectorLock!.lock();
    expect(sent).toEqual(['cp=1\n', 'contactor=1\n', 'lock\n']);
    say('cp_output_state=1\ncontactor_confirmed=1\n');
    expect(seen).toMatchObject({ cp: 'C', closed: true });
    sent.length = 0;
    advance(clock, 1000, 100);
    expect(sent).toEqual(['cp=1\n', 'contactor=1\n']); // periodic refresh
  });

  it('ignores garbage with a log line, warns when the device goes silent, leaves the hardware safe on close', async () => {
    const { ev, sent, say, clock, logger } = setup();
    say('\x00\xff garbage\nsoc_percent=900\n' + 'z'.repeat(300) + '\ninlet_v=50\n');
    expect(ev.readings).toEqual({ inlet_v: 50 });
    expect(logger.lines.some((l) => l.level === 'warn' && /longer than/.test(l.message))).toBe(true);
    advance(clock, 7000, 500);
    expect(logger.lines.some((l) => l.level === 'warn' && /silent/.test(l.message))).toBe(true);
    ev.contactors.close();
    sent.length = 0;
    await ev.close();
    expect(sent).toEqual(['contactor=0\n', 'cp=0\n']);
  });

  it('works with the safety monitor like any EV hardware', () => {
    const { ev, say, clock } = setup();
    const monitor = attachSafetyMonitor(ev, {}, { clock });
    say('plugged_in=1\ndc_link_v=350\nmax_charge_a=100\ninlet_v=0\n');
    ev.connectorLock!.unlock();
    say('inlet_v=400\n');
    ev.connectorLock!.lock();
    advance(clock, 400);
    ev.connectorLock!.unlock(); // unlock at 400 V
    expect(monitor.violations.map((v) => v.code)).toEqual(['UNLOCKED_ABOVE_SAFE_VOLTAGE']);
  });
});

describe.skipIf(!requireEnv('python3', hasPython, 'python3 not found (the pty peer)'))('serialport driver on a pseudo-terminal', () => {
  it('reads and writes lines through a real tty', async () => {
    // python3 opens a pty pair and prints the slave path; once it has read our
    // commands it sends two readings and prints what it received. (Opening the
    // tty may flush its input, so the device speaks only after we did.)
    const py = spawn(
      'python3',
      [
        '-c',
        `import os, pty, tty, select
m, s = pty.openpty()
tty.setraw(s)
print(os.ttyname(s), flush=True)
buf = b""
while not buf.endswith(b"lock\\n"):
    r, _, _ = select.select([m], [], [], 10)
    if not r: break
    buf += os.read(m, 100)
os.write(m, b"inlet_v=231\\nsoc_percent=55\\n")
print(buf.decode().replace("\\n", "|"), flush=True)
select.select([m], [], [], 5)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const rl = createInterface({ input: py.stdout! });
      const lines: string[] = [];
      const waiters: (() => void)[] = [];
      rl.on('line', (l) => {
        lines.push(l);
        waiters.splice(0).forEach((w) => w());
      });
      const line = async (i: number): Promise<string> => {
        const t0 = Date.now();
        while (lines.length <= i) {
          if (Date.now() - t0 > 10_000) throw new Error(`pty helper said only ${JSON.stringify(lines)}`);
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 200);
          });
        }
        return lines[i] as string;
      };
      const link = await openSerialPort(await line(0), 19200);
      if (!link.ok) throw new Error(link.error);
      const ev = createCeleron55Ev(link.value, { maxVoltage: 398, capacityWh: 28000, lockPulseMs: 10 });
      const inlet = new Promise<number>((r) => ev.inletVoltage!.volts$.subscribe((v) => v > 0 && r(v)));
      ev.contactors.close();
      ev.connectorLock!.lock();
      expect(await line(1)).toBe('contactor=1|lock|');
      expect(await inlet).toBe(231);
      await ev.close();
    } finally {
      py.kill();
    }
  }, 20_000);

  it('reports a missing device as a typed error', async () => {
    const r = await openSerialPort('/dev/ttyDOESNOTEXIST', 19200);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('/dev/ttyDOESNOTEXIST');
  });
});

describe('serial text display (SerialToOLED)', () => {
  it('sends three "lc" lines, only on change, never splitting a line', async () => {
    const { encodeSerialOled, createSerialOledDisplay } = await import('../../src/domain/hardware/serial-oled.js');
    expect(encodeSerialOled(['PreCharge', '350 V'])).toBe('lcPreCharge\nlc350 V\nlc\n');
    expect(encodeSerialOled(['a\nb'])).toBe('lca?b\nlc\nlc\n');
    const { host, device } = memorySerialPair();
    const got: string[] = [];
    device.data$.subscribe((b) => got.push(text(b)));
    const d = createSerialOledDisplay(host);
    d.show(['x']);
    d.show(['x']);
    d.show(['y']);
    expect(got).toEqual(['lcx\nlc\nlc\n', 'lcy\nlc\nlc\n']);
  });
});
