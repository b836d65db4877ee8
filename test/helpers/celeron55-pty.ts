// celeron55's CCS interface board as users have it: a serial device. python3 plays the
// device on a pseudo-terminal: it answers cp=/contactor= with cp_output_state=/
// contactor_confirmed= (as the board's firmware confirms its outputs), reports its state
// every 100 ms, takes state changes (plugged_in=, inlet_v=, ...) from its stdin (the test
// is the world around the board: the plug, the charger's voltage on the inlet) and prints
// every line it received with a timestamp (the command log). It exits when its stdin closes.
// Used by test/boards/car-on-a-bench-spawned.test.ts and test/cli/hw-test.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';

const DEVICE = `import os, pty, tty, select, sys, time, json
m, s = pty.openpty()
tty.setraw(s)
os.set_blocking(m, False)
print("tty " + os.ttyname(s), flush=True)
state = {"plugged_in": "0", "inlet_v": "0", "cp_output_state": "0", "contactor_confirmed": "0"}
state.update({k: str(v) for k, v in json.loads(sys.argv[2]).items()})
stuck = sys.argv[1] == "stuck"
buf = b""
inb = b""
last = 0
def send(b):
    try: os.write(m, b)
    except (BlockingIOError, OSError): pass
while True:
    r, _, _ = select.select([m, 0], [], [], 0.05)
    if m in r:
        try: buf += os.read(m, 4096)
        except OSError: pass
        while b"\\n" in buf:
            line, buf = buf.split(b"\\n", 1)
            l = line.decode(errors="replace").strip()
            print("rx %.3f %s" % (time.time(), l), flush=True)
            if l == "cp=1": state["cp_output_state"] = "1"
            if l == "cp=0": state["cp_output_state"] = "0"
            if l == "contactor=1" and not stuck: state["contactor_confirmed"] = "1"
            if l == "contactor=0": state["contactor_confirmed"] = "0"
    if 0 in r:
        d = os.read(0, 4096)
        if not d: break
        inb += d
        while b"\\n" in inb:
            line, inb = inb.split(b"\\n", 1)
            k, _, v = line.decode().strip().partition("=")
            if k: state[k] = v
            last = 0
    if time.time() - last > 0.1:
        last = time.time()
        send("".join("%s=%s\\n" % kv for kv in state.items()).encode())
`;

export interface Celeron55Pty {
  readonly child: ChildProcess;
  /** The device path the car opens (hardware.serial_port). */
  readonly tty: string;
  /** Every line the device received from the car, in order, with its wall-clock time (ms). */
  readonly received: { readonly t: number; readonly line: string }[];
  /** Sets one of the reported values (plugged_in, inlet_v, ...). */
  set(key: string, value: number): void;
  stop(): void;
}

export interface Celeron55PtyOptions {
  /** Reported values from the start (e.g. the BMS lines soc_percent, dc_link_v, max_charge_a). */
  readonly initial?: Readonly<Record<string, number>>;
  /** A device whose contactor never confirms (a broken auxiliary contact). */
  readonly stuckContactor?: boolean;
}

export async function startCeleron55Pty(o: Celeron55PtyOptions = {}): Promise<Celeron55Pty> {
  const child = spawn('python3', ['-c', DEVICE, o.stuckContactor ? 'stuck' : 'ok', JSON.stringify(o.initial ?? {})], { stdio: ['pipe', 'pipe', 'inherit'] });
  // A device that died must fail the test's waits, not the worker (EPIPE on its stdin).
  child.stdin.on('error', () => undefined);
  const received: { t: number; line: string }[] = [];
  let tty = '';
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (l.startsWith('tty ')) tty = l.slice(4);
      const m = /^rx (\d+\.\d+) (.*)$/.exec(l);
      if (m) received.push({ t: Number(m[1]) * 1000, line: m[2] as string });
    }
  });
  const t0 = Date.now();
  while (!tty && Date.now() - t0 < 10_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  if (!tty) {
    child.kill();
    throw new Error('the celeron55 pty device did not start');
  }
  return {
    child,
    tty,
    received,
    set: (key, value) => void child.stdin.write(`${key}=${value}\n`),
    stop: () => {
      child.stdin.end();
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 2000).unref();
    },
  };
}
