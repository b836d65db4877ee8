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
  pev: { summary: 'be the car (EVCC) on a real interface' },
  evse: { summary: 'be the charger (SECC) on a real interface' },
  sim: { summary: 'run car and charger on one machine (in-memory, or --netns)' },
  config: { summary: 'config check|show|import <pyPlc.ini>' },
  'install-service': { summary: 'install the systemd unit' },
};

function usage(): string {
  const lines = ['usage: tsplc <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(16)} ${c.summary}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
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
