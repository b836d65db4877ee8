// Public API of the HomePlug AV / Green PHY MME layer.
export * from './constants.js';
export * from './types.js';
export * from './codec.js';
export * from './keys.js';
export * from './builders.js';
export * from './summary.js';
export * from './analyser.js';
export * from './modem-query.js';
