// The real drivers behind the ports the runtime's forwarding and systemd bridge use
// (src/ports/{http,mqtt,clock}.ts). The composition root (role-evse.ts) loads them with
// loadForwardingPorts() only when forwarding is configured (soc_callback or mqtt enabled);
// tests pass the twins (drivers/http/memory.ts, drivers/mqtt/memory.ts, a SimulatedClock).
// Why lazy: the `mqtt` package and its dependencies are about 60 modules, 60 ms of start-up
// and 10 MB of RSS on a 2-core board (issue 13), for a feature most chargers leave off.
// test/runtime/io-drivers.test.ts checks that importing this module loads neither.
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

let loaded: Promise<ForwardingPorts> | undefined;

/** node:http, the `mqtt` package and the monotonic clock, imported on the first call. */
export function loadForwardingPorts(): Promise<ForwardingPorts> {
  loaded ??= Promise.all([import('../../drivers/http/post.js'), import('../../drivers/mqtt/client.js')]).then(([http, mqtt]) => ({
    http: http.httpPost,
    mqtt: mqtt.openMqttLink,
    clock: monotonicClock,
  }));
  return loaded;
}
