// Publishes one retained message (forwarding end-to-end test, inside a network namespace).
import { connect } from 'mqtt';

const [port, topic, payload] = process.argv.slice(2);
const client = connect(`mqtt://127.0.0.1:${port}`);
client.on('connect', () => client.publish(topic as string, payload as string, { retain: true }, () => client.end(false, () => process.exit(0))));
