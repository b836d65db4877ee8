// The tsplc CLI as the tests spawn it: the bundle test/helpers/test-dist.ts builds from this
// checkout's sources before the first file runs (TSPLC_TEST_CLI).
import { existsSync } from 'node:fs';

function bundled(): string {
  const cli = process.env.TSPLC_TEST_CLI;
  if (!cli || !existsSync(cli)) {
    throw new Error(`TSPLC_TEST_CLI ${cli ? `(${cli}) does not exist` : 'is not set'}: run the tests through vitest, whose globalSetup test/helpers/test-dist.ts bundles the CLI`);
  }
  return cli;
}

/** Path of the bundled CLI entry (dist layout: <dir>/src/cli/main.js); a script for `node` or NetnsTopology.spawnNode. */
export const CLI: string = bundled();

/** The node arguments that run `tsplc <args…>`. */
export const tsplcArgs = (args: readonly string[]): string[] => [CLI, ...args];
