export * from './frames.js';
export * from './config.js';
