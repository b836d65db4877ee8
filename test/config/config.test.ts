import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  unsupportedKeys,
  buildConfig,
  defaultConfig,
  droppedPyplcKeys,
  formatConfig,
  importPyplcIni,
  parseConfigText,
  parseOverrides,
  sections,
  validateConfig,
  safeShutdownTimingsOf,
  slacEvTimingsOf,
  slacEvseTimingsOf,
  connectionTimingsOf,
  type KeySpec,
  type RawConfig,
} from '../../src/config/index.js';
import { slacEvDefaults, slacEvseDefaults } from '../../src/domain/slac/timing.js';
import { v2gEvTimeoutDefaults, v2gEvseTimeoutDefaults } from '../../src/domain/v2g/config.js';
import { safeShutdownDefaults } from '../../src/domain/safety/timing.js';
import { loadConfig } from '../../src/runtime/config-file.js';
import { defaultConnectionManagerTimings } from '../../src/domain/connection/timing.js';

describe('schema', () => {
  it('has every default inside its own range', () => {
    const r = validateConfig(defaultConfig() as unknown as RawConfig);
    expect(r.ok ? [] : r.error).toEqual([]);
  });

  it('has a key for every SLAC timer the SLAC machines accept, under the standard name', () => {
    const keys = Object.keys(defaultConfig().slac);
    for (const k of Object.keys({ ...slacEvDefaults, ...slacEvseDefaults })) {
      if (k === 'parmReqRetries') expect(keys).toContain('parm_req_retries');
      else if (k === 'attenuationLimitDb') expect(keys).toContain('attenuation_limit_db');
      else expect(keys).toContain(k);
    }
    expect(slacEvTimingsOf(defaultConfig())).toEqual(slacEvDefaults);
    expect(slacEvseTimingsOf(defaultConfig())).toEqual(slacEvseDefaults);
  });

  it('has a key for every V2G timeout the session machines accept, under the standard name', () => {
    const v2g = defaultConfig().v2g as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries({ ...v2gEvTimeoutDefaults, ...v2gEvseTimeoutDefaults })) expect(v2g[k]).toBe(v);
    expect(v2g.V2G_EVCC_Msg_Timeout_CurrentDemand).toBe(250);
    expect(v2g.V2G_SECC_Sequence_Timeout).toBe(60000);
  });

  it('maps the connection section onto the connection manager timings', () => {
    expect(connectionTimingsOf(defaultConfig())).toEqual(defaultConnectionManagerTimings);
  });

  it('maps the safety section onto the SafeShutdownSequence timings', () => {
    expect(safeShutdownTimingsOf(defaultConfig())).toEqual(safeShutdownDefaults);
  });

  it('accounts for every pyPLC key of pyplc-inventory §3 (mapped or dropped with a reason)', () => {
    const inventory = `mode, eth_interface, display_via_serial, light_bulb_demo, soc_simulation, evse_simulate_precharge, digital_output_device, analog_input_device, use_evsepresentvoltage_for_precharge_end, use_physical_inlet_voltage_during_chargeloop, u_delta_max_for_end_of_precharge, serial_port, serial_baud, mqtt_broker, mqtt_topic, charge_target_voltage, exit_on_session_end, allow_new_session_after_stopping, exit_if_no_local_link_address_is_found, log_the_evse_mac_to_file, testsuite_enable, udp_syslog_enable, charge_parameter_backend, evsemode_environment, evse_power_supply_control_via_special_homeplug_message, evse_printtrace, evse_show_decoded_transmit_message, sniffer_print_raw_exi, soc_callback_enabled, soc_callback_endpoint, soc_fallback_energy_capacity, logging_url, smart_listener_configuration`
      .split(',')
      .map((s) => s.trim());
    const specialCases = ['use_evsepresentvoltage_for_precharge_end'];
    const mapped = new Set<string>();
    for (const [, keys] of sections()) for (const spec of Object.values(keys)) if (spec.pyplc) mapped.add(spec.pyplc);
    // Keys whose tsplc counterpart was removed: reported as not supported, with the reason.
    for (const u of Object.values(unsupportedKeys)) if (u.pyplc) mapped.add(u.pyplc);
    const missing = inventory.filter((k) => !mapped.has(k) && !(k in droppedPyplcKeys) && !specialCases.includes(k));
    expect(missing).toEqual([]);
  });
});

