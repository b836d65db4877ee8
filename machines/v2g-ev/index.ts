export { v2gEvMachine } from './machine.js';
export { buildRequest, chargeCurrent, chargeVoltage, type EvseLimits, type RequestFacts } from './requests.js';
export { triageResponse, type Fatal, type Step, type Triage, type TriageContext } from './triage.js';
export { endReasonText } from './end-reason.js';
export type { V2gEvActionParams, V2gEvEndCode, V2gEvEndReason, V2gEvEvent, V2gEvFaultReason, V2gEvFinishReason, V2gEvInput, V2gEvOutput, V2gEvResult } from './types.js';
