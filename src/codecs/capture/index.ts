// Public API of the capture-file layer.
export * from './reader.js';
export * from './writer.js';
export * from './pipeline.js';
export * from './pcapng-writer.js';