describe('validation messages', () => {
  const check = (toml: string) => {
    const raw = parseConfigText(toml, 'test.toml');
    if (!raw.ok) return raw.error;
    const r = validateConfig(raw.value, 'test.toml');
    return r.ok ? [] : r.error;
  };

  it('names the key and the allowed range', () => {
    const errors = check('[slac]\nTT_match_response = 50000\n[general]\nmode = "car"\n');
    expect(errors).toEqual([
      { key: 'slac.TT_match_response', message: '50000 is out of range: expected an integer 50–5000 ms', source: 'test.toml' },
      { key: 'general.mode', message: '"car" is not allowed: expected one of pev, evse, listen', source: 'test.toml' },
    ]);
  });

  it('rejects wrong types, unknown keys (with a suggestion) and unknown sections', () => {
    const errors = check('[ev]\nmax_current = "100"\nmax_curent = 3\n[evse]\nallow_new_session_after_stopping = 1\n[foo]\nx = 1\n');
    expect(errors.map((e) => e.key)).toEqual(['ev.max_current', 'ev.max_curent', 'evse.allow_new_session_after_stopping', 'foo']);
    expect(errors[1]?.message).toContain('did you mean ev.max_current?');
    expect(errors[2]?.message).toContain('true or false');
  });

  it('reports TOML syntax errors with line and column', () => {
    const errors = check('[general]\nmode = "pev"\ninterface = eth0\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 3, source: 'test.toml' });
    expect(errors[0]?.message).toMatch(/^TOML syntax/);
  });

  it('checks rules across keys', () => {
    expect(check('[evse]\nmin_voltage = 600\nmax_voltage = 500\n').map((e) => e.key)).toEqual(['evse.min_voltage']);
    expect(check('[soc_callback]\nenabled = true\n').map((e) => e.key)).toEqual(['soc_callback.endpoint']);
    // The hang detector must sit above the SafeShutdownSequence worst case (sum of the [safety] deadlines).
    expect(check('[connection]\nsafe_shutdown_timeout = 15000\n').map((e) => e.key)).toEqual(['connection.safe_shutdown_timeout']);
    expect(check('[safety]\nsafe_voltage_deadline = 30000\n').map((e) => e.key)).toEqual(['connection.safe_shutdown_timeout']);
    expect(check('[connection]\nsafe_shutdown_timeout = 15001\n')).toEqual([]);
  });

  it('rejects keys outside a section and non-integer integers', () => {
    expect(check('mode = "pev"\n').map((e) => e.message)).toEqual(['every key belongs in a [section] (e.g. [general])']);
    expect(check('[sdp]\nSDP_max_requests = 2.5\n').map((e) => e.key)).toEqual(['sdp.SDP_max_requests']);
  });
});

describe('overrides', () => {
  it('coerces --set text by the key type and lets later layers win', () => {
    const sets = parseOverrides(['general.mode=evse', 'evse.allow_new_session_after_stopping=no', 'v2g.protocols=iso2,din', 'slac.attenuation_limit_db=40']);
    expect(sets.ok).toBe(true);
    if (!sets.ok) return;
    const file = parseConfigText('[general]\nmode = "pev"\nboard = "none"\n');
    if (!file.ok) throw new Error('parse');
    const r = buildConfig([
      { raw: file.value, source: 'file' },
      { raw: sets.value, source: 'command line' },
    ]);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.general).toMatchObject({ mode: 'evse', board: 'none' });
    expect(r.value.evse.allow_new_session_after_stopping).toBe(false);
    expect(r.value.v2g.protocols).toEqual(['iso2', 'din']);
    expect(r.value.slac.attenuation_limit_db).toBe(40);
  });

  it('rejects malformed and unknown overrides, naming them', () => {
    const r = parseOverrides(['general.mode', 'general.nope=1', 'ev.max_current=lots']);
    expect(r.ok ? [] : r.error.map((e) => e.key)).toEqual(['general.mode', 'general.nope', 'ev.max_current']);
  });

  it('reads the file named by --config, then applies flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-config-'));
    const path = join(dir, 'tsplc.toml');
    writeFileSync(path, '[general]\nmode = "evse"\ninterface = "eth1"\n');
    const r = loadConfig({ config: path, interface: 'eth2', set: ['logging.level=debug'] }, {});
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.path).toBe(path);
    expect(r.value.config.general).toMatchObject({ mode: 'evse', interface: 'eth2' });
    expect(r.value.config.logging.level).toBe('debug');
    const bad = loadConfig({ config: join(dir, 'missing.toml') }, {});
    expect(bad.ok).toBe(false);
  });
});

