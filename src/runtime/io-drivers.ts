// The real drivers behind the ports the runtime's forwarding and systemd bridge use
// (src/ports/{http,mqtt,clock}.ts). The composition root (role.ts) passes these;
// tests pass the twins (drivers/http/memory.ts, drivers/mqtt/memory.ts, a
// SimulatedClock) instead. drivers/mqtt/client.ts imports the `mqtt` package
// statically (a regular dependency), as role.ts did before.
import { httpPost } from '../../drivers/http/post.js';
import { openMqttLink } from '../../drivers/mqtt/client.js';
import { monotonicClock } from '../../drivers/clock/index.js';
import type { Clock } from '../ports/clock.js';
import type { HttpPost } from '../ports/http.js';
import type { MqttConnect } from '../ports/mqtt.js';

export { monotonicClock };

export interface ForwardingPorts {
  readonly http: HttpPost;
  readonly mqtt: MqttConnect;
  readonly clock: Clock;
}

/** node:http, the `mqtt` package and the monotonic clock. */
export const realForwardingPorts: ForwardingPorts = { http: httpPost, mqtt: openMqttLink, clock: monotonicClock };
