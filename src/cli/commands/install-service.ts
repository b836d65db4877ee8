// tsplc install-service --board <name> [--user tsplc] [--config path] [--role pev|evse|listen] [--bin cmd] [--root dir] [--dry-run]
// Renders systemd/tsplc.service, creates the service user, writes a default
// config when none exists, installs the unit, daemon-reload, enable.
// ExecStart runs the installed entry point with node (never tsx: an installed
// package has neither tsx nor the .ts sources), with the role's own arguments.
import { parseCommandArgs } from '../args.js';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConfig, formatConfig, safeShutdownTimingsOf, type TsplcConfig } from '../../config/index.js';
import { safeShutdownBudgetMs } from '../../domain/safety/timing.js';
import { formatConfigErrors, readConfigFile } from '../../runtime/config-file.js';

export const summary = 'install the systemd unit (tsplc.service)';

const usage = `usage: tsplc install-service --board <name> [--role pev|evse|listen] [--config /etc/tsplc/tsplc.toml]
                             [--user tsplc] [--bin <tsplc command>] [--root /] [--dry-run]
  --board NAME  the hardware the service drives (raspberry-pi, beaglebone, celeron55, none, sim);
                required for pev and evse: a service never falls back to simulated hardware
  --role ROLE   pev, evse or listen (default: general.mode of the config)
  --bin CMD     the command systemd runs (default: this node on this package's dist/src/cli/main.js)
  --dry-run     print every step and the unit, change nothing
  --root DIR    install below DIR (images, tests); user creation and daemon-reload are skipped unless DIR is /`;

/** Extra seconds on top of the safe-shutdown budget for everything else in a stop (closing sockets, flushing records). */
export const stopMarginSeconds = 15;

export function timeoutStopSec(config: TsplcConfig): number {
  return Math.ceil(safeShutdownBudgetMs(safeShutdownTimingsOf(config)) / 1000) + stopMarginSeconds;
}

export type ServiceRole = 'pev' | 'evse' | 'listen';

export interface UnitValues {
  /** The command that runs tsplc, e.g. `/usr/bin/node /usr/lib/node_modules/tsplc/dist/src/cli/main.js`. */
  readonly tsplc: string;
  readonly role: ServiceRole;
  readonly config: string;
  /** pev/evse: the board; listen takes none. */
  readonly board?: string;
  /** listen: the interface to sniff on (general.interface). */
  readonly interface?: string;
  readonly user: string;
  readonly groups: readonly string[];
  readonly timeoutStopSec: number;
}

/** The arguments after the tsplc command: what each role's command line accepts. */
export function execArgs(v: Pick<UnitValues, 'role' | 'config' | 'board' | 'interface'>): string[] {
  // listen has no --config (it reads no config file) and speaks no sd_notify.
  if (v.role === 'listen') return ['listen', '--interface', v.interface ?? 'eth0', '--join'];
  if (!v.board) throw new Error(`${v.role} needs a board`);
  return [v.role, '--board', v.board, '--config', v.config];
}

export function renderUnit(template: string, v: UnitValues): string {
  const notify = v.role !== 'listen';
  const fields: Record<string, string> = {
    EXEC_START: [v.tsplc, ...execArgs(v)].join(' '),
    ROLE: v.role,
    TYPE: notify ? 'notify' : 'exec',
    // The runtime sends WATCHDOG=1 from the root actor's heartbeat; listen sends nothing (0 = off).
    WATCHDOG_SEC: notify ? '20' : '0',
    USER: v.user,
    GROUPS: v.groups.join(' '),
    TIMEOUT_STOP_SEC: String(v.timeoutStopSec),
  };
  return template.replace(/@([A-Z_]+)@/g, (m, name: string) => fields[name] ?? m);
}

