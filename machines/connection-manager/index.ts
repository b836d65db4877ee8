// Connection managers for both roles (see ev.ts and evse.ts).
export * from './ev.js';
export * from './evse.js';
