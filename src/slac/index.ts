// Public API of the link layer (SLAC + modem management) for the runtime and
// the connection manager. See docs/slac.md.
export * from './attenuation.js';
export * from './bridge.js';
export * from './messages.js';
export * from './session.js';
export * from './timing.js';
export { slacEvMachine, type SlacEvInput, type SlacEvOutput, type SlacEvEvent } from '../../machines/slac-ev/index.js';
export { slacEvseMachine, type SlacEvseInput, type SlacEvseOutput, type SlacEvseEvent } from '../../machines/slac-evse/index.js';
export { modemManagerMachine, type ModemManagerInput, type ModemManagerOutput, type ModemTask, type ConfirmMethod } from '../../machines/modem-manager/index.js';
export { listenMachine, type ListenInput, type ListenOutput, type MacLogEntry, type CapturedKey } from '../../machines/listen/index.js';
