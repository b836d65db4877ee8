// Optional UDP syslog (logging.udp_syslog): every log line also goes out as a
// syslog datagram "<15>tsplc: …" (facility user, severity debug, as pyPLC sends
// it) broadcast to port 514, so Wireshark shows the log inside the capture of
// the session, next to the frames it talks about.
import dgram from 'node:dgram';
import type { LogEntry } from './logger.js';
import { formatHuman } from './logger.js';

export interface SyslogSink {
  readonly tee: (e: LogEntry) => void;
  close(): void;
}

export function udpSyslog(options: { address?: string; port?: number; t0?: number } = {}): SyslogSink {
  const sock = dgram.createSocket('udp4');
  let ready = false;
  sock.on('error', () => {
    /* a missing route must not break logging */
  });
  sock.bind(0, () => {
    sock.setBroadcast(true);
    ready = true;
  });
  const t0 = options.t0 ?? Date.now();
  return {
    tee(e) {
      if (!ready) return;
      sock.send(Buffer.from(`<15>tsplc: ${formatHuman(e, t0)}`), options.port ?? 514, options.address ?? '255.255.255.255');
    },
    close() {
      try {
        sock.close();
      } catch {
        /* already closed */
      }
    },
  };
}