describe('TOML output', () => {
  it('round-trips any valid config through formatConfig and the parser (property)', () => {
    const valueOf = (spec: KeySpec): fc.Arbitrary<unknown> => {
      switch (spec.type) {
        case 'int':
          return fc.integer({ min: spec.min, max: spec.max });
        case 'number':
          return fc.double({ min: spec.min, max: spec.max, noNaN: true, noDefaultInfinity: true });
        case 'number?':
          return fc.option(fc.double({ min: spec.min, max: spec.max, noNaN: true, noDefaultInfinity: true }), { nil: null });
        case 'bool':
          return fc.boolean();
        case 'enum':
          return fc.constantFrom(...spec.values);
        case 'list':
          return fc.shuffledSubarray([...spec.values], { minLength: spec.minItems });
        case 'string':
          return fc.constant(spec.default);
        case 'pin':
          // Names are checked against the board with the other pins: a random one would collide.
          return fc.constant(spec.default);
      }
    };
    const sectionArbs: Record<string, fc.Arbitrary<Record<string, unknown>>> = {};
    for (const [section, keys] of sections()) sectionArbs[section] = fc.record(Object.fromEntries(Object.entries(keys).map(([k, s]) => [k, valueOf(s)])));
    fc.assert(
      fc.property(fc.record(sectionArbs), (raw) => {
        // Cross-key rules may reject a random combination; only valid ones must round-trip.
        const v = validateConfig(raw as RawConfig);
        if (!v.ok) return;
        const text = formatConfig(v.value, { comments: true });
        const back = parseConfigText(text);
        if (!back.ok) throw new Error(JSON.stringify(back.error));
        const again = validateConfig(back.value);
        if (!again.ok) throw new Error(JSON.stringify(again.error));
        expect(again.value).toEqual(v.value);
      }),
      { numRuns: 40 },
    );
  });
});

