export * from './machine.js';
export * from './parameters.js';
