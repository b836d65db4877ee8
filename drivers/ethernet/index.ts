// Ethernet drivers: a real interface (AF_PACKET, native) and an in-memory wire.
// memory.ts has no Node imports and may be imported alone by the pure simulator.
export { openAfPacketPort, interfaceInfo, ETHERTYPE_HOMEPLUG } from './afpacket.js';
export type { AfPacketOptions, AfPacketPort, AfPacketStats, EthernetRuntimeError } from './afpacket.js';
export { EthernetOpenError, type EthernetErrorCode } from './errors.js';
export { MemorySegment, type MemorySegmentOptions, type MemoryPort } from './memory.js';
