// The command line of `tsplc pev` and `tsplc evse`: usage text, flags, and their validation into
// one typed value. Everything here is decided before the config file is read; what needs the
// config (the log level, one session or many) is in session-config.ts.
import { parseCommandArgs } from './args.js';
import { configArgOptions, type ConfigArgs } from './config-file.js';
import { parseFaultScenario, type FaultScenario } from '../domain/v2g/faults.js';
import type { EnergyTransferMode, Protocol } from '../domain/v2g/model.js';
import { err, ok, type Result } from '../result.js';

export type Role = 'pev' | 'evse';

export const usageOf = (role: Role): string => `usage: tsplc ${role} [options]
  -i, --interface <if>       the HomePlug modem's interface (config general.interface)
  --board <name>             hardware profile (config general.board; sim, none, raspberry-pi, ...)
  -c, --config <file>        config file (default $TSPLC_CONFIG or /etc/tsplc/tsplc.toml)
  --set <section.key=value>  override one config key (repeatable)
  --protocol din|iso2        ${role === 'pev' ? 'offer only this protocol' : 'accept only this protocol'} (default: config)
  --ac | --dc                energy transfer mode (default: config)
${role === 'pev' ? '  --soc-target <percent>     stop charging at this SOC\n' : '  --faults <scenario>        fault injection (see docs/user-manual.md)\n'}  --once                     end after one session (config general.exit_on_session_end)
  --log-level <level>        debug|info|warn|error (SIGUSR1 toggles debug while running)
  --json                     summary as one JSON line`;

const roleArgOptions = {
  ...configArgOptions,
  protocol: { type: 'string' },
  ac: { type: 'boolean' },
  dc: { type: 'boolean' },
  'soc-target': { type: 'string' },
  faults: { type: 'string' },
  once: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What the command line says, validated. Absent fields: the config decides. */
export interface RoleArgs {
  readonly role: Role;
  /** -c, --set, -i, --board, --log-level: the config overrides (mode = the role). */
  readonly config: ConfigArgs;
  readonly protocol?: Protocol;
  readonly mode?: EnergyTransferMode;
  readonly socTarget?: number;
  readonly faults: FaultScenario;
  /** --once. */
  readonly once: boolean;
  /** --json: the summary as one JSON line, no live progress. */
  readonly json: boolean;
}

/** Why the command ends before it starts: --help (0), a usage error (2, message printed by the caller unless printed). */
export interface RoleArgsExit {
  readonly exitCode: 0 | 2;
  /** For the caller to print as `tsplc <role>: <message>`; absent when the usage was printed already. */
  readonly message?: string;
}

/** --ac / --dc as the energy transfer mode they select. */
export function energyModeOf(ac: boolean | undefined, dc: boolean | undefined): EnergyTransferMode | undefined {
  if (ac) return 'AC_three_phase_core';
  if (dc) return 'DC_extended';
  return undefined;
}

export function parseRoleArgs(role: Role, argv: readonly string[]): Result<RoleArgs, RoleArgsExit> {
  const parsed = parseCommandArgs(role, usageOf(role), { args: [...argv], options: roleArgOptions, strict: true });
  if (typeof parsed === 'number') return err({ exitCode: parsed === 0 ? 0 : 2 });
  const v = parsed.values;
  const usage = (message: string): Result<RoleArgs, RoleArgsExit> => err({ exitCode: 2, message });
  if (v.protocol !== undefined && v.protocol !== 'din' && v.protocol !== 'iso2') return usage(`--protocol must be din or iso2, got '${v.protocol}'`);
  if (v.ac && v.dc) return usage('--ac and --dc exclude each other');
  let socTarget: number | undefined;
  if (v['soc-target'] !== undefined) {
    socTarget = Number(v['soc-target']);
    if (!Number.isFinite(socTarget) || socTarget < 1 || socTarget > 100) return usage(`--soc-target must be 1..100, got '${v['soc-target']}'`);
  }
  const faults = parseFaultScenario(v.faults ?? 'none');
  if (!faults.ok) return usage(faults.error.message);
  const mode = energyModeOf(v.ac, v.dc);
  const config: ConfigArgs = {
    mode: role,
    ...(v.config !== undefined ? { config: v.config } : {}),
    ...(v.set !== undefined ? { set: v.set } : {}),
    ...(v.interface !== undefined ? { interface: v.interface } : {}),
    ...(v.board !== undefined ? { board: v.board } : {}),
    ...(v['log-level'] !== undefined ? { 'log-level': v['log-level'] } : {}),
  };
  return ok({
    role,
    config,
    ...(v.protocol !== undefined ? { protocol: v.protocol } : {}),
    ...(mode ? { mode } : {}),
    ...(socTarget !== undefined ? { socTarget } : {}),
    faults: faults.value,
    once: v.once === true,
    json: v.json === true,
  });
}