function findTemplate(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/cli/commands → repo root; dist/src/cli/commands → one more level.
  for (const up of ['../../..', '../../../..']) {
    const p = resolve(here, up, 'systemd', 'tsplc.service');
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * The command systemd should run: this node binary on this package's built entry point
 * (absolute paths, so neither PATH nor a shebang matter at boot). From a source checkout
 * (src/cli/main.ts under tsx) the built dist/src/cli/main.js beside it; without one, none.
 */
export function defaultBin(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const entry of [resolve(here, '..', 'main.js'), resolve(here, '../../..', 'dist', 'src', 'cli', 'main.js')]) if (existsSync(entry)) return `${process.execPath} ${realpathSync(entry)}`;
  return undefined;
}

function existingGroups(root: string, wanted: readonly string[]): string[] {
  let text = '';
  try {
    text = readFileSync(join(root, 'etc', 'group'), 'utf8');
  } catch {
    return [];
  }
  const names = new Set(text.split('\n').map((l) => l.split(':')[0]));
  return wanted.filter((g) => names.has(g));
}

function userExists(root: string, user: string): boolean {
  try {
    return readFileSync(join(root, 'etc', 'passwd'), 'utf8')
      .split('\n')
      .some((l) => l.split(':')[0] === user);
  } catch {
    return false;
  }
}

interface Step {
  readonly what: string;
  readonly run: () => { ok: boolean; detail?: string };
}

function command(argv: string[]): () => { ok: boolean; detail?: string } {
  return () => {
    const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
    if (r.error) return { ok: false, detail: r.error.message };
    return r.status === 0 ? { ok: true } : { ok: false, detail: (r.stderr || r.stdout).trim() };
  };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('install-service', usage, {
    args: argv,
    options: {
      user: { type: 'string', default: 'tsplc' },
      config: { type: 'string', short: 'c', default: '/etc/tsplc/tsplc.toml' },
      role: { type: 'string' },
      board: { type: 'string' },
      bin: { type: 'string' },
      root: { type: 'string', default: '/' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const user = values.user;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) {
    process.stderr.write(`tsplc install-service: --user ${JSON.stringify(user)} is not a valid system user name\n`);
    return 2;
  }
  if (!values.config.startsWith('/')) {
    process.stderr.write('tsplc install-service: --config must be an absolute path (systemd runs from /)\n');
    return 2;
  }
  const root = resolve(values.root);
  const dry = values['dry-run'];
  const atRoot = (p: string): string => join(root, p);
  const templatePath = findTemplate();
  if (!templatePath) {
    process.stderr.write('tsplc install-service: systemd/tsplc.service template not found next to the program\n');
    return 1;
  }

  // The config decides the role and the stop budget; a missing file gets the defaults.
  const configFile = atRoot(values.config);
  const haveConfig = existsSync(configFile);
  const layers = [];
  if (haveConfig) {
    const raw = readConfigFile(configFile);
    if (!raw.ok) {
      process.stderr.write(formatConfigErrors(raw.error) + '\n');
      return 1;
    }
    layers.push({ raw: raw.value, source: configFile });
  }
  if (values.role) layers.push({ raw: { general: { mode: values.role } }, source: '--role' });
  if (values.board) layers.push({ raw: { general: { board: values.board } }, source: '--board' });
  const built = buildConfig(layers);
  if (!built.ok) {
    process.stderr.write(formatConfigErrors(built.error) + '\n');
    return 1;
  }
  const config = built.value;
  const role = config.general.mode as ServiceRole;
  if (role !== 'pev' && role !== 'evse' && role !== 'listen') {
    process.stderr.write(`tsplc install-service: role ${JSON.stringify(role)} cannot run as a service (pev, evse or listen)\n`);
    return 2;
  }
  // No silent sim: the service drives real hardware, so the installer is told which.
  if (role !== 'listen' && !values.board) {
    process.stderr.write(`tsplc install-service: --board is required for ${role} (raspberry-pi, beaglebone, celeron55, none, or sim for simulated hardware)\n${usage}\n`);
    return 2;
  }
  const tsplc = values.bin ?? defaultBin();
  if (!tsplc) {
    process.stderr.write('tsplc install-service: no built entry point (dist/src/cli/main.js): run `npm run build`, install the package, or give --bin\n');
    return 1;
  }
  const unit = renderUnit(readFileSync(templatePath, 'utf8'), {
    tsplc,
    role,
    ...(values.board ? { board: values.board } : {}),
    interface: config.general.interface,
    config: values.config,
    user,
    groups: existingGroups(root, ['dialout', 'gpio', 'i2c']),
    timeoutStopSec: timeoutStopSec(config),
  });
  const unitPath = atRoot('/etc/systemd/system/tsplc.service');
  const systemRoot = root === '/';

  const steps: Step[] = [];
  if (!userExists(root, user)) {
    if (systemRoot)
      steps.push({
        what: `create system user ${user}`,
        run: command(['useradd', '--system', '--user-group', '--no-create-home', '--home-dir', '/var/lib/tsplc', '--shell', '/usr/sbin/nologin', user]),
      });
    else steps.push({ what: `skip creating user ${user} (--root is not /; create it in the image)`, run: () => ({ ok: true }) });
  }
  if (!haveConfig)
    steps.push({
      what: `write default config ${configFile} (mode ${config.general.mode})`,
      run: () => {
        mkdirSync(dirname(configFile), { recursive: true });
        writeFileSync(configFile, formatConfig(config, { comments: true, header: 'tsplc configuration written by `tsplc install-service`.\nSee docs/configuration.md; check with `tsplc config check`.' }));
        return { ok: true };
      },
    });
  steps.push({
    what: `write unit ${unitPath} (TimeoutStopSec=${timeoutStopSec(config)})`,
    run: () => {
      mkdirSync(dirname(unitPath), { recursive: true });
      writeFileSync(unitPath, unit, { mode: 0o644 });
      return { ok: true };
    },
  });
  if (systemRoot) {
    steps.push({ what: 'systemctl daemon-reload', run: command(['systemctl', 'daemon-reload']) });
    steps.push({ what: 'systemctl enable tsplc.service', run: command(['systemctl', 'enable', 'tsplc.service']) });
  } else steps.push({ what: `systemctl --root=${root} enable tsplc.service`, run: command(['systemctl', `--root=${root}`, 'enable', 'tsplc.service']) });

  if (dry) {
    process.stdout.write(`# dry run: nothing is changed\n`);
    for (const s of steps) process.stdout.write(`would: ${s.what}\n`);
    process.stdout.write(`\n# ${unitPath}\n${unit}`);
    return 0;
  }
  for (const s of steps) {
    const r = s.run();
    process.stdout.write(`${r.ok ? 'done' : 'FAILED'}: ${s.what}${r.detail ? ` — ${r.detail}` : ''}\n`);
    if (!r.ok) return 1;
  }
  process.stdout.write(`installed; start with: systemctl start tsplc.service\n`);
  return 0;
}
