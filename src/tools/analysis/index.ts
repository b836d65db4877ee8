// Public API of capture analysis (capture → V2G events → sessions, values).
export * from './analyzer.js';
export * from './capture.js';
export * from './summary.js';
export * from './values.js';
export * from './vendor.js';
export * from './fields.js';
export type { DecodedV2g } from './exi-bridge.js';
export * from './frame-analyser.js';
export * from './checkpoints.js';
export * from './limiting.js';
export * from './tls.js';
export * from './capture-keylog.js';
