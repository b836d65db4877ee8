export { v2gEvseMachine } from './machine.js';
export { answer, type Answer, type EvseEffect, type EvseFacts, type IsolationProgress } from './responses.js';
export { evseEndReasonText, type V2gEvseActionParams, type V2gEvseEndCode, type V2gEvseEndReason, type V2gEvseEndTimer, type V2gEvseEvent, type V2gEvseInput, type V2gEvseOutput } from './types.js';
