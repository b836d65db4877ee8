// The pieces runRole is composed of, each on its own: the command line (role-args), the resource
// scope (resources), the watchdog arithmetic (watchdog), the car's requests as facts for simulated
// hardware (car-requests) and the sim board's hook that acts on them (boards/sim/mirror.ts).
import { describe, expect, it } from 'vitest';
import { load as loadSimProfile } from '../../boards/sim/profile.js';
import type { HardwareCommand } from '../../src/domain/safety/events.js';
import { defaultConfig } from '../../src/config/validate.js';
import { carRequestOf, simulationTap } from '../../src/runtime/car-requests.js';
import { Resources } from '../../src/runtime/resources.js';
import { energyModeOf, parseRoleArgs } from '../../src/runtime/role-args.js';
import { oneShotOf } from '../../src/runtime/session-config.js';
import type { WireRecord } from '../../src/runtime/v2g-transport.js';
import { HEARTBEAT_MAX_MS, HEARTBEAT_MIN_MS, heartbeatPeriodMs, modemWorstCaseMs } from '../../src/runtime/watchdog.js';

describe('role-args: the command line of tsplc pev|evse', () => {
  it('valid flags become one typed value; the config overrides keep mode = the role', () => {
    const r = parseRoleArgs('pev', ['-i', 'eth1', '--board', 'sim', '--set', 'v2g.soc_target=80', '--protocol', 'din', '--dc', '--soc-target', '75', '--once', '--json']);
    expect(r.ok && r.value).toMatchObject({
      role: 'pev',
      config: { mode: 'pev', interface: 'eth1', board: 'sim', set: ['v2g.soc_target=80'] },
      protocol: 'din',
      mode: 'DC_extended',
      socTarget: 75,
      once: true,
      json: true,
    });
  });

  it.each([
    [['--protocol', 'iso20'], "--protocol must be din or iso2, got 'iso20'"],
    [['--ac', '--dc'], '--ac and --dc exclude each other'],
    [['--soc-target', '0'], "--soc-target must be 1..100, got '0'"],
    [['--soc-target', 'full'], "--soc-target must be 1..100, got 'full'"],
  ])('%j is a usage error (exit 2) with its reason', (argv, message) => {
    const r = parseRoleArgs('pev', argv);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toEqual({ exitCode: 2, message });
  });

  it('a bad fault scenario is a usage error naming it', () => {
    const r = parseRoleArgs('evse', ['--faults', 'no-such-scenario']);
    expect(!r.ok && r.error.exitCode).toBe(2);
    expect(!r.ok && r.error.message).toContain('no-such-scenario');
  });

  it('--ac and --dc select the energy transfer mode; neither leaves it to the config', () => {
    expect(energyModeOf(true, undefined)).toBe('AC_three_phase_core');
    expect(energyModeOf(undefined, true)).toBe('DC_extended');
    expect(energyModeOf(undefined, undefined)).toBeUndefined();
  });

  it('one session: --once, exit_on_session_end, or a charger that does not allow a new session', () => {
    const c = defaultConfig();
    expect(oneShotOf('pev', true, c)).toBe(true);
    expect(oneShotOf('pev', false, c)).toBe(c.general.exit_on_session_end);
    expect(oneShotOf('evse', false, { ...c, evse: { ...c.evse, allow_new_session_after_stopping: false } })).toBe(true);
    expect(oneShotOf('evse', false, { ...c, general: { ...c.general, exit_on_session_end: false }, evse: { ...c.evse, allow_new_session_after_stopping: true } })).toBe(false);
  });
});

