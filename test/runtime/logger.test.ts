import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';
import { udpSyslog } from '../../src/runtime/syslog.js';

describe('runtime logger', () => {
  it('JSON lines with component, checkpoint fields; level changeable at run time', () => {
    const out: string[] = [];
    let t = 1_700_000_000_000;
    const log = createLogger({ level: 'info', format: 'json', write: (l) => out.push(l), now: () => t });
    const ev = log.child('ev');
    ev.log('debug', 'hidden');
    ev.log('info', 'sdp done', { cp: 203, secc: 'fe80::2' });
    log.setLevel('debug');
    t += 5;
    ev.child('v2gtp').log('debug', 'rx CurrentDemandRes', { bytes: 31 });
    expect(out).toHaveLength(2);
    expect(JSON.parse(out[0] as string)).toMatchObject({ level: 'info', component: 'ev', msg: 'sdp done', cp: 203, secc: 'fe80::2' });
    expect(JSON.parse(out[1] as string)).toMatchObject({ level: 'debug', component: 'ev.v2gtp', bytes: 31 });
  });

  it('human lines: ms since start, level for non-info, fields', () => {
    const out: string[] = [];
    let t = 1000;
    const log = createLogger({ format: 'human', write: (l) => out.push(l), now: () => t });
    t = 1250;
    log.child('ev').log('warn', 'runtime backoff', { reason: 'SDP: NO_RESPONSE', attempt: 2 });
    expect(out[0]).toBe('[   250ms] WARN ev: runtime backoff  reason="SDP: NO_RESPONSE" attempt=2');
  });

  it('UDP syslog sends "<15>tsplc: …" datagrams', async () => {
    const rx = dgram.createSocket('udp4');
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
    const got = new Promise<string>((r) => rx.once('message', (m) => r(m.toString())));
    const sink = udpSyslog({ address: '127.0.0.1', port: rx.address().port, t0: 0 });
    await new Promise((r) => setTimeout(r, 50));
    const log = createLogger({ format: 'json', write: () => {}, tee: sink.tee, now: () => 42 });
    log.child('ev').log('info', 'slac matched', { cp: 190 });
    expect(await got).toBe('<15>tsplc: [    42ms] ev: slac matched  cp=190');
    sink.close();
    rx.close();
  });
});
