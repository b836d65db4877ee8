// V2G session layer: neutral charging model, dialects (DIN 70121, ISO 15118-2),
// protocol selection, response/status-code policy, fault scenarios, config defaults.
export * from './model.js';
export * from './document.js';
export * from './config.js';
export * from './faults.js';
export * from './policy.js';
export * from './dialects/index.js';
