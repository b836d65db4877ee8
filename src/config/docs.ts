// Renders docs/configuration.md's key reference from the schema, so the
// documentation cannot drift from the validator (a test compares them).
import { droppedPyplcKeys, sections } from './schema.js';
import { describeRange, formatDefault } from './spec.js';

const sectionDocs: Record<string, string> = {
  general: 'Role, interface, board.',
  slac: 'ISO 15118-3 SLAC timers and counters, named as in the standard (defaults from `src/domain/slac/timing.ts`).',
  modem: 'HomePlug modem management (SET_KEY, restart, discovery).',
  sdp: 'SECC Discovery Protocol client ([V2G2-159], [V2G2-161]).',
  v2g: 'DIN 70121 / ISO 15118-2 session: standard timers under their standard names (defaults from `src/domain/v2g/config.ts`), precharge and stop criteria.',
  connection: 'Connection manager: retries and back-off of the layers (defaults from `machines/connection-manager`).',
  ev: 'The car: battery and limits reported to the charger.',
  evse: 'The charger: power-supply limits, protocol preference, pyPLC EVSE options.',
  safety: 'SafeShutdownSequence deadlines and the safety monitor limits.',
  hardware: 'Board wiring: serial line, GPIO pins, display.',
  display: 'Status display: backend, panel, pages, redraw limits (docs/display.md).',
  logging: 'Logs, UDP syslog, session records.',
  soc_callback: 'SmartEVSE-style HTTP SOC callback (EVSE).',
  mqtt: 'MQTT status and control.',
  relay: '`tsplc relay` (docs/relay.md): the relay\'s own waits (V2G_SECC_Sequence_Timeout is the [v2g] key) and the wiring of the `raspberry-pi-relay` board (docs/boards.md).',
};

export function renderConfigDoc(): string {
  const out: string[] = [];
  out.push('## Key reference');
  out.push('');
  out.push('<!-- GENERATED from src/config/schema.ts by `tsplc config docs`; test/config/docs.test.ts keeps it up to date. -->');
  for (const [section, keys] of sections()) {
    out.push('');
    out.push(`### [${section}]`);
    out.push('');
    if (sectionDocs[section]) out.push(sectionDocs[section], '');
    out.push('| key | allowed | default | pyPLC key | meaning |');
    out.push('|---|---|---|---|---|');
    for (const [key, spec] of Object.entries(keys)) {
      out.push(`| \`${key}\` | ${esc(describeRange(spec))} | \`${formatDefault(spec)}\` | ${spec.pyplc ? `\`${spec.pyplc}\`` : ''} | ${esc(spec.doc)} |`);
    }
  }
  out.push('');
  out.push('### pyPLC keys not carried over');
  out.push('');
  out.push('| pyPLC key | why |');
  out.push('|---|---|');
  for (const [k, why] of Object.entries(droppedPyplcKeys)) out.push(`| \`${k}\` | ${esc(why)} |`);
  out.push('');
  return out.join('\n');
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|');
}
