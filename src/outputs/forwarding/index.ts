// Forwarding of the EVSE's session facts to the outside (SmartEVSE SOC callback, MQTT): the pure part.
export * from './facts.js';
export * from './soc-callback.js';
export * from './throttle.js';
export * from './mqtt-topics.js';
