// TX checksum offload across a veth, seen through the AF_PACKET driver.
//
//   ev ns: eth0 ──veth── p0 ┐ middle ns: forwarder.ts (like modem-sim) ┌ p1 ──veth── eth0 :evse ns
//
// The host ends keep TX checksum offload ON (the veth default). The kernel of
// the ev namespace sends UDP and TCP with CHECKSUM_PARTIAL; the middle reads
// them with AF_PACKET (TP_STATUS_CSUMNOTREADY) and re-sends them on p1. The
// evse kernel is the independent judge: it accepts a datagram only with a
// right checksum. Control: the raw addon path (no completion) loses the same
// datagram and the evse kernel counts Udp6InCsumErrors.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { createHub, netnsAvailable, netnsUnavailableReason, type NetnsEnd, type NetnsTopology } from '../helpers/netns.js';
import { PeerProcess } from './peer-process.js';
import { fromHex } from '../../src/bytes.js';
import { decodePacket } from '../../src/codecs/net/packet.js';
import { verifyTransportChecksum } from '../../src/codecs/net/checksum.js';
import { requireEnv } from '../env.js';
import { testScript } from '../helpers/cli.js';

const canNetns = requireEnv('root + network namespaces', netnsAvailable(), netnsUnavailableReason());

const TP_STATUS_CSUMNOTREADY = 8;

/** ETHTOOL_GTXCSUM through SIOCETHTOOL: prints 1 when TX checksum offload is on. */
const txCsumState = `import fcntl,socket,struct,array,sys
s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM)
v=array.array('B',struct.pack('II',0x16,0))
fcntl.ioctl(s.fileno(),0x8946,struct.pack('16sP',sys.argv[1].encode(),v.buffer_info()[0]))
print(struct.unpack('II',v.tobytes())[1])`;

/** UDP receiver: prints 'ready', then 'got <text>' or 'timeout'. */
const udpReceiver = `import socket,sys
s=socket.socket(socket.AF_INET6,socket.SOCK_DGRAM); s.bind(('::',int(sys.argv[1]))); s.settimeout(float(sys.argv[2]))
print('ready',flush=True)
try:
  d,a=s.recvfrom(2000); print('got',d.decode(),flush=True)
except socket.timeout:
  print('timeout',flush=True)`;

/** TCP echo server for one connection: prints 'ready', echoes until EOF. */
const tcpEcho = `import socket,sys
s=socket.socket(socket.AF_INET6,socket.SOCK_STREAM); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(('::',int(sys.argv[1]))); s.listen(1)
print('ready',flush=True)
c,a=s.accept()
while True:
  d=c.recv(4096)
  if not d: break
  c.sendall(d)
c.close()`;

/** TCP client: connects to argv[1] (with %scope), sends argv[2], prints what comes back. */
const tcpClient = `import socket,sys
c=socket.create_connection((sys.argv[1],int(sys.argv[3])),timeout=10)
c.sendall(sys.argv[2].encode()); c.shutdown(socket.SHUT_WR)
b=b''
while True:
  d=c.recv(4096)
  if not d: break
  b+=d
print('echo',b.decode(),flush=True)`;

/** Collects a child's output from spawn on; `line(pred)` resolves with the first matching stdout line. */
function watch(child: ChildProcess): { line(pred: (l: string) => boolean, timeoutMs: number): Promise<string> } {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => (out += d));
  child.stderr?.on('data', (d: string) => (err += d));
  return {
    line: (pred, timeoutMs) =>
      new Promise((resolve, reject) => {
        const start = Date.now();
        const poll = setInterval(() => {
          const hit = out.split('\n').find(pred);
          if (hit !== undefined) {
            clearInterval(poll);
            resolve(hit);
          } else if (Date.now() - start > timeoutMs) {
            clearInterval(poll);
            reject(new Error(`no matching line in ${timeoutMs} ms; stdout: ${out} stderr: ${err}`));
          }
        }, 20);
      }),
  };
}

