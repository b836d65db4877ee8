// Command-line parsing shared by the tsplc commands and the role runner (src/runtime/role.ts).
// answers every command gives the same way — a usage error (exit 2, message + usage on
// stderr) and --help (usage on stdout, exit 0).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../errors.js';

/** The parsed arguments, or the exit code the command must return at once. */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, usage: string, config: T): ReturnType<typeof parseArgs<T>> | number {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    process.stderr.write(`tsplc ${command}: ${errorMessage(e)}\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  return parsed;
}
