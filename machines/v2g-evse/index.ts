export { v2gEvseMachine } from './machine.js';
export { answer, type Answer, type EvseEffect, type EvseFacts, type IsolationProgress } from './responses.js';
export type { V2gEvseActionParams, V2gEvseEvent, V2gEvseInput, V2gEvseOutput } from './types.js';
