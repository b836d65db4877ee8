// A unix datagram socket bound by a small Python process (Node cannot bind
// AF_UNIX SOCK_DGRAM), standing in for systemd's NOTIFY_SOCKET.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const hasPython = spawnSync('python3', ['-c', 'import socket'], { encoding: 'utf8' }).status === 0;

const RECEIVER = `
import socket, sys, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps('ready'), flush=True)
while True:
    print(json.dumps(s.recv(4096).decode()), flush=True)
`;

export interface Receiver {
  readonly messages: string[];
  /** Waits until a datagram matching pred arrived (or throws after timeoutMs). */
  waitFor(pred: (m: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): void;
}

export async function startReceiver(path: string): Promise<Receiver> {
  const child: ChildProcess = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (l) => {
    messages.push(JSON.parse(l) as string);
    for (const w of waiters) w();
  });
  const waitFor = (pred: (m: string) => boolean, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = messages.find(pred);
        if (m !== undefined) {
          waiters.delete(check);
          clearTimeout(t);
          resolve(m);
        }
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching datagram within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  await waitFor((m) => m === 'ready');
  messages.length = 0;
  return { messages, waitFor, close: () => child.kill('SIGKILL') };
}
