// Public API of the V2GTP layer (see docs/protocol.md).
export * from './header.js';
export * from './reassembler.js';
