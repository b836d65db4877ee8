// tsplc sim: car and charger on one machine.
//
//   tsplc sim [--protocol din|iso2] [--ac|--dc] [--soc-target <%>] [--faults <scenario>]
//             [--time-scale <n>] [--modem-restart-ms <ms>] [--log-level <l>] [--json]
//   tsplc sim --netns [...]     two network namespaces, real addon/UDP/TCP (root)
//
// In-memory by default: every port has its in-memory twin and nothing needs
// root. Time: by default virtual and as fast as the CPU allows (a session in
// a few seconds of wall time); --time-scale 1 runs on the wall clock, N > 1
// runs virtual time N times faster than real time.
import { parseCommandArgs } from '../args.js';
import { SimulatedClock } from 'xstate';
import { v2gEvMachine } from '../../../machines/v2g-ev/index.js';
import { v2gEvseMachine } from '../../../machines/v2g-evse/index.js';
import { createSim, SIM_EV_MAC } from '../../runtime/sim.js';
import type { Clock } from '../../ports/clock.js';
import { linkLocalFromMac } from '../../../drivers/udp/memory-link.js';
import { formatMac } from '../../bytes.js';
import { createLogger, isLogLevel } from '../../runtime/logger.js';
import { attachProgress, formatSummary } from '../../runtime/progress.js';
import { parseFaultScenario } from '../../domain/v2g/faults.js';
import { attachDisplay, simDisplayOutputs, type AttachedDisplay } from '../../runtime/display.js';
import { defaultConfig } from '../../config/validate.js';

export const summary = 'run car and charger on one machine (in-memory, or --netns)';

