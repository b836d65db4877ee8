// What `tsplc pev|evse` open in the outside world, as one value: the packet sockets, the
// interface's IPv6 stack, the board, the systemd notifier, the UDP syslog socket and the
// process's streams. runRole takes it as a parameter (default: the real drivers), so the tests
// of its exit paths (test/runtime/role-exit.test.ts) pass in-memory twins and failing
// factories, and check that every handle acquired before a failure is released.
import { loadBoard, type Board, type BoardError, type BoardOptions } from '../../boards/index.js';
import { openAfPacketPort, type AfPacketOptions } from '../../drivers/ethernet/index.js';
import { createNotifier } from '../../drivers/notify/index.js';
import { createNodeNetStack } from '../../drivers/tcp/node-stack.js';
import type { EthernetPort } from '../ports/ethernet.js';
import type { Logger } from '../ports/log.js';
import type { NetStack } from '../ports/net.js';
import type { SystemdNotifier } from '../ports/notify.js';
import type { Result } from '../result.js';
import { udpSyslog, type SyslogSink } from './syslog.js';

/** A writable text stream as the role uses it (process.stdout, process.stderr). */
export interface RoleStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface RoleIo {
  /** An AF_PACKET socket on the interface: the HomePlug port, and (etherTypes [], includeOutgoing) the record's capture tap. */
  readonly openPacketPort: (ifname: string, options: AfPacketOptions) => EthernetPort;
  /** The interface's IPv6 stack (link-local address, UDP, TCP). */
  readonly netStack: (ifname: string, logger: Logger) => NetStack;
  readonly loadBoard: (name: string, options: BoardOptions) => Promise<Result<Board, BoardError>>;
  readonly notifier: (env: Readonly<Record<string, string | undefined>>, options: { logger: Logger }) => SystemdNotifier;
  /** logging.udp_syslog: the log as syslog datagrams. */
  readonly syslog: () => SyslogSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: RoleStream;
  readonly stderr: RoleStream;
  /** After a signal's stop: set the exit code and leave (the real one exits after a short drain). */
  readonly exit: (code: number) => void;
}

/** After the stop finished: how long open handles may drain before the process exits anyway, ms. */
const EXIT_DRAIN_MS = 1000;

export const realRoleIo: RoleIo = {
  openPacketPort: openAfPacketPort,
  netStack: createNodeNetStack,
  loadBoard,
  notifier: createNotifier,
  syslog: () => udpSyslog(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => {
    process.exitCode = code;
    // Everything is closed by now; a handle someone forgot (a socket of a peer that never closes) must not
    // keep the process past the stop: exit after a short drain whatever is still open.
    setTimeout(() => process.exit(code), EXIT_DRAIN_MS).unref();
  },
};
