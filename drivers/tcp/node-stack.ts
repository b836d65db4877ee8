// NetStack of a real interface: link-local address from os.networkInterfaces(),
// UDP over node:dgram, TCP over node:net, everything scoped to the interface.
import os from 'node:os';
import type { NetStack } from '../../src/ports/net.js';
import type { Logger } from '../../src/ports/log.js';
import { openDgramPort } from '../udp/dgram.js';
import { connectNodeTcp, listenNodeTcp } from './node-net.js';

/** The first link-local IPv6 address of the interface, unscoped. */
export function findLinkLocal(interfaceName: string): string | undefined {
  const list = os.networkInterfaces()[interfaceName] ?? [];
  const ll = list.find((a) => a.family === 'IPv6' && /^fe[89ab]/i.test(a.address));
  return ll?.address.split('%')[0];
}

export function createNodeNetStack(interfaceName: string, logger: Logger): NetStack {
  return {
    interfaceName,
    linkLocalAddress: () => findLinkLocal(interfaceName),
    openUdp(port, options) {
      return openDgramPort({ interfaceName, localAddress: options?.multicast ? undefined : findLinkLocal(interfaceName), port, ...(options?.multicast ? { multicast: options.multicast } : {}), logger });
    },
    async listenTcp(port) {
      const ll = findLinkLocal(interfaceName);
      if (!ll) return { ok: false, error: { code: 'NO_LINK_LOCAL', message: `${interfaceName} has no IPv6 link-local address (link down or DAD pending)` } };
      return listenNodeTcp(interfaceName, ll, port, logger);
    },
    connectTcp(address, port, timeoutMs) {
      return connectNodeTcp(interfaceName, findLinkLocal(interfaceName), address, port, timeoutMs);
    },
  };
}
