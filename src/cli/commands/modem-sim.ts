// tsplc modem-sim: emulated Green PHY modems between host interfaces.
//
//   tsplc modem-sim -i p0 -i p1 [--restart-ms 500] [--attenuation 20]
//                   [--no-profile p1] [--attenuation-of p0=12] [--hears-foreign p2]
//                   [--set-key-result 1] [--verbose]
//
// Each interface is the modem side of one host's cable (e.g. the far end of a
// veth pair whose near end is in the host's namespace). The emulator answers
// the host's modem MMEs and forwards frames between the interfaces as the
// powerline would (see docs/slac.md). Runs until SIGINT/SIGTERM.
import { parseCommandArgs } from '../args.js';
import { openAfPacketPort, type AfPacketPort } from '../../../drivers/ethernet/index.js';
import { ModemSim, type StationOptions } from '../../../drivers/modem-sim/index.js';
import { createLogger, isLogLevel } from '../../runtime/logger.js';
import { realClock } from '../../../drivers/clock/index.js';
import { errorMessage } from '../../errors.js';

export const summary = 'emulate Green PHY modems between host interfaces';

const usage = `usage: tsplc modem-sim -i <if> -i <if> [...] [options]
  -i, --interface <if>       an interface to play the modem for (repeat; at least one)
  --restart-ms <ms>          modem restart after CM_SET_KEY (default 500; real modems ~5000)
  --attenuation <dB>         attenuation reported in CM_ATTEN_PROFILE.IND (default 20)
  --attenuation-of <if>=<dB> per-interface attenuation (repeatable)
  --no-profile <if>          that modem sends no CM_ATTEN_PROFILE.IND (AR7420; repeatable)
  --hears-foreign <if>       that modem hears SLAC unicasts of others (INT6400; repeatable)
  --set-key-result <n>       CM_SET_KEY.CNF result (default 1 as QCA; not 0/1 = refuse)
  --firmware <text>          VS_SW_VER.CNF version string
  --log-level <level>        debug|info|warn|error (default info)
  -v, --verbose              log every forwarded frame`;

function intOption(name: string, text: string | undefined, def: number, min: number, max: number): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`--${name} must be an integer in ${min}..${max}, got '${text}'`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('modem-sim', usage, {
    args: argv,
    options: {
      interface: { type: 'string', short: 'i', multiple: true },
      'restart-ms': { type: 'string' },
      attenuation: { type: 'string' },
      'attenuation-of': { type: 'string', multiple: true },
      'no-profile': { type: 'string', multiple: true },
      'hears-foreign': { type: 'string', multiple: true },
      'set-key-result': { type: 'string' },
      firmware: { type: 'string' },
      'log-level': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const ifnames = values.interface ?? [];
  if (ifnames.length === 0) {
    process.stderr.write(`tsplc modem-sim: give at least one --interface\n${usage}\n`);
    return 2;
  }
  const level = values['log-level'] ?? 'info';
  if (!isLogLevel(level)) {
    process.stderr.write(`tsplc modem-sim: --log-level must be debug|info|warn|error, got '${level}'\n`);
    return 2;
  }
  const logger = createLogger({ level });
  let restartDelayMs: number, attenuation: number, setKeyResult: number;
  const perIf = new Map<string, number>();
  try {
    restartDelayMs = intOption('restart-ms', values['restart-ms'], 500, 0, 60_000);
    attenuation = intOption('attenuation', values.attenuation, 20, 0, 255);
    setKeyResult = intOption('set-key-result', values['set-key-result'], 1, 0, 255);
    for (const a of values['attenuation-of'] ?? []) {
      const [name, dB] = a.split('=');
      if (!name || !ifnames.includes(name)) throw new RangeError(`--attenuation-of ${a}: '${name ?? ''}' is not one of the --interface names`);
      perIf.set(name, intOption('attenuation-of', dB, 20, 0, 255));
    }
  } catch (e) {
    process.stderr.write(`tsplc modem-sim: ${errorMessage(e)}\n`);
    return 2;
  }
  const noProfile = new Set(values['no-profile'] ?? []);
  const hearsForeign = new Set(values['hears-foreign'] ?? []);

  // The restart delay on the real clock; its timer keeps the process alive like the sockets do.
  const sim = new ModemSim({ clock: realClock({ time: 'monotonic', keepAlive: true }), logger });
  const ports: AfPacketPort[] = [];
  try {
    for (const ifname of ifnames) {
      // All EtherTypes (IPv6 must cross too), and foreign unicasts: the host talks to the other hosts through us.
      const port = openAfPacketPort(ifname, { etherTypes: [], dropForeign: false, logger });
      ports.push(port);
      const opts: StationOptions = {
        name: ifname,
        restartDelayMs,
        setKeyResult,
        attenuation: noProfile.has(ifname) ? null : (perIf.get(ifname) ?? attenuation),
        hearsForeignSlac: hearsForeign.has(ifname),
        ...(values.firmware ? { firmware: values.firmware } : {}),
      };
      sim.addStation(port, opts);
    }
  } catch (e) {
    process.stderr.write(`tsplc modem-sim: ${errorMessage(e)}\n`);
    for (const p of ports) p.close();
    return 1;
  }
  const log = logger.child('modem-sim');
  sim.events$.subscribe((e) => {
    if (e.kind === 'forwarded' && !values.verbose) return;
    if (e.kind === 'answered' && !values.verbose) return;
    const { kind, ...fields } = e;
    log.log(kind === 'malformed' ? 'warn' : 'info', kind, fields);
  });
  process.stdout.write(`modem-sim: ${ifnames.length} modem(s) on ${ifnames.join(', ')}; ready\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  sim.close();
  for (const p of ports) p.close();
  return 0;
}
