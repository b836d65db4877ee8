// An MQTT client for tests whose broker runs in a network namespace: spawned in that
// namespace (topology.spawnNode), it subscribes to argv[3], prints every message as
// `rx <topic> <payload>` and publishes each stdin line `<topic> <payload>`. Prints
// `ready` once subscribed; exits when stdin closes.
//   node --import tsx test/helpers/mqtt-peer.ts <host:port> <filter>
import { connect } from 'mqtt';
import { createInterface } from 'node:readline';

const [broker, filter] = process.argv.slice(2);
const client = connect(`mqtt://${broker ?? 'localhost:1883'}`, { reconnectPeriod: 100, clientId: `test-peer-${process.pid}` });
client.on('connect', () => client.subscribe(filter ?? '#', () => console.log('ready')));
client.on('message', (topic, payload) => console.log(`rx ${topic} ${payload.toString()}`));
client.on('error', (e) => console.error(`mqtt-peer: ${e.message}`));
createInterface({ input: process.stdin }).on('line', (l) => {
  const i = l.indexOf(' ');
  if (i > 0) client.publish(l.slice(0, i), l.slice(i + 1));
});
process.stdin.on('end', () => client.end(false, {}, () => process.exit(0)));
