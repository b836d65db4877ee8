// tsplc evse: be the charger (SECC) on a real interface. See src/runtime/role.ts.
import { runRole } from '../../runtime/role.js';

export const summary = 'be the charger (SECC) on a real interface';

export function run(argv: string[]): Promise<number> {
  return runRole('evse', argv);
}
