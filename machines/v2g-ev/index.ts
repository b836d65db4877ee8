export { v2gEvMachine } from './machine.js';
export { buildRequest, chargeCurrent, chargeVoltage, type EvseLimits, type RequestFacts } from './requests.js';
export type { V2gEvActionParams, V2gEvEvent, V2gEvInput, V2gEvOutput, V2gEvResult } from './types.js';
