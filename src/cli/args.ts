// The commands' argument parsing lives in src/runtime/args.ts, because the role
// runner (src/runtime/role.ts) parses `tsplc pev|evse` arguments itself and the
// runtime must not import the CLI layer (direction table, docs/architecture.md).
export { parseCommandArgs } from '../runtime/args.js';
