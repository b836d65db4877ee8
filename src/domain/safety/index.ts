// Safety invariants: a pure monitor (watchSafety) over hardware events.
export * from './events.js';
export * from './monitor.js';
export * from './evse-monitor.js';
export * from './output-off.js';
