// Reads the config file and applies command-line overrides. The file is TOML
// (INI-like sections, as pyPLC users know them, but with types, comments and
// lists); see docs/configuration.md.
import { existsSync, readFileSync } from 'node:fs';
import { buildConfig, parseConfigText, parseOverrides, formatConfigError, type ConfigError, type RawConfig, type TsplcConfig } from '../config/index.js';
import { err, ok, type Result } from '../result.js';
import { errorMessage } from '../errors.js';

/** Where the installed service and `tsplc` look for the file when no --config is given. */
export const defaultConfigPaths = ['/etc/tsplc/tsplc.toml'];

/** parseArgs options every command that reads the config accepts. */
export const configArgOptions = {
  config: { type: 'string', short: 'c' },
  set: { type: 'string', multiple: true },
  mode: { type: 'string' },
  interface: { type: 'string', short: 'i' },
  board: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export interface ConfigArgs {
  readonly config?: string;
  readonly set?: readonly string[];
  readonly mode?: string;
  readonly interface?: string;
  readonly board?: string;
  readonly 'log-level'?: string;
}

export interface LoadedConfig {
  readonly config: TsplcConfig;
  /** The file read, or undefined when only defaults and overrides apply. */
  readonly path?: string;
  /**
   * Whether the board was named (general.board in the file, --set or --board) rather than
   * taken from the default. `tsplc pev|evse` refuse a default board: the default is `sim`,
   * and simulated hardware on a real modem would "charge" with nothing switched (issue 10).
   */
  readonly boardNamed: boolean;
}

/** The refusal `tsplc pev|evse` print when no board was named. */
export const boardNotNamedMessage =
  'no board named: give --board <name> or general.board in the config (raspberry-pi, beaglebone, celeron55, none for a PC with only a modem, or sim for simulated hardware); see docs/boards.md';

/** The common flags as `section.key=value` overrides (they win over --set, which wins over the file). */
export function flagOverrides(args: ConfigArgs): string[] {
  const out = [...(args.set ?? [])];
  if (args.mode !== undefined) out.push(`general.mode=${args.mode}`);
  if (args.interface !== undefined) out.push(`general.interface=${args.interface}`);
  if (args.board !== undefined) out.push(`general.board=${args.board}`);
  if (args['log-level'] !== undefined) out.push(`logging.level=${args['log-level']}`);
  return out;
}

export function readConfigFile(path: string): Result<RawConfig, ConfigError[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return err([{ key: '', message: `cannot read: ${errorMessage(e)}`, source: path }]);
  }
  return parseConfigText(text, path);
}

/**
 * defaults ← file (--config, else $TSPLC_CONFIG, else /etc/tsplc/tsplc.toml when present) ← --set ← flags.
 * Every error names the key, the allowed range and where the value came from.
 */
export function loadConfig(args: ConfigArgs, env: NodeJS.ProcessEnv = process.env): Result<LoadedConfig, ConfigError[]> {
  const explicit = args.config ?? (env.TSPLC_CONFIG || undefined);
  const path = explicit ?? defaultConfigPaths.find((p) => existsSync(p));
  const layers: { raw: RawConfig; source: string }[] = [];
  if (path !== undefined) {
    const file = readConfigFile(path);
    if (!file.ok) return file;
    layers.push({ raw: file.value, source: path });
  }
  const sets = parseOverrides(flagOverrides(args));
  if (!sets.ok) return sets;
  layers.push({ raw: sets.value, source: 'command line' });
  const built = buildConfig(layers);
  if (!built.ok) return built;
  const boardNamed = layers.some((l) => typeof (l.raw as { general?: { board?: unknown } }).general?.board === 'string');
  return ok({ config: built.value, boardNamed, ...(path !== undefined ? { path } : {}) });
}

/** One line per error, for stderr. */
export function formatConfigErrors(errors: readonly ConfigError[]): string {
  return errors.map((e) => `tsplc: config: ${formatConfigError(e)}`).join('\n');
}
