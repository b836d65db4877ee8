// tsplc relay: a V2G man in the middle between a car and a charger (two modems). See src/runtime/relay.ts and docs/relay.md.
import { runRelay } from '../../runtime/relay.js';

export const summary = 'man in the middle between a car and a charger: relay, record and show the session';

export function run(argv: string[]): Promise<number> {
  return runRelay(argv);
}
