// Hardware PWM through the kernel's PWM class (/sys/class/pwm, Documentation/driver-api/pwm.rst):
// pwmchipN/export creates pwmchipN/pwmM, whose period, duty_cycle (ns) and enable are written
// as text. On a Raspberry Pi the channels appear once an overlay routes them to a pin
// (config.txt `dtoverlay=pwm,pin=18,func=2` → pwmchip0 channel 0 on GPIO18; the Pi 5's RP1
// PWM is pwmchip0 or pwmchip2 depending on the kernel). A machine without any PWM driver has no
// /sys/class/pwm at all: open() fails with PWM_UNAVAILABLE and says what to enable.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PwmChannel, PwmDriver, PwmErrorCode, PwmResult } from '../../src/ports/pwm.js';
import { errorMessage } from '../../src/errors.js';

export interface SysfsPwmOptions {
  /** The PWM class directory (tests point it at a fake tree). */
  readonly root?: string;
  /** A duty write that failed after the open (the channel keeps its last duty). */
  readonly onError?: (e: { code: PwmErrorCode; message: string }) => void;
  /** How often and how long to look for pwmM after the export (udev applies the permissions asynchronously). */
  readonly exportPollMs?: number;
  readonly exportWaitMs?: number;
}

const codeOf = (e: unknown): PwmErrorCode => {
  const c = (e as { code?: string } | undefined)?.code;
  return c === 'EACCES' || c === 'EPERM' ? 'PWM_PERMISSION' : c === 'EBUSY' ? 'PWM_BUSY' : 'PWM_IO';
};

const fail = (code: PwmErrorCode, message: string): PwmResult => ({ ok: false, error: { code, message } });

export function sysfsPwmDriver(o: SysfsPwmOptions = {}): PwmDriver {
  const root = o.root ?? '/sys/class/pwm';
  const pollMs = o.exportPollMs ?? 20;
  const waitMs = o.exportWaitMs ?? 1000;
  return {
    async open(chip, channel, frequencyHz): Promise<PwmResult> {
      if (!existsSync(root)) return fail('PWM_UNAVAILABLE', `${root} does not exist: this kernel has no PWM driver loaded (Raspberry Pi: dtoverlay=pwm,pin=18,func=2 in config.txt, then reboot)`);
      const chipDir = join(root, `pwmchip${chip}`);
      if (!existsSync(chipDir)) {
        let present: string[] = [];
        try {
          present = readdirSync(root).filter((n) => n.startsWith('pwmchip'));
        } catch {
          // listing is only for the message
        }
        return fail('PWM_CHIP_MISSING', `${chipDir} does not exist (present: ${present.join(', ') || 'none'}); relay.pwm_chip names the chip`);
      }
      let npwm = Number.NaN;
      try {
        npwm = Number(readFileSync(join(chipDir, 'npwm'), 'utf8').trim());
      } catch {
        // a chip without npwm: the export below tells
      }
      if (Number.isInteger(npwm) && channel >= npwm) return fail('PWM_CHANNEL_MISSING', `pwmchip${chip} has ${npwm} channel(s); relay.pwm_channel ${channel} is beyond them`);
      const dir = join(chipDir, `pwm${channel}`);
      if (!existsSync(dir)) {
        try {
          writeFileSync(join(chipDir, 'export'), String(channel));
        } catch (e) {
          return fail(codeOf(e), `export of pwmchip${chip} channel ${channel} failed: ${errorMessage(e)}`);
        }
        // The kernel creates pwmM at once, udev adjusts its permissions a moment later.
        for (let waited = 0; !existsSync(join(dir, 'enable')) && waited < waitMs; waited += pollMs) await new Promise((r) => setTimeout(r, pollMs));
        if (!existsSync(join(dir, 'enable'))) return fail('PWM_IO', `${dir} did not appear within ${waitMs} ms of the export`);
      }
      const periodNs = Math.round(1e9 / frequencyHz);
      const write = (name: string, value: string): void => writeFileSync(join(dir, name), value);
      let duty = 100;
      try {
        // duty_cycle must never exceed period: lower the duty first when an earlier user left a longer period.
        write('duty_cycle', '0');
        write('period', String(periodNs));
        write('duty_cycle', String(periodNs));
        write('enable', '1');
      } catch (e) {
        return fail(codeOf(e), `setting up ${dir} failed: ${errorMessage(e)}`);
      }
      let closed = false;
      const ch: PwmChannel = {
        periodNs,
        get dutyCycle() {
          return duty;
        },
        setDutyCycle(percent) {
          if (closed) return;
          const p = Math.min(100, Math.max(0, percent));
          try {
            write('duty_cycle', String(Math.round((periodNs * p) / 100)));
            duty = p;
          } catch (e) {
            o.onError?.({ code: codeOf(e), message: `${dir}/duty_cycle: ${errorMessage(e)}` });
          }
        },
        async close() {
          if (closed) return;
          closed = true;
          // Steady high: the CP stays at +12 V (no PWM); disabling would leave the line at the driver's idle level.
          try {
            write('duty_cycle', String(periodNs));
          } catch (e) {
            o.onError?.({ code: codeOf(e), message: `${dir}/duty_cycle at close: ${errorMessage(e)}` });
          }
        },
      };
      return { ok: true, value: ch };
    },
  };
}
