// Subscriber for the forwarding end-to-end test: runs inside a network namespace,
// prints every message on <prefix>/# as a JSON line {topic, payload, retain}.
import { connect } from 'mqtt';

const [port, prefix] = process.argv.slice(2);
const client = connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 200 });
client.on('connect', () => client.subscribe(`${prefix}/#`));
client.on('message', (topic, payload, packet) => {
  process.stdout.write(JSON.stringify({ topic, payload: payload.toString(), retain: packet.retain }) + '\n');
});
process.on('SIGTERM', () => client.end(true, () => process.exit(0)));
