// Public API of the pure link-layer code (SLAC messages, MME bridge, attenuation,
// timing). The machines live in machines/ and the layer actors that run them on a
// port in src/runtime/slac-layer.ts. See docs/slac.md.
export * from './attenuation.js';
export * from './bridge.js';
export * from './messages.js';
export * from './timing.js';
