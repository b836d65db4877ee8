// tsplc pev: be the car (EVCC) on a real interface. See src/runtime/role.ts.
import { runRole } from '../../runtime/role.js';

export const summary = 'be the car (EVCC) on a real interface';

export function run(argv: string[]): Promise<number> {
  return runRole('pev', argv);
}