describe.skipIf(!canNetns)('TX checksum offload across a veth, completed by the AF_PACKET driver', () => {
  let topo: NetnsTopology;
  let ev: NetnsEnd;
  let evse: NetnsEnd;
  let middle: NetnsEnd;

  beforeAll(async () => {
    topo = await createHub({ roles: ['ev', 'evse'] });
    [ev, evse] = topo.ends as [NetnsEnd, NetnsEnd];
    middle = { netns: ev.netns.replace(/-[^-]+$/, '-hub'), ifname: 'br0', ifindex: 0, mac: '', linkLocal: '' };
    for (const p of ['p0', 'p1']) {
      // The forwarder, not the bridge, decides what crosses (as for modem-sim).
      expect((await topo.exec(middle, 'ip', ['link', 'set', p, 'nomaster'])).code).toBe(0);
      await topo.exec(middle, 'sysctl', ['-qw', `net.ipv6.conf.${p}.disable_ipv6=1`]);
    }
  });
  afterAll(async () => {
    await topo?.destroy();
  });

  const startForwarder = async (raw: boolean): Promise<PeerProcess> => {
    const f = new PeerProcess(topo.spawnNode(middle, testScript('test/native/forwarder.ts'), ['p0', 'p1', ...(raw ? ['--raw'] : [])]));
    await f.waitFor((e) => e.event === 'ready', 20_000, 'forwarder ready');
    return f;
  };
  const udp6InCsumErrors = async (end: NetnsEnd): Promise<number> => {
    const r = await topo.exec(end, 'cat', ['/proc/net/snmp6']);
    const m = /^Udp6InCsumErrors\s+(\d+)/m.exec(r.stdout);
    return Number(m?.[1] ?? NaN);
  };
  const sendUdp = (text: string, port: number) =>
    topo.exec(ev, 'python3', ['-c', `import socket,sys; socket.socket(socket.AF_INET6,socket.SOCK_DGRAM).sendto(sys.argv[1].encode(),(sys.argv[2],${port}))`, text, `${evse.linkLocal}%${ev.ifname}`]);
  /** The forwarder's frames from p0 that are UDP to `port`. */
  const udpFramesTo = (f: PeerProcess, port: number) =>
    f.frames().filter((e) => {
      if (e.from !== 'p0') return false;
      const p = decodePacket(fromHex(e.hex as string)!);
      return p.ok && p.value.transport?.kind === 'udp' && p.value.transport.udp.destinationPort === port;
    });

  it('the host ends keep TX checksum offload on (the precondition of this test)', async () => {
    for (const end of [ev, evse]) {
      const r = await topo.exec(end, 'python3', ['-c', txCsumState, end.ifname]);
      expect(r.stdout.trim()).toBe('1');
    }
  });

  it('control: forwarded as received (raw addon), the datagram is flagged and the far kernel drops it for its checksum', async () => {
    const f = await startForwarder(true);
    const before = await udp6InCsumErrors(evse);
    const rx = watch(topo.spawn(evse, 'python3', ['-c', udpReceiver, '40001', '3']));
    await rx.line( (l) => l === 'ready', 10_000);
    expect((await sendUdp('raw path', 40001)).code).toBe(0);
    expect(await rx.line((l) => l === 'timeout' || l.startsWith('got'), 10_000)).toBe('timeout');
    const frames = udpFramesTo(f, 40001);
    expect(frames.length).toBeGreaterThanOrEqual(1);
    expect((frames[0]!.status as number) & TP_STATUS_CSUMNOTREADY).toBe(TP_STATUS_CSUMNOTREADY);
    expect(verifyTransportChecksum(fromHex(frames[0]!.hex as string)!)).toEqual({ ok: true, value: false });
    expect(await udp6InCsumErrors(evse)).toBeGreaterThan(before);
    f.send({ cmd: 'stats' });
    const st = await f.waitFor((e) => e.event === 'stats', 5000, 'raw stats');
    expect((st.p0 as { checksumNotReady: number }).checksumNotReady).toBeGreaterThanOrEqual(1);
    f.child.kill();
    await f.exited;
  });

  it('through openAfPacketPort the datagram arrives with a right checksum and the far kernel accepts it', async () => {
    const f = await startForwarder(false);
    const before = await udp6InCsumErrors(evse);
    const rx = watch(topo.spawn(evse, 'python3', ['-c', udpReceiver, '40002', '5']));
    await rx.line( (l) => l === 'ready', 10_000);
    expect((await sendUdp('completed by the driver', 40002)).code).toBe(0);
    expect(await rx.line((l) => l === 'timeout' || l.startsWith('got'), 10_000)).toBe('got completed by the driver');
    expect(await udp6InCsumErrors(evse)).toBe(before);
    const frames = udpFramesTo(f, 40002);
    expect(frames.length).toBeGreaterThanOrEqual(1);
    expect(verifyTransportChecksum(fromHex(frames[0]!.hex as string)!)).toEqual({ ok: true, value: true });
    f.send({ cmd: 'stats' });
    const st = await f.waitFor((e) => e.event === 'stats', 5000, 'stats');
    const p0 = st.p0 as { checksumNotReady: number; checksumsCompleted: number; checksumsIncomplete: number };
    expect(p0.checksumNotReady).toBeGreaterThanOrEqual(1);
    expect(p0.checksumsCompleted).toBe(p0.checksumNotReady);
    expect(p0.checksumsIncomplete).toBe(0);

    // TCP both ways: the SYN, the data and the echo are all offloaded by their senders.
    const server = watch(topo.spawn(evse, 'python3', ['-c', tcpEcho, '40003']));
    await server.line( (l) => l === 'ready', 10_000);
    const client = watch(topo.spawn(ev, 'python3', ['-c', tcpClient, `${evse.linkLocal}%${ev.ifname}`, 'hello over tcp', '40003']));
    expect(await client.line( (l) => l.startsWith('echo'), 15_000)).toBe('echo hello over tcp');
    f.send({ cmd: 'stats' });
    const st2 = await f.next((e) => e.event === 'stats', 5000, 'stats after tcp');
    for (const side of ['p0', 'p1'] as const) {
      const s = st2[side] as { checksumNotReady: number; checksumsCompleted: number };
      expect(s.checksumsCompleted).toBeGreaterThanOrEqual(side === 'p0' ? p0.checksumsCompleted + 2 : 2);
      expect(s.checksumsCompleted).toBe(s.checksumNotReady);
    }
    f.child.kill();
    await f.exited;
  });

  it('cuts TCP aggregates (the sender\'s TSO across the veth) into MTU-sized segments: 60 kB echoed without loss', async () => {
    const f = await startForwarder(false);
    const server = watch(topo.spawn(evse, 'python3', ['-c', tcpEcho, '40004']));
    await server.line((l) => l === 'ready', 10_000);
    const text = 'v2g'.repeat(20_000);
    const client = watch(topo.spawn(ev, 'python3', ['-c', tcpClient, `${evse.linkLocal}%${ev.ifname}`, text, '40004']));
    expect(await client.line((l) => l.startsWith('echo'), 20_000)).toBe(`echo ${text}`);
    f.send({ cmd: 'stats' });
    const st = await f.waitFor((e) => e.event === 'stats', 5000, 'stats');
    const sides = [st.p0, st.p1] as { truncated: number; sendErrors: number; aggregatesSegmented: number; oversizeDropped: number }[];
    // Without segmentation these aggregates were dropped (truncated) or failed to send (EMSGSIZE).
    expect(sides[0]!.aggregatesSegmented + sides[1]!.aggregatesSegmented).toBeGreaterThanOrEqual(1);
    for (const side of sides) expect([side.truncated, side.sendErrors, side.oversizeDropped]).toEqual([0, 0, 0]);
    expect(f.frames().every((e) => (e.hex as string).length / 2 <= 1514)).toBe(true);
    f.child.kill();
    await f.exited;
  });
});
