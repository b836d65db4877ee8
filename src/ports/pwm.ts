// The PWM port: one hardware PWM channel (a Raspberry Pi's PWM0/PWM1 through /sys/class/pwm,
// drivers/pwm/sysfs.ts; an in-memory twin in drivers/pwm/memory.ts). A charger's CP generator
// uses it: IEC 61851-1 asks for a 1 kHz square wave whose duty cycle tells the car the allowed
// current, 5 % = digital communication (ISO 15118-3), steady high (100 %) = no PWM.

/** One PWM output line. The duty is in percent of the period (0 = steady low, 100 = steady high). */
export interface PwmChannel {
  /** The period the channel was opened with, ns (1 kHz CP: 1 000 000). */
  readonly periodNs: number;
  /** The duty cycle last written, percent. */
  readonly dutyCycle: number;
  /** Sets the duty cycle (clamped to 0–100). A failed write is reported through the driver's onError and leaves the last value. */
  setDutyCycle(percent: number): void;
  /** Leaves the line steady high (100 %: a CP at +12 V, no PWM) and releases the channel. */
  close(): Promise<void>;
}

export type PwmErrorCode =
  | 'PWM_UNAVAILABLE' // the kernel exposes no PWM class (/sys/class/pwm missing: no PWM driver, or not Linux)
  | 'PWM_CHIP_MISSING' // no such pwmchipN (overlay not loaded: dtoverlay=pwm on a Raspberry Pi)
  | 'PWM_CHANNEL_MISSING' // the chip has fewer channels (npwm)
  | 'PWM_PERMISSION' // EACCES/EPERM on export/period/duty_cycle/enable (group gpio or a udev rule)
  | 'PWM_BUSY' // EBUSY: the channel is exported and held by another user
  | 'PWM_IO'; // any other failure of a sysfs write

export interface PwmError {
  readonly code: PwmErrorCode;
  /** What failed and what to check, for the user. */
  readonly message: string;
}

export type PwmResult = { readonly ok: true; readonly value: PwmChannel } | { readonly ok: false; readonly error: PwmError };

/** Opens PWM channels (one driver per board; the sysfs driver or the twin). */
export interface PwmDriver {
  open(chip: number, channel: number, frequencyHz: number): Promise<PwmResult>;
}