describe('pyPLC import', () => {
  // Written from the key list of pyplc-inventory §3 and pyPLC's own template (values as pyPLC users write them).
  const ini = `# pyPlc.ini of a car conversion
[general]
mode = PevMode
is_simulation_without_modems = false
eth_interface = eth1
eth_windows_interface_name = \\Device\\NPF_{E4B8176C}
display_via_serial = yes
light_bulb_demo = no
soc_simulation = yes
evse_simulate_precharge = no
digital_output_device = celeron55device
analog_input_device = celeron55device
use_evsepresentvoltage_for_precharge_end = yes
use_physical_inlet_voltage_during_chargeloop = no
u_delta_max_for_end_of_precharge = 10
serial_port = /dev/ttyS1
serial_baud = 19200
mqtt_broker = 192.168.1.5
mqtt_topic = pyPlc
charge_target_voltage = 270
charge_target_current = 10
exit_on_session_end = True
allow_new_session_after_stopping = False
exit_if_no_local_link_address_is_found = False
log_the_evse_mac_to_file = True
testsuite_enable = No
udp_syslog_enable = Yes
charge_parameter_backend = chademo
evsemode_environment = foccci
evse_power_supply_control_via_special_homeplug_message = no
evse_printtrace = True
evse_show_decoded_transmit_message = False
sniffer_print_raw_exi = False
soc_callback_enabled = False
soc_callback_endpoint = http://1.1.1.1
soc_fallback_energy_capacity = 2700
logging_url = http://logger.example/mac
smart_listener_configuration = gps
`;

  it('converts every key, with a note for each', () => {
    const r = importPyplcIni(ini);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const c = r.value.config;
    expect(c.general).toMatchObject({ mode: 'pev', interface: 'eth1', board: 'celeron55', exit_on_session_end: true });
    // display_via_serial with a celeron55 device: pyPLC writes dispN= to the device itself.
    expect(c.hardware).toMatchObject({ display: 'board', serial_port: '/dev/ttyS1', serial_baud: 19200 });
    expect(c.v2g).toMatchObject({ precharge_voltage_delta: 10, precharge_use_inlet_voltage: false, charge_target_voltage: 270 });
    expect(c.ev).toMatchObject({ soc_simulation: true, light_bulb_demo: false, charge_current_limit: 10, battery_source: 'chademo' });
    expect(c.evse).toMatchObject({ allow_new_session_after_stopping: false });
    // The template's broker line alone does not switch MQTT on.
    expect(c.mqtt).toEqual({ enabled: false, broker: '192.168.1.5', topic: 'pyPlc', qos: 0 });
    expect(c.logging).toMatchObject({ level: 'debug', udp_syslog: true });
    // pyPLC sends the fallback ×10 (Wh).
    expect(c.soc_callback).toEqual({ enabled: false, endpoint: 'http://1.1.1.1', fallback_energy_capacity_wh: 27000, interval: 5000 });
    const note = (k: string) => r.value.notes.find((n) => n.startsWith(k)) ?? '';
    expect(note('log_the_evse_mac_to_file')).toMatch(/^log_the_evse_mac_to_file = True: NOT SUPPORTED \(logging.evse_mac_log_file\) — not supported/);
    expect(note('logging_url')).toMatch(/NOT SUPPORTED/);
    expect(note('testsuite_enable')).toMatch(/^testsuite_enable = No: dropped/);
    expect(note('use_physical_inlet_voltage_during_chargeloop')).toMatch(/dropped \(v2g.chargeloop_use_inlet_voltage\)/);
    const keys = ini
      .split('\n')
      .filter((l) => /^\w+ =/.test(l))
      .map((l) => l.split(' ')[0] as string);
    for (const k of keys) expect(r.value.notes.some((n) => n.startsWith(k)), k).toBe(true);
    expect(r.value.notes.filter((n) => / dropped[: ]/.test(n)).map((n) => n.split(' ')[0])).toEqual([
      'eth_windows_interface_name',
      'evse_simulate_precharge',
      'analog_input_device',
      'use_physical_inlet_voltage_during_chargeloop',
      'testsuite_enable',
      'evsemode_environment',
      'evse_power_supply_control_via_special_homeplug_message',
      'evse_show_decoded_transmit_message',
      'sniffer_print_raw_exi',
      'smart_listener_configuration',
    ]);
    // The imported file is itself a valid tsplc config.
    const text = formatConfig(c, { comments: true });
    const back = parseConfigText(text);
    expect(back.ok && validateConfig(back.value).ok).toBe(true);
  });

  it('reports bad values with the pyPLC key', () => {
    const r = importPyplcIni('[general]\nmode = CarMode\nsoc_simulation = maybe\nserial_baud = fast\n');
    expect(r.ok ? [] : r.error.map((e) => e.key)).toEqual(['mode', 'soc_simulation', 'serial_baud']);
    const none = importPyplcIni('just text\n');
    expect(none.ok).toBe(false);
  });
});

