import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { createLogger, similarityKey } from '../../src/runtime/logger.js';
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

  // Issue 8: a CM_SLAC_PARM.REQ flood logged ~15,000 lines/s; repeated lines are now bounded.
  describe('repeated lines (logging.repeat_limit / repeat_interval)', () => {
    const setup = (lines = 3, intervalMs = 1000) => {
      const out: Record<string, unknown>[] = [];
      const tee: string[] = [];
      let t = 1_700_000_000_000;
      const log = createLogger({ level: 'debug', format: 'json', write: (l) => out.push(JSON.parse(l) as Record<string, unknown>), tee: (e) => tee.push(e.message), now: () => t, repeat: { lines, intervalMs } });
      return { out, tee, log, advance: (ms: number) => (t += ms) };
    };

    it('N similar lines per key and interval pass; the rest become one "suppressed K similar lines" line when the interval ends', () => {
      const { out, log, advance } = setup();
      const slac = log.child('slac');
      for (let i = 0; i < 100; i++) slac.log('info', `ignores CM_SLAC_PARM.REQ from 02:ee:00:00:00:${(i % 256).toString(16).padStart(2, '0')} (#${i})`);
      expect(out).toHaveLength(3);
      advance(1000);
      slac.log('info', 'ignores CM_SLAC_PARM.REQ from 02:ee:00:00:01:00 (#100)');
      expect(out).toHaveLength(5);
      expect(out[3]).toMatchObject({ level: 'info', component: 'slac', msg: 'suppressed 97 similar lines', interval_ms: 1000 });
      expect(String(out[3]?.like)).toMatch(/^ignores CM_SLAC_PARM.REQ from/);
      expect(out[4]?.msg).toMatch(/#100/);
    });

    it('other lines are not held back by a flood of one kind; levels and components are separate keys', () => {
      const { out, log } = setup(2);
      for (let i = 0; i < 50; i++) log.child('slac').log('debug', `frame ${i}`);
      log.child('slac').log('warn', 'frame 51');
      log.child('ev').log('debug', 'frame 52');
      log.child('slac').log('info', 'sdp done');
      expect(out.map((o) => o.msg)).toEqual(['frame 0', 'frame 1', 'frame 51', 'frame 52', 'sdp done']);
    });

    it('a flood that stops is summarised by the next line of any kind after the interval, or by flush() at exit; suppressed lines skip the tee too', () => {
      const a = setup(1);
      for (let i = 0; i < 10; i++) a.log.log('info', `x ${i}`);
      a.advance(1500);
      a.log.log('info', 'something else');
      expect(a.out.map((o) => o.msg)).toEqual(['x 0', 'suppressed 9 similar lines', 'something else']);
      expect(a.tee.filter((m) => m.startsWith('x '))).toHaveLength(1);
      const b = setup(1);
      for (let i = 0; i < 4; i++) b.log.log('info', `y ${i}`);
      b.log.flush();
      expect(b.out.map((o) => o.msg)).toEqual(['y 0', 'suppressed 3 similar lines']);
    });

    it('volume under a flood is bounded by lines × keys, whatever the rate', () => {
      const { out, log, advance } = setup(5, 1000);
      // 10 s of 10,000 lines/s of three kinds: at most 5 lines + 1 summary per kind and window.
      for (let s = 0; s < 10; s++) {
        for (let i = 0; i < 10_000; i++) {
          log.child('slac').log('info', `kind ${i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c'} ${i}`);
          if (i % 1000 === 0) advance(100);
        }
      }
      log.flush();
      // Fixed windows per key: 10 s of traffic touch at most 11 windows per kind.
      expect(out.length).toBeLessThanOrEqual(11 * 3 * 6);
      expect(out.length).toBeGreaterThan(10 * 3 * 5 - 1);
    });

    it('similarityKey sets aside numbers, MAC addresses and hex runs, not the words', () => {
      expect(similarityKey('c', 'info', 'from 02:00:00:00:00:01 runId=a1a2a3a4a5a6a7a8 n=3')).toBe(similarityKey('c', 'info', 'from aa:bb:cc:dd:ee:ff runId=0011223344556677 n=400'));
      expect(similarityKey('c', 'info', 'CM_SLAC_PARM.REQ')).not.toBe(similarityKey('c', 'info', 'CM_SLAC_MATCH.REQ'));
    });
  });
});