describe('Resources: one scope, closed in reverse order on every exit', () => {
  it('closes in reverse order of acquisition, once, although a closer throws', async () => {
    const order: string[] = [];
    const errors: string[] = [];
    const scope = new Resources((what, e) => errors.push(`${what}: ${e}`));
    scope.defer('socket', () => order.push('socket'));
    const board = scope.adopt('board', { name: 'b' }, (b) => order.push(b.name));
    scope.defer('flaky', () => {
      throw new Error('EBUSY');
    });
    scope.defer('listener', async () => {
      await Promise.resolve();
      order.push('listener');
    });
    expect(board.name).toBe('b');
    await Promise.all([scope.close(), scope.close()]);
    await scope.close();
    expect(order).toEqual(['listener', 'b', 'socket']);
    expect(errors).toEqual(['flaky: EBUSY']);
    expect(scope.closed).toBe(true);
  });

  it('something acquired after the scope closed is closed at once', async () => {
    const scope = new Resources();
    await scope.close();
    let closed = false;
    scope.defer('late socket', () => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(true);
  });
});

describe('watchdog arithmetic', () => {
  it('the heartbeat runs at a quarter of the ping interval, within its bounds', () => {
    expect(heartbeatPeriodMs(4000)).toBe(1000);
    expect(heartbeatPeriodMs(100)).toBe(HEARTBEAT_MIN_MS);
    expect(heartbeatPeriodMs(60_000)).toBe(HEARTBEAT_MAX_MS);
    // Without systemd's watchdog: 4 s assumed, the liveness check still runs.
    expect(heartbeatPeriodMs(undefined)).toBe(1000);
  });

  it("the modem layer's worst case is one full attempt per retry", () => {
    const c = defaultConfig();
    const m = { ...c.modem, discovery_window: 1000, set_key_timeout: 2000, restart_pause: 3000, confirm_interval: 400, TT_match_join: 600, retries: 2 };
    expect(modemWorstCaseMs({ ...c, modem: m })).toBe(7000 * 3);
  });
});

const wire = (direction: 'tx' | 'rx', body: Record<string, unknown>): WireRecord => ({
  direction,
  schema: 'iso2',
  bytes: new Uint8Array(0),
  doc: { V2G_Message: { Header: { SessionID: new Uint8Array(8) }, Body: body } } as unknown as NonNullable<WireRecord['doc']>,
});

describe("car-requests: the car's requests as facts for simulated hardware", () => {
  it('reads targets as physical values, PowerDelivery with its DC flag, and the end-of-session requests', () => {
    expect(carRequestOf(wire('tx', { CurrentDemandReq: { EVTargetVoltage: { Value: 4005, Multiplier: -1, Unit: 'V' }, EVTargetCurrent: { Value: 120, Multiplier: 0 } } }).doc)).toEqual({
      kind: 'CurrentDemand',
      targetVoltage: 400.5,
      targetCurrent: 120,
    });
    expect(carRequestOf(wire('tx', { PreChargeReq: { EVTargetVoltage: { Value: 350 } } }).doc)).toEqual({ kind: 'PreCharge', targetVoltage: 350 });
    expect(carRequestOf(wire('tx', { PowerDeliveryReq: { ChargeProgress: 'Start', DC_EVPowerDeliveryParameter: {} } }).doc)).toEqual({ kind: 'PowerDelivery', dc: true, chargeProgress: 'Start' });
    expect(carRequestOf(wire('tx', { PowerDeliveryReq: { ReadyToChargeState: false } }).doc)).toEqual({ kind: 'PowerDelivery', dc: false, readyToChargeState: false });
    expect(carRequestOf(wire('tx', { CableCheckReq: {} }).doc)).toEqual({ kind: 'CableCheck' });
    expect(carRequestOf(wire('tx', { WeldingDetectionReq: {} }).doc)).toEqual({ kind: 'WeldingDetection' });
    expect(carRequestOf(wire('tx', { SessionStopReq: {} }).doc)).toEqual({ kind: 'SessionStop' });
    expect(carRequestOf(wire('tx', { SessionSetupReq: {} }).doc)).toBeUndefined();
    expect(carRequestOf(undefined)).toBeUndefined();
  });

  it('a board without the simulation hook gets no tap', () => {
    expect(simulationTap({}, 'tx')).toBeUndefined();
  });

  it('sim board as the car (pev): its simulated charger follows the requests the car sends, not those it receives', async () => {
    const b = await loadSimProfile({ role: 'pev' });
    if (!b.ok) throw new Error(b.error.message);
    const commands: HardwareCommand[] = [];
    const sub = b.value.sim.plant.evseCommands.subscribe((c) => commands.push(c));
    const tap = simulationTap(b.value, 'tx');
    expect(tap).toBeDefined();
    tap?.(wire('rx', { CurrentDemandReq: { EVTargetVoltage: { Value: 999 }, EVTargetCurrent: { Value: 9 } } }));
    expect(commands).toEqual([]);
    tap?.(wire('tx', { PreChargeReq: { EVTargetVoltage: { Value: 380 }, EVTargetCurrent: { Value: 2 } } }));
    tap?.(wire('tx', { PowerDeliveryReq: { ChargeProgress: 'Start' } }));
    tap?.(wire('tx', { SessionStopReq: {} }));
    expect(commands).toEqual([
      { port: 'powerSupply', command: 'setTarget', voltage: 380, current: 2 },
      { port: 'controlPilot', command: 'setDutyCycle', percent: 5 },
      { port: 'contactors', command: 'close' },
      { port: 'powerSupply', command: 'off' },
      { port: 'contactors', command: 'open' },
    ]);
    sub.unsubscribe();
    await b.value.close();
  });

  it("sim board as the charger (evse): the simulated car's CP switch follows the requests it receives", async () => {
    const b = await loadSimProfile({ role: 'evse' });
    if (!b.ok) throw new Error(b.error.message);
    const commands: HardwareCommand[] = [];
    const sub = b.value.sim.plant.evCommands.subscribe((c) => commands.push(c));
    const tap = simulationTap(b.value, 'rx');
    tap?.(wire('tx', { CableCheckReq: {} }));
    expect(commands).toEqual([]);
    tap?.(wire('rx', { CableCheckReq: {} }));
    tap?.(wire('rx', { PowerDeliveryReq: { ChargeProgress: 'Stop', DC_EVPowerDeliveryParameter: {} } }));
    tap?.(wire('rx', { PowerDeliveryReq: { ReadyToChargeState: true } }));
    tap?.(wire('rx', { SessionStopReq: {} }));
    expect(commands.map((c) => ('state' in c ? c.state : c.command))).toEqual(['C', 'B', 'C', 'B']);
    sub.unsubscribe();
    await b.value.close();
  });

  it('the listen role has nothing to simulate', async () => {
    const b = await loadSimProfile({ role: 'listen' });
    expect(b.ok && b.value.simulation).toBeUndefined();
    if (b.ok) await b.value.close();
  });
});
