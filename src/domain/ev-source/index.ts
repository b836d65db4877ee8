// Battery and charge parameters from a named source (config ev.battery_source).
export * from './types.js';
export * from './static.js';
export * from './freshness.js';
export * from './soc-simulation.js';
export * from './mqtt.js';
export * from './present.js';
