#!/usr/bin/env node
// tsplc command line. Each command lives in src/cli/commands/<name>.ts and
// exports `run(argv: string[]): Promise<number>` (the exit code). Commands are
// loaded lazily so that e.g. `tsplc decode` never loads native code.

import { setFlagsFromString } from 'node:v8';

interface CommandModule {
  run(argv: string[]): Promise<number>;
  readonly summary?: string;
}

// One literal import() per command: each command loads only its own modules (and the bundle,
// scripts/bundle.js, makes one chunk per command from these).
// `lean`: a long-running role on a small board, started with LEAN_V8_FLAGS.
const commands: Record<string, { summary: string; load: () => Promise<CommandModule>; lean?: true }> = {
  decode: { summary: 'decode a capture (pcap/pcapng): HomePlug, SDP, V2GTP, EXI', load: () => import('./commands/decode.js') },
  scope: { summary: 'plot a capture as one self-contained HTML page (--png via headless Chromium)', load: () => import('./commands/scope.js') },
  exi: { summary: 'exi decode|encode --schema <appHand|din|iso2|iso20-common|iso20-dc|iso20-ac>', load: () => import('./commands/exi.js') },
  listen: { summary: 'ListenMode: sniff SLAC, take NMK/NID, join, decode (interface or capture file)', load: () => import('./commands/listen.js'), lean: true },
  'modem-sim': { summary: 'emulate Green PHY modems between host interfaces', load: () => import('./commands/modem-sim.js'), lean: true },
  modem: { summary: 'ask the own modem: info | key | set-key <nmk|random> | status | reset', load: () => import('./commands/modem.js') },
  'hw-test': { summary: 'self-test of the board: capabilities, inputs, each output (prompt or --auto)', load: () => import('./commands/hw-test.js') },
  pev: { summary: 'be the car (EVCC) on a real interface', load: () => import('./commands/pev.js'), lean: true },
  evse: { summary: 'be the charger (SECC) on a real interface', load: () => import('./commands/evse.js'), lean: true },
  sim: { summary: 'run car and charger on one machine (in-memory, or --netns)', load: () => import('./commands/sim.js') },
  relay: { summary: 'man in the middle between a car and a charger: relay, record and show the session', load: () => import('./commands/relay.js'), lean: true },
  config: { summary: 'config check|show|import <pyPlc.ini>', load: () => import('./commands/config.js') },
  'install-service': { summary: 'install the systemd unit', load: () => import('./commands/install-service.js') },
};

/**
 * V8 settings for the long-running roles (docs/performance.md, issue 13): --lite-mode trades
 * peak JavaScript speed (no optimising compiler, feedback vectors allocated lazily) for memory,
 * 10–20 MB less steady RSS of `tsplc pev`/`tsplc evse` in the CurrentDemand loop (docs/performance.md), where the
 * CPU needed is a few milliseconds per 100 ms round. Set before any command module is loaded,
 * so all of their code runs under it. TSPLC_V8_LEAN=0 leaves V8's defaults.
 */
export const LEAN_V8_FLAGS: readonly string[] = ['--lite-mode'];

/** The version of the package this file belongs to (src/cli/main.ts in a checkout, dist/src/cli/main.js installed). */
async function version(): Promise<string> {
  const { readFileSync, existsSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  for (let dir = dirname(fileURLToPath(import.meta.url)), i = 0; i < 5; i++, dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (!existsSync(p)) continue;
    const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'tsplc' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

function usage(): string {
  const lines = ['usage: tsplc <command> [options]', '       tsplc --version', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(16)} ${c.summary}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`tsplc ${await version()} (node ${process.version})\n`);
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`tsplc: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  if (entry.lean && process.env.TSPLC_V8_LEAN !== '0') {
    // TSPLC_V8_LEAN_FLAGS replaces the list, to measure alternatives (test/bench/footprint.bench.ts).
    const flags = process.env.TSPLC_V8_LEAN_FLAGS?.split(' ').filter(Boolean) ?? LEAN_V8_FLAGS;
    for (const f of flags) setFlagsFromString(f);
  }
  const mod = await entry.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`tsplc: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
