// Public API of the packet layer (pure; see docs/protocol.md).
export * from './packet.js';
export * from './ipv6-address.js';
export * from './tcp-stream.js';
