// tsplc config check <file> | show | import <pyPlc.ini> | docs
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatConfig, importPyplcIni, renderConfigDoc, buildConfig, parseOverrides, formatConfigError } from '../../config/index.js';
import { configArgOptions, formatConfigErrors, loadConfig, readConfigFile } from '../../runtime/config-file.js';
import { errorMessage } from '../../errors.js';

export const summary = 'config check <file> | show | import <pyPlc.ini> [-o out.toml] | docs';

const usage = `usage:
  tsplc config check <file> [--set section.key=value ...]   validate a config file
  tsplc config show [--config file] [--set ...] [--comments]  print the effective config (TOML)
  tsplc config defaults                                      print every key with its default and documentation
  tsplc config import <pyPlc.ini> [-o out.toml] [--force]    convert a pyPLC ini file
  tsplc config docs                                          print the key reference of docs/configuration.md`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'check':
        return check(rest);
      case 'show':
        return show(rest);
      case 'defaults':
        process.stdout.write(formatConfig(buildDefaults(), { comments: true, header: 'tsplc configuration: every key at its default.\nSee docs/configuration.md.' }));
        return 0;
      case 'import':
        return importIni(rest);
      case 'docs':
        process.stdout.write(renderConfigDoc());
        return 0;
      case undefined:
      case '-h':
      case '--help':
        process.stdout.write(usage + '\n');
        return sub ? 0 : 2;
      default:
        process.stderr.write(`tsplc config: unknown subcommand '${sub}'\n${usage}\n`);
        return 2;
    }
  } catch (e) {
    // parseArgs throws on unknown options: a usage error, not a crash.
    process.stderr.write(`tsplc config: ${errorMessage(e)}\n`);
    return 2;
  }
}

function buildDefaults() {
  const r = buildConfig([]);
  if (!r.ok) throw new Error(r.error.map(formatConfigError).join('; '));
  return r.value;
}

function check(argv: string[]): number {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { set: configArgOptions.set } });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    process.stderr.write('usage: tsplc config check <file> [--set section.key=value ...]\n');
    return 2;
  }
  const raw = readConfigFile(file);
  if (!raw.ok) {
    process.stderr.write(formatConfigErrors(raw.error) + '\n');
    return 1;
  }
  const sets = parseOverrides(values.set ?? []);
  if (!sets.ok) {
    process.stderr.write(formatConfigErrors(sets.error) + '\n');
    return 1;
  }
  const built = buildConfig([
    { raw: raw.value, source: file },
    { raw: sets.value, source: 'command line' },
  ]);
  if (!built.ok) {
    process.stderr.write(formatConfigErrors(built.error) + '\n');
    return 1;
  }
  process.stdout.write(`${file}: OK (mode ${built.value.general.mode}, board ${built.value.general.board}, interface ${built.value.general.interface})\n`);
  return 0;
}

function show(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { ...configArgOptions, comments: { type: 'boolean' } } });
  const loaded = loadConfig(values);
  if (!loaded.ok) {
    process.stderr.write(formatConfigErrors(loaded.error) + '\n');
    return 1;
  }
  const header = `effective tsplc configuration (${loaded.value.path ? `file ${loaded.value.path}` : 'no file: defaults'} + command line)`;
  process.stdout.write(formatConfig(loaded.value.config, { comments: values.comments ?? false, header }));
  return 0;
}

function importIni(argv: string[]): number {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    process.stderr.write('usage: tsplc config import <pyPlc.ini> [-o out.toml] [--force]\n');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`tsplc config: cannot read ${file}: ${errorMessage(e)}\n`);
    return 1;
  }
  const r = importPyplcIni(text);
  if (!r.ok) {
    process.stderr.write(formatConfigErrors(r.error.map((e) => ({ ...e, source: file }))) + '\n');
    return 1;
  }
  const header = [`tsplc configuration imported from ${file}`, ...r.value.notes.map((n) => `  ${n}`), 'See docs/configuration.md for every key.'].join('\n');
  const toml = formatConfig(r.value.config, { comments: true, header });
  if (values.output) {
    if (existsSync(values.output) && !values.force) {
      process.stderr.write(`tsplc config: ${values.output} exists (use --force to overwrite)\n`);
      return 1;
    }
    writeFileSync(values.output, toml);
    for (const n of r.value.notes) process.stderr.write(`  ${n}\n`);
    process.stderr.write(`wrote ${values.output}\n`);
  } else process.stdout.write(toml);
  return 0;
}
