// Typed errors of the Ethernet drivers. Drivers may throw at open time (pure code
// never throws); the message tells the user what to do, the code tells the program.
import { readdirSync } from 'node:fs';
import { errorMessage } from '../../src/errors.js';

export type EthernetErrorCode =
  | 'EPERM_RAW' // no CAP_NET_RAW
  | 'NO_SUCH_INTERFACE'
  | 'INTERFACE_DOWN'
  | 'NATIVE_ADDON_MISSING'
  | 'OPEN_FAILED';

export class EthernetOpenError extends Error {
  override readonly name = 'EthernetOpenError';
  constructor(
    readonly code: EthernetErrorCode,
    readonly ifname: string,
    message: string,
    /** errno name from the kernel, when there was one. */
    readonly errnoCode?: string,
  ) {
    super(message);
  }
}

function listInterfaces(): string {
  try {
    return readdirSync('/sys/class/net').sort().join(', ');
  } catch {
    return '';
  }
}

/** Maps an error from the native addon (or its loader) to an EthernetOpenError with advice. */
export function toOpenError(ifname: string, e: unknown): EthernetOpenError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const detail = errorMessage(e);
  switch (code) {
    case 'EPERM':
    case 'EACCES':
      return new EthernetOpenError(
        'EPERM_RAW',
        ifname,
        `Opening a raw (AF_PACKET) socket on ${ifname} needs the CAP_NET_RAW capability. ` +
          'Run as root, or grant it to node once: `sudo setcap cap_net_raw+ep $(readlink -f $(which node))`, ' +
          'or under systemd set `AmbientCapabilities=CAP_NET_RAW` in the unit.',
        code,
      );
    case 'ENODEV':
    case 'ENXIO': {
      const known = listInterfaces();
      return new EthernetOpenError(
        'NO_SUCH_INTERFACE',
        ifname,
        `There is no network interface named '${ifname}'` +
          (known ? ` (present: ${known})` : '') +
          '. List interfaces with `ip link` and set the one of the HomePlug modem.',
        code,
      );
    }
    case 'ENETDOWN':
      return new EthernetOpenError(
        'INTERFACE_DOWN',
        ifname,
        `Interface ${ifname} is down. Bring it up with \`sudo ip link set ${ifname} up\`.`,
        code,
      );
    case 'NATIVE_ADDON_MISSING':
      return new EthernetOpenError('NATIVE_ADDON_MISSING', ifname, detail, code);
    default:
      return new EthernetOpenError('OPEN_FAILED', ifname, `Cannot open a raw socket on ${ifname}: ${detail}`, code || undefined);
  }
}