const usage = `usage: tsplc sim [options]
  --protocol din|iso2        V2G protocol (default din)
  --ac | --dc                energy transfer (default dc)
  --soc-target <percent>     EV stops charging at this SOC (default: start SOC + 10)
  --faults <scenario>        EVSE fault injection, e.g. 'CurrentDemand#11:responseCode=FAILED'
  --time-scale <n>           0 = virtual time, as fast as possible (default); 1 = wall clock; n = n× real time
  --modem-restart-ms <ms>    emulated modem restart after CM_SET_KEY (default 0)
  --max-virtual-s <s>        give up after this much session time (default 3600)
  --netns                    two network namespaces, real AF_PACKET/UDP/TCP (root), see docs/user-manual.md
  --display                  show the car's status display live in the terminal (Unicode half blocks)
  --display-png <dir>        write a PNG of the display into <dir> on every redraw
  --chademo                  the tsplc car bridges to a simulated CHAdeMO car (CAN + d1/d2/k), see docs/chademo.md
  --log-level <level>        debug|info|warn|error (default warn; progress and summary always show)
  --json                     summary as one JSON line`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('sim', usage, {
    args: argv,
    options: {
      protocol: { type: 'string' },
      ac: { type: 'boolean' },
      dc: { type: 'boolean' },
      'soc-target': { type: 'string' },
      faults: { type: 'string' },
      'time-scale': { type: 'string' },
      'modem-restart-ms': { type: 'string' },
      'max-virtual-s': { type: 'string' },
      netns: { type: 'boolean' },
      display: { type: 'boolean' },
      'display-png': { type: 'string' },
      chademo: { type: 'boolean' },
      'log-level': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const fail = (m: string): number => {
    process.stderr.write(`tsplc sim: ${m}\n${usage}\n`);
    return 2;
  };
  const protocol = values.protocol ?? 'din';
  if (protocol !== 'din' && protocol !== 'iso2') return fail(`--protocol must be din or iso2, got '${protocol}'`);
  if (values.ac && values.dc) return fail('--ac and --dc exclude each other');
  if (values.ac && protocol === 'din') return fail('DIN 70121 is DC only: use --protocol iso2 with --ac');
  const mode = values.ac ? 'ac' : 'dc';
  const num = (name: string, text: string | undefined, def: number, min: number, max: number): number | string => {
    if (text === undefined) return def;
    const n = Number(text);
    return Number.isFinite(n) && n >= min && n <= max ? n : `--${name} must be a number in ${min}..${max}, got '${text}'`;
  };
  const timeScale = num('time-scale', values['time-scale'], 0, 0, 1000);
  const restart = num('modem-restart-ms', values['modem-restart-ms'], 0, 0, 60000);
  const maxVirtualS = num('max-virtual-s', values['max-virtual-s'], 3600, 1, 86400 * 7);
  const socTargetArg = values['soc-target'] === undefined ? undefined : num('soc-target', values['soc-target'], 0, 1, 100);
  for (const v of [timeScale, restart, maxVirtualS, socTargetArg]) if (typeof v === 'string') return fail(v);
  const level = values['log-level'] ?? 'warn';
  if (!isLogLevel(level)) return fail(`--log-level must be debug|info|warn|error, got '${level}'`);
  const faults = parseFaultScenario(values.faults ?? 'none');
  if (!faults.ok) return fail(faults.error.message);

  if (values.chademo && (values.netns || values.ac)) return fail('--chademo runs in-memory and DC only (no --netns, no --ac)');
  if (values.netns) {
    const { runNetnsSim } = await import('../../runtime/sim-netns.js');
    return runNetnsSim({ protocol, mode, faults: values.faults ?? 'none', ...(socTargetArg !== undefined ? { socTarget: socTargetArg as number } : {}), restartMs: restart as number, level, json: values.json ?? false });
  }

  const clock: Clock | undefined = timeScale === 1 ? undefined : new SimulatedClock();
  const now = clock ? () => clock.now() : () => Date.now();
  const tty = process.stdout.isTTY === true && !values.json;
  const logger = createLogger({ level, now, format: process.stderr.isTTY ? 'human' : 'json', write: (l) => void process.stderr.write(l + '\n') });
  // SOC start of the sim battery is read from the board once it exists; default target = start + 10 %.
  const sim = createSim({
    ...(clock ? { clock } : {}),
    logger,
    protocol,
    mode,
    faults: faults.value,
    modemRestartMs: restart as number,
    sessions: { ev: v2gEvMachine, evse: v2gEvseMachine },
    ...(socTargetArg !== undefined ? { socTarget: socTargetArg as number } : { socTarget: 30 }),
    onWire: (role, r) => role === 'ev' && display?.onWire(r),
    // --chademo: the CHAdeMO car ends the charge at --soc-target (default: start 30 % → 40 %).
    ...(values.chademo ? { chademo: { initialSoc: 30, car: { targetSoc: (socTargetArg as number | undefined) ?? 40 } } } : {}),
  });
  // The car's status display on the in-memory SSD1306 twin (docs/display.md); --display / --display-png show it.
  const showPanel = values.display === true && !values.json;
  const display: AttachedDisplay | undefined = await attachDisplay({
    role: 'EV', config: defaultConfig(), board: 'sim', status: sim.evStatus, hw: sim.board.ev, logger, ...(clock ? { clock } : {}),
    link: { interface: 'sim-ev', mac: formatMac(SIM_EV_MAC), ipv6: linkLocalFromMac(SIM_EV_MAC) },
    ...(showPanel || values['display-png'] ? { onFrame: simDisplayOutputs({ terminal: showPanel, ...(values['display-png'] ? { pngDir: values['display-png'] } : {}), write: (t) => void process.stdout.write(t), tty, logger }) } : {}),
  });
  const chademoProgress = sim.chademo ? (await import('../../runtime/sim-chademo.js')).attachChademoProgress(sim.chademo, { now, write: (t) => void process.stdout.write(values.json || showPanel ? '' : t) }) : undefined;
  const progress = attachProgress({ role: 'EV', status: sim.evStatus, hw: sim.board.ev, now, tty: tty && !showPanel, write: (t) => void process.stdout.write(values.json || showPanel ? '' : t) });
  let finished = false;
  const result = sim.done.then((r) => {
    finished = true;
    return r;
  });
  const onSignal = (): void => {
    sim.ev.actor.send({ type: 'STOP', reason: 'SIGINT/SIGTERM' });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const limit = (maxVirtualS as number) * 1000;
  const t0 = now();
  if (clock instanceof SimulatedClock) {
    const step = 10;
    const pace = timeScale === 0 ? 0 : step / (timeScale as number);
    while (!finished && now() - t0 < limit) {
      clock.increment(step);
      if (pace > 0) await new Promise((r) => setTimeout(r, pace));
      else await new Promise<void>((r) => setImmediate(r));
    }
    // Let the last hardware moves (unlock, EVSE stop) complete.
    for (let i = 0; i < 100; i++) {
      clock.increment(10);
      await new Promise<void>((r) => setImmediate(r));
    }
  } else {
    await Promise.race([result, new Promise((r) => setTimeout(r, limit).unref())]);
    await new Promise((r) => setTimeout(r, 700));
  }
  progress.stop();
  chademoProgress?.stop();
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  const s = progress.summary();
  const evOut = sim.ev.actor.getSnapshot().status === 'done' ? (sim.ev.actor.getSnapshot().output as { end: string; reason: string }) : { end: 'Timeout', reason: `no end within ${maxVirtualS} s` };
  const evseOut = sim.evse.actor.getSnapshot().output as { end: string; reason: string } | undefined;
  if (values.json) process.stdout.write(JSON.stringify({ ev: evOut, evse: evseOut ?? null, summary: s, wallMs: Math.round(performance.now()) }) + '\n');
  else {
    process.stdout.write(formatSummary(s, evOut) + '\n');
    process.stdout.write(`EVSE: ${evseOut ? `${evseOut.end}${evseOut.reason ? ` (${evseOut.reason})` : ''}` : 'still running'}\n`);
    if (chademoProgress) process.stdout.write(chademoProgress.summary() + '\n');
    if (clock) process.stdout.write(`virtual time ${((now() - t0) / 1000).toFixed(1)} s\n`);
  }
  await display?.close();
  sim.dispose();
  return evOut.end === 'ChargingFinished' ? 0 : 1;
}