describe('[chademo] section', () => {
  it('has defaults, validates ranges and maps onto the bridge config', async () => {
    const { buildConfig } = await import('../../src/config/index.js');
    const { chademoBridgeConfigFrom } = await import('../../src/domain/chademo/config.js');
    const ok = buildConfig([{ raw: { chademo: { protocol: '0.9', current_ramp: 50, CHA_T_D2: 30000, pin_lock_feedback: 5 } }, source: 'test' }]);
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(ok.value.chademo.can_interface).toBe('can0');
    expect(ok.value.chademo.can_bitrate).toBe(500000);
    const b = chademoBridgeConfigFrom(ok.value.chademo);
    expect(b).toMatchObject({ protocol: '0.9', currentRamp: 50, lockHasFeedback: true, stopCurrentLimit: 5, safeVoltage: 60 });
    expect(b.timeouts.CHA_T_D2).toBe(30000);
    expect(b.timeouts.CHA_T_VehicleReady).toBe(8000);
    const bad = buildConfig([{ raw: { chademo: { safe_voltage: 80, protocol: '3.0', CHA_T_CanSilence: 10 } }, source: 'test' }]);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.map((e) => e.key).sort()).toEqual(['chademo.CHA_T_CanSilence', 'chademo.protocol', 'chademo.safe_voltage']);
  });
  it('pyPLC charge_parameter_backend = chademo on a Raspberry Pi imports as the raspberry-pi-can board', async () => {
    const { importPyplcIni } = await import('../../src/config/index.js');
    const r = importPyplcIni('[general]\nmode = PevMode\ndigital_output_device = raspberrypi\ncharge_parameter_backend = chademo\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.config.ev.battery_source).toBe('chademo');
    expect(r.value.config.general.board).toBe('raspberry-pi-can');
    expect(r.value.notes.join('\n')).toMatch(/raspberry-pi-can/);
  });
});

describe('keys that had no consumer (issue 10 item 6)', () => {
  it('a removed key at its default loads (it asked for nothing); any other value is refused with the reason', () => {
    const quiet = validateConfig({ evse: { simulate_precharge: false, modem_restart_wait: 8000 }, logging: { evse_mac_log_file: '' } });
    expect(quiet.ok).toBe(true);
    const loud = validateConfig({ evse: { testsuite_enable: true }, logging: { show_decoded_messages: true } }, 'tsplc.toml');
    expect(loud.ok).toBe(false);
    const msgs = loud.ok ? [] : loud.error.map((e) => `${e.key}: ${e.message}`);
    expect(msgs).toEqual([
      'evse.testsuite_enable: true: not supported as a key: run `tsplc evse --faults <scenario>` (docs/user-manual.md) for fault injection; remove the key',
      expect.stringMatching(/^logging.show_decoded_messages: true: not supported: logging.level = "debug"/),
    ]);
  });

  it('import: dieter maps to the dieter board with its own display; mqtt as output device switches MQTT on', () => {
    const d = importPyplcIni('[general]\nmode = PevMode\ndigital_output_device = dieter\ndisplay_via_serial = yes\nmqtt_broker = localhost\n');
    if (!d.ok) throw new Error(JSON.stringify(d.error));
    expect(d.value.config.general.board).toBe('dieter');
    expect(d.value.config.hardware.display).toBe('board');
    expect(d.value.config.mqtt.enabled).toBe(false);
    const m = importPyplcIni('[general]\nmode = PevMode\ndigital_output_device = mqtt\ncharge_parameter_backend = mqtt\n');
    if (!m.ok) throw new Error(JSON.stringify(m.error));
    expect(m.value.config.mqtt.enabled).toBe(true);
    expect(m.value.config.ev.battery_source).toBe('mqtt');
    const n = importPyplcIni('[general]\nmode = PevMode\ncharge_parameter_backend = none\n');
    expect(n.ok && n.value.config.ev.battery_source).toBe('static');
    expect(n.ok && n.value.notes.join('\n')).toMatch(/set ev.battery_voltage/);
  });
});
