#!/usr/bin/env node
// tsplc command line. Each command lives in src/cli/commands/<name>.ts and
// exports `run(argv: string[]): Promise<number>` (the exit code). Commands are
// loaded lazily so that e.g. `tsplc decode` never loads native code.

interface CommandModule {
  run(argv: string[]): Promise<number>;
  readonly summary?: string;
}

const commands: Record<string, { summary: string }> = {
  decode: { summary: 'decode a capture (pcap/pcapng): HomePlug, SDP, V2GTP, EXI' },
  scope: { summary: 'plot a capture as one self-contained HTML page (--png via headless Chromium)' },
  exi: { summary: 'exi decode|encode --schema <appHand|din|iso2|iso20-common|iso20-dc|iso20-ac>' },
  listen: { summary: 'ListenMode: sniff SLAC, take NMK/NID, join, decode (interface or capture file)' },
  'modem-sim': { summary: 'emulate Green PHY modems between host interfaces' },
  modem: { summary: 'ask the own modem: info | key | set-key <nmk|random> | status | reset' },
  'hw-test': { summary: 'self-test of the board: capabilities, inputs, each output (prompt or --auto)' },
  pev: { summary: 'be the car (EVCC) on a real interface' },
  evse: { summary: 'be the charger (SECC) on a real interface' },
  sim: { summary: 'run car and charger on one machine (in-memory, or --netns)' },
  relay: { summary: 'man in the middle between a car and a charger: relay, record and show the session' },
  config: { summary: 'config check|show|import <pyPlc.ini>' },
  'install-service': { summary: 'install the systemd unit' },
};

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
  // A variable specifier keeps every command out of the start-up path of the others.
  const specifier = `./commands/${name}.js`;
  const mod = (await import(specifier)) as CommandModule;
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
