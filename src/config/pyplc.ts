// Import of a pyPLC pyPlc.ini ([general] section, Python configparser syntax).
// Each pyPLC key goes to the tsplc key whose spec names it (`pyplc:` in the
// schema); a few need a value conversion; dropped keys are reported with the
// reason, unknown keys with a warning. Nothing is silently lost.
import { err, ok, type Result } from '../result.js';
import { droppedPyplcKeys, sections, unsupportedKeys } from './schema.js';
import { coerce, validateConfig, type ConfigError, type RawConfig } from './validate.js';
import type { TsplcConfig } from './schema.js';

/** Sections → keys → raw text, as Python's configparser reads them (';' / '#' comment lines, 'key = value' or 'key: value'). */
export function parseIni(text: string): Result<Record<string, Record<string, string>>, ConfigError[]> {
  const out: Record<string, Record<string, string>> = {};
  const errors: ConfigError[] = [];
  let section: string | undefined;
  let lastKey: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    // configparser continuation line: indented text continues the previous value.
    const current = section !== undefined ? out[section] : undefined;
    if (/^\s/.test(line) && current && lastKey) {
      current[lastKey] = `${current[lastKey] ?? ''}\n${trimmed}`;
      return;
    }
    const sec = /^\[([^\]]+)\]$/.exec(trimmed);
    if (sec) {
      section = (sec[1] as string).trim();
      out[section] ??= {};
      lastKey = undefined;
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!kv || !section) {
      errors.push({ key: '', message: section ? `cannot read ${JSON.stringify(trimmed)}` : 'a key before the first [section]', line: i + 1, source: 'pyPlc.ini' });
      return;
    }
    lastKey = (kv[1] as string).toLowerCase(); // configparser lower-cases keys
    (out[section] as Record<string, string>)[lastKey] = kv[2] as string;
  });
  return errors.length ? err(errors) : ok(out);
}

export interface PyplcImport {
  /** The imported values (only the keys the ini set). */
  readonly raw: RawConfig;
  /** The full validated config (imported values over defaults). */
  readonly config: TsplcConfig;
  /** One line per pyPLC key: where it went, or why it was dropped. */
  readonly notes: readonly string[];
}

// pyPLC's backends: none = the fixed values in hardwareInterface.py (tsplc: [ev] values).
const sourceMap: Record<string, string> = { none: 'static', celeron55device: 'celeron55', celeron55: 'celeron55', mqtt: 'mqtt', chademo: 'chademo' };
const modeMap: Record<string, string> = { pevmode: 'pev', evsemode: 'evse', listenmode: 'listen' };
const deviceMap: Record<string, { board: string; note?: string }> = {
  beaglebone: { board: 'beaglebone' },
  celeron55device: { board: 'celeron55' },
  raspberrypi: { board: 'raspberry-pi' },
  dieter: { board: 'dieter' },
  mqtt: { board: 'none', note: 'MQTT as output device: board "none"; [mqtt] enabled publishes cpstate, relay_request and lock_request as pyPLC did' },
  none: { board: 'none' },
};

