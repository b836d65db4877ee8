// The facts the page fixtures, the docs pictures and the benchmark show.
import { initialFacts, type DisplayFacts } from '../../src/outputs/display/facts.js';

/** A car charging at 398 V / 100 A under a 125 A / 50 kW charger, 1 min 5 s after plug-in. */
export const chargingFacts: DisplayFacts = {
  ...initialFacts('EV', { interface: 'eth0', mac: '02:00:00:ee:00:01', ipv6: 'fe80::ff:fe00:1' }),
  stage: 'CurrentDemand',
  checkpoint: 700,
  protocol: 'DIN',
  startedAt: 0,
  voltage: 398,
  current: 100,
  soc: 54,
  energyWh: 1234,
  ev: { targetVoltage: 398, targetCurrent: 100, maxVoltage: 398, maxCurrent: 100 },
  evse: { maxVoltage: 500, maxCurrent: 125, maxPower: 50000, presentVoltage: 398, presentCurrent: 100 },
  fault: { code: 'FAILED', detail: 'CurrentDemandRes: FAILED (EVSE_EmergencyShutdown)', at: 60000 },
  shutdown: 'Finished',
  modem: 'Ready',
  slac: 'Matched',
  attenuation: 20.5,
  peerMac: '02:00:00:ee:00:02',
  sdp: 'done',
  tcp: 'connected',
};