/** Converts a pyPlc.ini into tsplc config values. */
export function importPyplcIni(text: string): Result<PyplcImport, ConfigError[]> {
  const parsed = parseIni(text);
  if (!parsed.ok) return parsed;
  const general = parsed.value.general;
  if (!general) return err([{ key: 'general', message: 'no [general] section: not a pyPlc.ini', source: 'pyPlc.ini' }]);

  // pyPLC key → (tsplc section, key, spec) from the schema.
  const targets = new Map<string, { section: string; key: string }>();
  for (const [section, keys] of sections()) for (const [key, spec] of Object.entries(keys)) if (spec.pyplc) targets.set(spec.pyplc, { section, key });

  const raw: RawConfig = {};
  const notes: string[] = [];
  const errors: ConfigError[] = [];
  const put = (section: string, key: string, value: unknown): void => {
    (raw[section] ??= {})[key] = value;
  };
  const bool = (k: string, v: string): boolean | undefined => {
    const b = coerce({ type: 'bool', default: false, doc: '' }, v);
    if (typeof b !== 'boolean') errors.push({ key: k, message: `${JSON.stringify(v)} is not yes/no/true/false`, source: 'pyPlc.ini' });
    return b as boolean | undefined;
  };

  for (const [k, v0] of Object.entries(general)) {
    const v = v0.trim();
    switch (k) {
      case 'mode': {
        const m = modeMap[v.toLowerCase()];
        if (m) {
          put('general', 'mode', m);
          notes.push(`mode = ${v} → general.mode = "${m}"`);
        } else errors.push({ key: k, message: `${JSON.stringify(v)} is not PevMode, EvseMode or ListenMode`, source: 'pyPlc.ini' });
        continue;
      }
      case 'digital_output_device': {
        const d = deviceMap[v.toLowerCase()];
        if (d) {
          put('general', 'board', d.board);
          if (v.toLowerCase() === 'mqtt') put('mqtt', 'enabled', true);
          notes.push(`digital_output_device = ${v} → general.board = "${d.board}"${d.note ? ` (${d.note})` : ''}`);
        } else errors.push({ key: k, message: `unknown device ${JSON.stringify(v)}`, source: 'pyPlc.ini' });
        continue;
      }
      case 'is_simulation_without_modems': {
        if (bool(k, v)) {
          put('general', 'board', 'sim');
          notes.push('is_simulation_without_modems = true → general.board = "sim" (run `tsplc sim` for both sides)');
        } else notes.push(`is_simulation_without_modems = ${v}: nothing to do`);
        continue;
      }
      case 'display_via_serial': {
        const b = bool(k, v);
        if (b !== undefined) {
          put('hardware', 'display', b ? 'serial' : 'none');
          notes.push(`display_via_serial = ${v} → hardware.display = "${b ? 'serial' : 'none'}"`);
        }
        continue;
      }
      case 'use_evsepresentvoltage_for_precharge_end': {
        const b = bool(k, v);
        if (b !== undefined) {
          put('v2g', 'precharge_use_inlet_voltage', !b);
          notes.push(`use_evsepresentvoltage_for_precharge_end = ${v} → v2g.precharge_use_inlet_voltage = ${!b}`);
        }
        continue;
      }
      case 'evse_printtrace': {
        const b = bool(k, v);
        if (b !== undefined) {
          if (b) put('logging', 'level', 'debug');
          notes.push(`evse_printtrace = ${v} → logging.level = "${b ? 'debug' : 'info'}"`);
        }
        continue;
      }
      case 'charge_parameter_backend': {
        const backend = sourceMap[v.toLowerCase()];
        if (!backend) {
          errors.push({ key: k, message: `${JSON.stringify(v)} is not none, celeron55device, mqtt or chademo`, source: 'pyPlc.ini' });
          continue;
        }
        put('ev', 'battery_source', backend);
        notes.push(`charge_parameter_backend = ${v} → ev.battery_source = "${backend}"${backend === 'static' ? ' (set ev.battery_voltage to the pack voltage)' : ''}`);
        continue;
      }
      case 'serial_port':
        if (v.toLowerCase() === 'auto') {
          notes.push('serial_port = auto: tsplc needs a device path; hardware.serial_port keeps its default, set it by hand');
          continue;
        }
        break;
      case 'soc_fallback_energy_capacity': {
        // pyPLC multiplies it by 10 before it sends it ("We need Wh, not something in between kWh and Wh").
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0) {
          errors.push({ key: k, message: `${JSON.stringify(v)} is not a number`, source: 'pyPlc.ini' });
          continue;
        }
        put('soc_callback', 'fallback_energy_capacity_wh', n * 10);
        notes.push(`soc_fallback_energy_capacity = ${v} → soc_callback.fallback_energy_capacity_wh = ${n * 10} (pyPLC sends the value ×10, in Wh)`);
        continue;
      }
    }
    // Removed tsplc keys that pyPLC keys used to map to: say so, never carry them silently.
    const unsupported = Object.entries(unsupportedKeys).find(([, u]) => u.pyplc === k);
    if (unsupported) {
      const [key, u] = unsupported;
      const asked = typeof u.default === 'boolean' ? bool(k, v) === true : v !== '' && v !== String(u.default);
      notes.push(`${k} = ${v}: ${asked ? 'NOT SUPPORTED' : 'dropped'} (${key}) — ${u.reason}`);
      continue;
    }
    const dropped = droppedPyplcKeys[k];
    if (dropped) {
      notes.push(`${k} dropped: ${dropped}`);
      continue;
    }
    const target = targets.get(k);
    if (!target) {
      notes.push(`${k}: unknown pyPLC key, ignored`);
      continue;
    }
    const spec = sections().find(([s]) => s === target.section)?.[1][target.key];
    if (!spec) continue;
    if (spec.type === 'string' && spec.allowEmpty && v === '') {
      put(target.section, target.key, '');
    } else {
      const value = coerce(spec, v);
      if (value === undefined) {
        errors.push({ key: k, message: `${JSON.stringify(v)} cannot be read for ${target.section}.${target.key}`, source: 'pyPlc.ini' });
        continue;
      }
      put(target.section, target.key, value);
    }
    notes.push(`${k} = ${v} → ${target.section}.${target.key}`);
  }
  // pyPLC's MQTT broker line is in every template; MQTT is on only when pyPLC used it
  // (digital_output_device = mqtt, or charge_parameter_backend = mqtt, which opens its own link).
  if (general.mqtt_broker !== undefined && raw.mqtt?.enabled !== true)
    notes.push('mqtt_broker is set but pyPLC used MQTT neither as output device nor as charge parameter backend: [mqtt] stays disabled');
  // pyPLC's display_via_serial writes to the same serial line as a celeron55 or dieter device (dispN= / lc…): the board's own display.
  const board = raw.general?.board;
  if (raw.hardware?.display === 'serial' && (board === 'celeron55' || board === 'dieter')) {
    put('hardware', 'display', 'board');
    notes.push(`display_via_serial with board "${board}": hardware.display = "board" (the display hangs on the board's serial line)`);
  }
  if (errors.length) return err(errors);
  // pyPLC's CHAdeMO backend ran on a Raspberry Pi with a CAN interface: tsplc's profile for that is raspberry-pi-can.
  if (raw.ev?.battery_source === 'chademo' && raw.general?.board === 'raspberry-pi') {
    put('general', 'board', 'raspberry-pi-can');
    notes.push('charge_parameter_backend = chademo on a Raspberry Pi → general.board = "raspberry-pi-can" (CAN HAT, [chademo] pins to set by hand; pyPLC\'s own 0x100/0x102 layout is not CHAdeMO and is not carried over)');
  }
  const validated = validateConfig(raw, 'pyPlc.ini');
  if (!validated.ok) return err(validated.error);
  return ok({ raw, config: validated.value, notes });
}
